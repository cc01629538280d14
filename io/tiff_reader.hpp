// Reads TIFF images (8/16-bit unsigned integer and 32-bit float, gray or RGB) into frames.
#pragma once

#include <span>
#include <vector>

#include "io/image_reader.hpp"
#include "io/read_options.hpp"
#include "io/tiff_handle.hpp"

namespace nightstack {

// The first image (directory) of the file, opened read-only through libtiff: strips or tiles,
// contiguous or separate planes, any compression libtiff decodes (LZW, Deflate, PackBits, ...).
// 1 sample (MINISBLACK, or MINISWHITE inverted to it) or 3 (RGB); extra samples such as alpha
// are ignored. 8/16-bit integers are display codes (encoding srgb, white level 255 / 65535, as
// GIMP exports); 32-bit float is linear with white level 1. Orientation top-left (the default)
// or bottom-left (rows flipped). Everything else (palette, CMYK, YCbCr, 1/12/32-bit integers,
// signed samples, 64-bit float, other orientations) is an InputError naming what is unsupported.
class TiffReader : public ImageReader {
 public:
  // TIFF has no per-ingest choices yet; the options are taken so every reader is made alike.
  explicit TiffReader(const ReadOptions& options = {});
  Frame read(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  // The header alone: format, encoding, white level and bit depth (TIFF carries no capture data
  // that nightstack reads).
  FrameInfo read_info(const std::filesystem::path& path) override;

 private:
  Frame read_opened(const std::filesystem::path& path, const TiffFile& file, std::uint64_t file_size);

  std::vector<unsigned char> buffer_;  // one decoded strip or tile, reused between files
};

}  // namespace nightstack
