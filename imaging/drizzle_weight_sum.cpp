// Integer sums are exact and commute: the frames' order does not change a single bit.
#include "imaging/drizzle_weight_sum.hpp"

#include <cmath>
#include <stdexcept>

namespace nightstack {

void DrizzleWeightSum::add(const std::vector<double>& weights, int width, int height) {
  if (weights.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height))
    throw std::logic_error("drizzle weights of the wrong size");
  // Rounded under the lock too (milliseconds against the drizzling's tenths of a second), so no
  // second frame-sized buffer is needed.
  std::lock_guard lock(mutex_);
  if (frames_ == 0) {
    width_ = width;
    height_ = height;
    sum_.assign(weights.size(), 0);
  } else if (width != width_ || height != height_) {
    throw std::logic_error("drizzle weights of frames of different sizes");
  }
  for (std::size_t i = 0; i < weights.size(); ++i) sum_[i] += std::llround(weights[i] * units_per_area);
  ++frames_;
}

std::size_t DrizzleWeightSum::frames() const {
  std::lock_guard lock(mutex_);
  return frames_;
}

ImageD DrizzleWeightSum::total() const {
  std::lock_guard lock(mutex_);
  ImageD image(width_, height_, 1);
  for (std::size_t i = 0; i < sum_.size(); ++i)
    image.samples()[i] = static_cast<double>(sum_[i]) / units_per_area;
  return image;
}

}  // namespace nightstack
