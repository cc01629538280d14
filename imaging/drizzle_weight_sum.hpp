// The drizzle weight map of a registered stack: per output pixel, the drop area of every frame that
// landed there, summed in fixed point so the total is the same whatever order the frames (drizzled
// on several threads at once) arrive in.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

class DrizzleWeightSum {
 public:
  // Units of 2^-32 output pixel area: a frame adds at most about 1 per pixel (drops do not overlap
  // each other), so 2^31 frames fit, and each frame's weight is rounded by at most 2^-33.
  static constexpr double units_per_area = 4294967296.0;

  // One frame's weights (DrizzledFrame::weights) on a width x height grid. From several threads at once.
  void add(const std::vector<double>& weights, int width, int height);
  std::size_t frames() const;
  // The sum, in output pixel areas (an empty image before any frame).
  ImageD total() const;

 private:
  mutable std::mutex mutex_;
  int width_ = 0, height_ = 0;
  std::size_t frames_ = 0;
  std::vector<std::int64_t> sum_;
};

}  // namespace nightstack
