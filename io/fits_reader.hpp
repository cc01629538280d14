// Reads 2-D mono and 3-plane colour FITS images (BITPIX 8/16/32/-32/-64) into frames of physical,
// linear values, with the header's exposure metadata; Bayer mosaics are demosaiced or kept as CFA.
#pragma once

#include <span>
#include <vector>

#include "io/image_reader.hpp"
#include "io/read_options.hpp"

namespace nightstack {

class FitsReader : public ImageReader {
 public:
  explicit FitsReader(ReadOptions options = {}) : options_(std::move(options)) {}
  Frame read(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  FrameInfo read_info(const std::filesystem::path& path) override;

 private:
  // Decodes the file held in file_bytes_.
  Frame decode_file_bytes(const std::filesystem::path& path);

  ReadOptions options_;
  std::vector<unsigned char> file_bytes_;  // the last file read, reused from frame to frame
};

}  // namespace nightstack
