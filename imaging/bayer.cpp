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

namespace {

// The same-colour neighbours a missing colour is averaged from, inside the mosaic: the four
// edge-sharing ones (green at a red or blue pixel), the four corners (blue at red, red at blue),
// the two above and below, or the two left and right (red and blue at a green pixel).
enum class Neighbours { cross, corners, vertical, horizontal };

// Summed from 0 in row-major order and divided by the count, exactly as the edge code does, so the
// interior and the edges give the same bits as one general loop.
template <Neighbours shape>
float neighbour_mean(const float* pixel, std::ptrdiff_t width) {
  if constexpr (shape == Neighbours::cross)
    return (0.0f + pixel[-width] + pixel[-1] + pixel[1] + pixel[width]) / 4.0f;
  if constexpr (shape == Neighbours::corners)
    return (0.0f + pixel[-width - 1] + pixel[-width + 1] + pixel[width - 1] + pixel[width + 1]) / 4.0f;
  if constexpr (shape == Neighbours::vertical) return (0.0f + pixel[-width] + pixel[width]) / 2.0f;
  return (0.0f + pixel[-1] + pixel[1]) / 2.0f;
}

// One pixel, any position: the 3x3 neighbours that exist, by colour.
void demosaic_pixel(const float* source, int width, int height, const BayerPattern& pattern, int row,
                    int column, ImageF& rgb) {
  float sums[3] = {0, 0, 0};
  int counts[3] = {0, 0, 0};
  for (int neighbour_row = std::max(0, row - 1); neighbour_row <= std::min(height - 1, row + 1);
       ++neighbour_row) {
    for (int neighbour_column = std::max(0, column - 1); neighbour_column <= std::min(width - 1, column + 1);
         ++neighbour_column) {
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

// Every second interior pixel of one row from `first_column`, all of one pattern cell position:
// the own colour copied, the other two averaged from their neighbours of the given shapes.
template <Neighbours first_shape, Neighbours second_shape>
void demosaic_run(const float* source_row, int width, int first_column, float* own, float* first,
                  float* second) {
  for (int column = first_column; column < width - 1; column += 2) {
    const float* pixel = source_row + column;
    own[column] = *pixel;
    first[column] = neighbour_mean<first_shape>(pixel, width);
    second[column] = neighbour_mean<second_shape>(pixel, width);
  }
}

// Which neighbours hold `channel` around an interior pixel of the given cell position.
Neighbours shape_of(const BayerPattern& pattern, int row, int column, int channel) {
  if (pattern.channel_at(row - 1, column) == channel) {
    return pattern.channel_at(row, column - 1) == channel ? Neighbours::cross : Neighbours::vertical;
  }
  return pattern.channel_at(row, column - 1) == channel ? Neighbours::horizontal : Neighbours::corners;
}

void demosaic_interior_run(const float* source_row, const BayerPattern& pattern, int width, int row,
                           int first_column, ImageF& rgb) {
  const int own = pattern.channel_at(row, first_column);
  const int first = (own + 1) % 3, second = (own + 2) % 3;
  const Neighbours first_shape = shape_of(pattern, row, first_column, first);
  const Neighbours second_shape = shape_of(pattern, row, first_column, second);
  float* own_row = rgb.plane(own).data() + static_cast<std::size_t>(row) * width;
  float* first_row = rgb.plane(first).data() + static_cast<std::size_t>(row) * width;
  float* second_row = rgb.plane(second).data() + static_cast<std::size_t>(row) * width;
  using enum Neighbours;
  // The four combinations a Bayer layout has: green at red or blue (cross, corners), red or blue
  // at green (vertical, horizontal), in either channel order.
  if (first_shape == cross && second_shape == corners)
    demosaic_run<cross, corners>(source_row, width, first_column, own_row, first_row, second_row);
  else if (first_shape == corners && second_shape == cross)
    demosaic_run<corners, cross>(source_row, width, first_column, own_row, first_row, second_row);
  else if (first_shape == vertical && second_shape == horizontal)
    demosaic_run<vertical, horizontal>(source_row, width, first_column, own_row, first_row, second_row);
  else
    demosaic_run<horizontal, vertical>(source_row, width, first_column, own_row, first_row, second_row);
}

}  // namespace

void demosaic_bilinear(const ImageF& mosaic, const BayerPattern& pattern, ImageF& rgb) {
  if (mosaic.channels() != 1) throw std::invalid_argument("demosaicing needs a one-plane mosaic");
  const int width = mosaic.width(), height = mosaic.height();
  if (rgb.width() != width || rgb.height() != height || rgb.channels() != 3)
    throw std::invalid_argument("demosaicing needs an RGB image of the mosaic's size");
  const float* source = mosaic.plane(0).data();
  for (int row = 0; row < height; ++row) {
    const bool interior_row = row > 0 && row < height - 1;
    if (!interior_row || width < 3) {
      for (int column = 0; column < width; ++column)
        demosaic_pixel(source, width, height, pattern, row, column, rgb);
      continue;
    }
    demosaic_pixel(source, width, height, pattern, row, 0, rgb);
    const float* source_row = source + static_cast<std::size_t>(row) * width;
    demosaic_interior_run(source_row, pattern, width, row, 1, rgb);
    demosaic_interior_run(source_row, pattern, width, row, 2, rgb);
    demosaic_pixel(source, width, height, pattern, row, width - 1, rgb);
  }
}

ImageF demosaic_bilinear(const ImageF& mosaic, const BayerPattern& pattern) {
  ImageF rgb(mosaic.width(), mosaic.height(), 3);
  demosaic_bilinear(mosaic, pattern, rgb);
  return rgb;
}

}  // namespace nightstack
