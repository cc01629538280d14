// Reads baseline and progressive JPEG (8-bit gray or colour) as sRGB codes 0..255, band by band.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "io/buffer_lending.hpp"
#include "io/image_reader.hpp"
#include "io/jpeg_decompressor.hpp"

namespace nightstack {

class JpegReader : public ImageReader {
 public:
  Frame read(const std::filesystem::path& path) override;
  // Bands of 8-bit codes, 1 (gray) or 3 (RGB) channels, decoded as they are asked for; damage in
  // the data is an InputError from the next_band call that reaches it.
  std::unique_ptr<OpenFrame> open(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  // `bytes` must outlive the frame.
  std::unique_ptr<OpenFrame> open_bytes(const std::filesystem::path& name,
                                        std::span<const unsigned char> bytes);
  // The header and EXIF alone: no row is decoded.
  FrameInfo read_info(const std::filesystem::path& path) override;

  // What a frame being decoded holds; reused by the next frame once that one is closed.
  struct State {
    JpegDecompressor decompressor;
    std::vector<unsigned char> file_bytes;
    std::vector<unsigned char> band;
  };

 private:
  std::unique_ptr<OpenFrame> open_loaned(const std::filesystem::path& name,
                                         std::span<const unsigned char> bytes,
                                         StateLender<State>::Loan state);

  StateLender<State> lender_;
};

}  // namespace nightstack
