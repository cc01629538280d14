// Box-filter downscaling.
#include "pipeline/preview.hpp"

#include <algorithm>
#include <cmath>

namespace nightstack {

ImageD make_preview(const ImageD& image, int max_width) {
  if (image.width() <= max_width || max_width <= 0) return image;
  const int factor = (image.width() + max_width - 1) / max_width;
  const int width = std::max(1, image.width() / factor), height = std::max(1, image.height() / factor);
  ImageD preview(width, height, image.channels());
  for (int channel = 0; channel < image.channels(); ++channel) {
    for (int row = 0; row < height; ++row) {
      for (int column = 0; column < width; ++column) {
        double sum = 0;
        int count = 0;
        for (int y = row * factor; y < (row + 1) * factor; ++y) {
          for (int x = column * factor; x < (column + 1) * factor; ++x) {
            double value = image.at(channel, y, x);
            if (std::isnan(value)) continue;
            sum += value;
            ++count;
          }
        }
        preview.at(channel, row, column) = count ? sum / count : 0.0;
      }
    }
  }
  return preview;
}

}  // namespace nightstack
