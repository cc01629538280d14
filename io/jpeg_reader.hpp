// Reads baseline and progressive JPEG (8-bit gray or colour) into frames of sRGB codes 0..255.
#pragma once

#include <span>
#include <vector>

#include "io/image_reader.hpp"
#include "io/turbojpeg_handle.hpp"

namespace nightstack {

class JpegReader : public ImageReader {
 public:
  JpegReader();
  Frame read(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);

 private:
  // Kept between calls so decoding a sequence of frames does not reallocate each time.
  TurboJpegHandle decompressor_;
  std::vector<unsigned char> compressed_;
  std::vector<unsigned char> interleaved_;
};

}  // namespace nightstack
