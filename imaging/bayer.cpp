// Bayer pattern arithmetic and bilinear demosaicing.
#include "imaging/bayer.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace nightstack {

std::optional<BayerPattern> BayerPattern::parse(const std::string& text) {
  std::string cells;
  for (char character : text) {
    if (!std::isspace(static_cast<unsigned char>(character))) {
      cells += static_cast<char>(std::toupper(static_cast<unsigned char>(character)));
    }
  }
  for (const char* known : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
    if (cells == known) return BayerPattern(cells);
  }
  return std::nullopt;
}

int BayerPattern::channel_at(long long row, long long column) const {
  char cell = cells_[static_cast<std::size_t>(((row % 2 + 2) % 2) * 2 + (column % 2 + 2) % 2)];
  return cell == 'R' ? 0 : cell == 'G' ? 1 : 2;
}

BayerPattern BayerPattern::shifted(long long rows, long long columns) const {
  std::string cells(4, ' ');
  for (int row = 0; row < 2; ++row) {
    for (int column = 0; column < 2; ++column) {
      cells[static_cast<std::size_t>(row * 2 + column)] = "RGB"[channel_at(row + rows, column + columns)];
    }
  }
  return BayerPattern(cells);
}

std::string BayerPattern::name() const { return cells_; }

ImageF demosaic_bilinear(const ImageF& mosaic, const BayerPattern& pattern) {
  if (mosaic.channels() != 1) throw std::invalid_argument("demosaicing needs a one-plane mosaic");
  const int width = mosaic.width(), height = mosaic.height();
  ImageF rgb(width, height, 3);
  const auto source = mosaic.plane(0);
  for (int row = 0; row < height; ++row) {
    for (int column = 0; column < width; ++column) {
      float sums[3] = {0, 0, 0};
      int counts[3] = {0, 0, 0};
      for (int neighbour_row = std::max(0, row - 1); neighbour_row <= std::min(height - 1, row + 1);
           ++neighbour_row) {
        for (int neighbour_column = std::max(0, column - 1);
             neighbour_column <= std::min(width - 1, column + 1); ++neighbour_column) {
          int channel = pattern.channel_at(neighbour_row, neighbour_column);
          sums[channel] += source[static_cast<std::size_t>(neighbour_row) * width + neighbour_column];
          ++counts[channel];
        }
      }
      const int own = pattern.channel_at(row, column);
      for (int channel = 0; channel < 3; ++channel) {
        float value = channel == own
                          ? source[static_cast<std::size_t>(row) * width + column]
                          : (counts[channel] ? sums[channel] / static_cast<float>(counts[channel]) : 0.0f);
        rgb.at(channel, row, column) = value;
      }
    }
  }
  return rgb;
}

}  // namespace nightstack
