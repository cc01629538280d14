// Horizon search, feathering and the weighted blend.
#include "imaging/sky_mask.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nightstack {

namespace {

// Running mean over 2 radius + 1 samples of one line (stride apart), clamped at the ends.
void box_line(double* line, int count, std::ptrdiff_t stride, int radius, std::vector<double>& scratch) {
  scratch.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) scratch[static_cast<std::size_t>(i)] = line[i * stride];
  double sum = 0;
  for (int i = -radius; i <= radius; ++i)
    sum += scratch[static_cast<std::size_t>(std::clamp(i, 0, count - 1))];
  const double window = 2.0 * radius + 1.0;
  for (int i = 0; i < count; ++i) {
    line[i * stride] = sum / window;
    sum += scratch[static_cast<std::size_t>(std::min(count - 1, i + radius + 1))] -
           scratch[static_cast<std::size_t>(std::max(0, i - radius))];
  }
}

void box_blur(std::vector<double>& values, int width, int height, int radius) {
  std::vector<double> scratch;
  for (int row = 0; row < height; ++row)
    box_line(values.data() + static_cast<std::ptrdiff_t>(row) * width, width, 1, radius, scratch);
  for (int column = 0; column < width; ++column)
    box_line(values.data() + column, height, width, radius, scratch);
}

}  // namespace

double two_class_threshold(const std::vector<double>& values) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double value : values)
    if (std::isfinite(value)) {
      low = std::min(low, value);
      high = std::max(high, value);
    }
  if (!(high > low)) return std::isfinite(low) ? low : 0.0;
  constexpr int bins = 256;
  std::vector<double> counts(bins, 0.0);
  for (double value : values)
    if (std::isfinite(value))
      counts[static_cast<std::size_t>(
          std::min(bins - 1, static_cast<int>((value - low) / (high - low) * bins)))] += 1;
  double total = 0, total_moment = 0;
  for (int bin = 0; bin < bins; ++bin) {
    total += counts[static_cast<std::size_t>(bin)];
    total_moment += bin * counts[static_cast<std::size_t>(bin)];
  }
  double below = 0, below_moment = 0, best = -1;
  int best_bin = 0;
  for (int bin = 0; bin < bins - 1; ++bin) {
    below += counts[static_cast<std::size_t>(bin)];
    below_moment += bin * counts[static_cast<std::size_t>(bin)];
    const double above = total - below;
    if (below == 0 || above == 0) continue;
    const double difference = below_moment / below - (total_moment - below_moment) / above;
    const double between = below * above * difference * difference;
    if (between > best) {
      best = between;
      best_bin = bin;
    }
  }
  return low + (high - low) * (best_bin + 1) / bins;
}

SkyWeights horizon_by_brightness(const ImageD& foreground, BrightnessHorizon& horizon) {
  const int width = foreground.width(), height = foreground.height();
  std::vector<double> light(foreground.plane_size(), 0.0);
  for (int channel = 0; channel < foreground.channels(); ++channel) {
    const auto plane = foreground.plane(channel);
    for (std::size_t i = 0; i < light.size(); ++i) light[i] += plane[i] / foreground.channels();
  }
  const int radius = std::max(1, height / 100);
  box_blur(light, width, height, radius);
  horizon.level_used = horizon.level ? *horizon.level : two_class_threshold(light);
  std::vector<int> ground_rows(static_cast<std::size_t>(width), 0);
  const int limit = static_cast<int>(std::lround(std::clamp(horizon.highest, 0.0, 1.0) * height));
  for (int column = 0; column < width; ++column) {
    int rows = 0;
    while (rows < limit &&
           light[static_cast<std::size_t>(height - 1 - rows) * width + column] < horizon.level_used)
      ++rows;
    ground_rows[static_cast<std::size_t>(column)] = rows;
  }
  std::vector<int> smoothed(ground_rows.size());
  std::vector<int> window;
  for (int column = 0; column < width; ++column) {
    window.assign(ground_rows.begin() + std::max(0, column - radius),
                  ground_rows.begin() + std::min(width, column + radius + 1));
    std::nth_element(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(window.size() / 2),
                     window.end());
    smoothed[static_cast<std::size_t>(column)] = window[window.size() / 2];
  }
  SkyWeights weights(foreground.plane_size(), 1.0);
  for (int column = 0; column < width; ++column)
    for (int row = height - smoothed[static_cast<std::size_t>(column)]; row < height; ++row)
      weights[static_cast<std::size_t>(row) * width + column] = 0.0;
  return weights;
}

SkyWeights horizon_at_height(int width, int height, double fraction) {
  SkyWeights weights(static_cast<std::size_t>(width) * height, 1.0);
  const int ground = static_cast<int>(std::lround(fraction * height));
  std::fill(weights.begin() + static_cast<std::ptrdiff_t>(height - ground) * width, weights.end(), 0.0);
  return weights;
}

void feather(SkyWeights& weights, int width, int height, int radius) {
  if (radius <= 0) return;
  box_blur(weights, width, height, radius);
  box_blur(weights, width, height, radius);
}

ImageD blend_by_weights(const ImageD& sky, const ImageD& foreground, const SkyWeights& weights) {
  ImageD blended(sky.width(), sky.height(), sky.channels());
  for (int channel = 0; channel < sky.channels(); ++channel) {
    const auto from_sky = sky.plane(channel), from_ground = foreground.plane(channel);
    auto out = blended.plane(channel);
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = weights[i] == 1.0   ? from_sky[i]
               : weights[i] == 0.0 ? from_ground[i]
                                   : weights[i] * from_sky[i] + (1.0 - weights[i]) * from_ground[i];
  }
  return blended;
}

}  // namespace nightstack
