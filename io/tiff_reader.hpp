// Reads TIFF images (8/16-bit unsigned integer and 32-bit float, gray or RGB), band by band.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "io/buffer_lending.hpp"
#include "io/image_reader.hpp"
#include "io/read_options.hpp"

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
  // Bands in the stored type (8-bit, 16-bit codes or float), decoded a strip or a row of tiles at
  // a time; separate planes are interleaved into the band.
  std::unique_ptr<OpenFrame> open(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  // `bytes` must outlive the frame.
  std::unique_ptr<OpenFrame> open_bytes(const std::filesystem::path& name,
                                        std::span<const unsigned char> bytes);
  // The header alone: format, encoding, white level and bit depth (TIFF carries no capture data
  // that nightstack reads).
  FrameInfo read_info(const std::filesystem::path& path) override;

  // Reused from frame to frame: one strip or tile as libtiff decodes it, one strip or row of tiles
  // interleaved, and the band.
  struct Buffers {
    std::vector<unsigned char> block;
    std::vector<unsigned char> block_row;
    std::vector<unsigned char> band;
  };

 private:
  StateLender<Buffers> lender_;
};

}  // namespace nightstack
