// A directional max-dilation of the moving bright pixels, scattered along the motion.
#include "imaging/motion_fill.hpp"

#include <algorithm>
#include <cmath>

namespace nightstack {

std::size_t fill_along_motion(const MotionFillInput& input, ImageF& later) {
  const int width = later.width(), height = later.height(), channels = later.channels();
  std::size_t carried = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t from = static_cast<std::size_t>(y) * width + x;
      if (!(input.earlier_luminance[from] > input.earlier_level) ||
          input.later_luminance[from] > input.later_level)
        continue;
      const double dx = input.motion.moved_x(x, y) - x, dy = input.motion.moved_y(x, y) - y;
      if (!(dx * dx + dy * dy <= input.max_shift * input.max_shift)) continue;
      ++carried;
      const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(dx), std::abs(dy)))));
      for (int step = 1; step <= steps; ++step) {
        const double fraction = static_cast<double>(step) / steps;
        const auto to_x = static_cast<int>(std::lround(x + dx * fraction));
        const auto to_y = static_cast<int>(std::lround(y + dy * fraction));
        if (to_x < 0 || to_y < 0 || to_x >= width || to_y >= height) break;
        const std::size_t to = static_cast<std::size_t>(to_y) * width + to_x;
        for (int channel = 0; channel < channels; ++channel) {
          float& target = later.plane(channel)[to];
          target = std::max(target, input.earlier.plane(channel)[from]);
        }
      }
    }
  }
  return carried;
}

}  // namespace nightstack
