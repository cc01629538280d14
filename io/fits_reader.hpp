// Reads 2-D mono and 3-plane colour FITS images (BITPIX 8/16/32/-32/-64) into frames of physical,
// linear values.
#pragma once

#include "io/image_reader.hpp"

namespace nightstack {

class FitsReader : public ImageReader {
 public:
  Frame read(const std::filesystem::path& path) override;
};

}  // namespace nightstack
