// Bayer colour-filter mosaics: the 2x2 pattern, how it moves when the image is cropped or flipped,
// and bilinear demosaicing.
#pragma once

#include <optional>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

class BayerPattern {
 public:
  // "RGGB", "GRBG", "GBRG" or "BGGR" (case-insensitive); nullopt for anything else.
  static std::optional<BayerPattern> parse(const std::string& text);

  // Channel (0 red, 1 green, 2 blue) of the pixel at (row, column), counted from the pattern's origin.
  int channel_at(long long row, long long column) const;
  // The pattern seen from an origin moved by (rows, columns), e.g. after a crop or an odd flip.
  BayerPattern shifted(long long rows, long long columns) const;
  // The pattern of the same pixels after flipping an image of `height` rows upside down.
  BayerPattern flipped_vertically(int height) const { return shifted(height - 1, 0); }
  std::string name() const;

 private:
  explicit BayerPattern(std::string cells) : cells_(std::move(cells)) {}
  std::string cells_;  // four of 'R', 'G', 'B', row-major
};

// Full RGB from a one-plane mosaic: each missing colour is the mean of the same-colour pixels in the
// 3x3 neighbourhood (that is bilinear interpolation for a Bayer layout); edges use the neighbours
// that exist. Known values are kept exactly.
ImageF demosaic_bilinear(const ImageF& mosaic, const BayerPattern& pattern);
// The same into `rgb` (width x height x 3, e.g. reused storage): every sample is written.
void demosaic_bilinear(const ImageF& mosaic, const BayerPattern& pattern, ImageF& rgb);

}  // namespace nightstack
