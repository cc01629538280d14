// Reads PNG images (8/16-bit gray and RGB; palette and low bit depths expanded), band by band.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "io/buffer_lending.hpp"
#include "io/image_reader.hpp"
#include "io/read_options.hpp"

namespace nightstack {

// Through libpng: gray (1/2/4-bit gray expanded to 8 bits, so white is 255) and RGB, 8 or 16 bits;
// palette images become 8-bit RGB; alpha (gray+alpha, RGBA, palette transparency) is dropped;
// interlaced files are de-interlaced. Values are display codes (encoding srgb, white level 255 or
// 65535), or linear when the file has a gAMA of 1.0 and no sRGB or iCCP chunk. A file that is
// truncated, fails a checksum or whose header claims more pixels than its size can hold (or more
// than 2^31 samples) is an InputError naming the file.
class PngReader : public ImageReader {
 public:
  // PNG has no per-ingest choices yet; the options are taken so every reader is made alike.
  explicit PngReader(const ReadOptions& options = {});
  Frame read(const std::filesystem::path& path) override;
  // Bands of 8- or 16-bit codes (16-bit in the machine's byte order), decoded row by row; an
  // interlaced file is decoded whole when its first band is asked for.
  std::unique_ptr<OpenFrame> open(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  // `bytes` must outlive the frame.
  std::unique_ptr<OpenFrame> open_bytes(const std::filesystem::path& name,
                                        std::span<const unsigned char> bytes);
  // The header alone (format, encoding, white level, bit depth): PNG carries no capture data that
  // nightstack reads.
  FrameInfo read_info(const std::filesystem::path& path) override;

  // Reused from frame to frame.
  struct Buffers {
    std::vector<unsigned char> file_bytes;
    std::vector<unsigned char> decoded;  // rows as libpng gives them (the whole image if interlaced)
    std::vector<unsigned char> band;
  };

 private:
  std::unique_ptr<OpenFrame> open_loaned(const std::filesystem::path& name,
                                         std::span<const unsigned char> bytes,
                                         StateLender<Buffers>::Loan buffers);

  StateLender<Buffers> lender_;
};

}  // namespace nightstack
