// The one writer interface: each output format saves an image, with what its file says about it,
// under a path; written under a temporary name and renamed into place when complete.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// The write stage's choices that writers read; each format uses the ones that concern it.
struct WriteOptions {
  std::string encoding = "srgb";  // display formats: the curve applied, "srgb" or "linear"
  int fits_bitpix = -32;          // -32, -64 or 16 (see FitsWriteOptions)
  int tiff_bits = 16;             // 16 (integer codes) or 32 (float)
  int jpeg_quality = 92;          // 1..100
};

// An image and what its file should say about it. Which fields a format uses: FITS the provenance
// (as header cards) and the history (as HISTORY); TIFF the description and the software name.
struct ImageToWrite {
  const ImageD& pixels;  // the values as the pipeline holds them
  const Provenance& provenance;
  const std::vector<std::string>& history;
  const std::string& description;
  const std::string& software;
};

class ImageWriter {
 public:
  virtual ~ImageWriter() = default;
  // Throws OutputError when the file cannot be written (leaving no partial file under its name),
  // std::invalid_argument for an image the format cannot hold.
  virtual void write(const std::filesystem::path& destination, const ImageToWrite& image,
                     const WriteOptions& options) const = 0;
};

}  // namespace nightstack
