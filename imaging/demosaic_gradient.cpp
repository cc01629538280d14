// Malvar-He-Cutler demosaicing. Each missing colour is a weighted sum over a 5x5 neighbourhood;
// the weights (in eighths) are the paper's, written out below as the sums they stand for.
#include "imaging/demosaic_gradient.hpp"

namespace nightstack {

namespace {

// Reflects an index about the first and last sample without repeating them (-1 -> 1, n -> n - 2),
// so the reflected pixel is an even distance away and has the same colour in a 2x2 mosaic.
int mirror(int index, int size) {
  if (size == 1) return 0;
  while (index < 0 || index >= size) {
    if (index < 0) index = -index;
    if (index >= size) index = 2 * (size - 1) - index;
  }
  return index;
}

// The 5x5 neighbourhood of one pixel. Inside the frame it reads the samples directly; within two
// pixels of the border it mirrors the indices (the slow path, for a thin frame of pixels).
class Neighbourhood {
 public:
  Neighbourhood(const ImageF& mosaic, int row, int column)
      : mosaic_(mosaic),
        row_(row),
        column_(column),
        centre_(&mosaic.samples()[static_cast<std::size_t>(row) * mosaic.width() + column]),
        stride_(mosaic.width()),
        inside_(row >= 2 && column >= 2 && row + 2 < mosaic.height() && column + 2 < mosaic.width()) {}
  double operator()(int row_offset, int column_offset) const {
    if (inside_) return centre_[static_cast<std::ptrdiff_t>(row_offset) * stride_ + column_offset];
    return mosaic_.at(0, mirror(row_ + row_offset, mosaic_.height()),
                      mirror(column_ + column_offset, mosaic_.width()));
  }
  double centre() const { return (*this)(0, 0); }
  // The four pixels one step away along rows and columns, and two steps away, and diagonal.
  double cross1() const { return (*this)(-1, 0) + (*this)(1, 0) + (*this)(0, -1) + (*this)(0, 1); }
  double cross2() const { return (*this)(-2, 0) + (*this)(2, 0) + (*this)(0, -2) + (*this)(0, 2); }
  double diagonal1() const { return (*this)(-1, -1) + (*this)(-1, 1) + (*this)(1, -1) + (*this)(1, 1); }
  double horizontal1() const { return (*this)(0, -1) + (*this)(0, 1); }
  double horizontal2() const { return (*this)(0, -2) + (*this)(0, 2); }
  double vertical1() const { return (*this)(-1, 0) + (*this)(1, 0); }
  double vertical2() const { return (*this)(-2, 0) + (*this)(2, 0); }

 private:
  const ImageF& mosaic_;
  int row_, column_;
  const float* centre_;
  std::ptrdiff_t stride_;
  bool inside_;
};

// Green at a red or blue pixel.
double green_at_red_or_blue(const Neighbourhood& n) {
  return (4 * n.centre() + 2 * n.cross1() - n.cross2()) / 8;
}

// Red (or blue) at a green pixel whose row neighbours are red (or blue).
double colour_from_row_neighbours(const Neighbourhood& n) {
  return (5 * n.centre() + 4 * n.horizontal1() - n.diagonal1() - n.horizontal2() + 0.5 * n.vertical2()) / 8;
}

// Red (or blue) at a green pixel whose column neighbours are red (or blue).
double colour_from_column_neighbours(const Neighbourhood& n) {
  return (5 * n.centre() + 4 * n.vertical1() - n.diagonal1() - n.vertical2() + 0.5 * n.horizontal2()) / 8;
}

// Red at a blue pixel, or blue at a red one.
double colour_from_diagonal_neighbours(const Neighbourhood& n) {
  return (6 * n.centre() + 2 * n.diagonal1() - 1.5 * n.cross2()) / 8;
}

}  // namespace

ImageF demosaic_gradient_corrected(const ImageF& mosaic, const BayerPattern& pattern) {
  if (mosaic.width() < 2 || mosaic.height() < 2) return demosaic_bilinear(mosaic, pattern);
  ImageF rgb(mosaic.width(), mosaic.height(), 3);
  int colour_of[2][2];
  for (int row = 0; row < 2; ++row)
    for (int column = 0; column < 2; ++column) colour_of[row][column] = pattern.channel_at(row, column);
  for (int row = 0; row < mosaic.height(); ++row) {
    for (int column = 0; column < mosaic.width(); ++column) {
      const Neighbourhood n(mosaic, row, column);
      const int own = colour_of[row % 2][column % 2];
      double value[3] = {0, 0, 0};
      value[own] = n.centre();
      if (own == 1) {
        // A green pixel: which of red and blue lies along its row decides the filter for each.
        const int row_colour = colour_of[row % 2][(column + 1) % 2];
        const int column_colour = 2 - row_colour;
        value[row_colour] = colour_from_row_neighbours(n);
        value[column_colour] = colour_from_column_neighbours(n);
      } else {
        value[1] = green_at_red_or_blue(n);
        value[2 - own] = colour_from_diagonal_neighbours(n);
      }
      for (int channel = 0; channel < 3; ++channel)
        rgb.at(channel, row, column) = static_cast<float>(value[channel]);
    }
  }
  return rgb;
}

}  // namespace nightstack
