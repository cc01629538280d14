// Reads 2-D mono and 3-plane colour FITS images (BITPIX 8/16/32/-32/-64) into frames of physical,
// linear values, with the header's exposure metadata; Bayer mosaics are demosaiced or kept as CFA.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "io/buffer_lending.hpp"
#include "io/image_reader.hpp"
#include "io/read_options.hpp"

namespace nightstack {

class FitsReader : public ImageReader {
 public:
  explicit FitsReader(ReadOptions options = {}) : options_(std::move(options)) {}
  Frame read(const std::filesystem::path& path) override;
  // Bands top to bottom (ROWORDER honoured): BITPIX 8 as 8-bit codes, BITPIX 16 with BZERO 32768
  // and BSCALE 1 as 16-bit codes, everything else (and integer data with BLANK) as scaled float.
  // A Bayer mosaic to demosaic is decoded whole first and cut into float bands.
  std::unique_ptr<OpenFrame> open(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  FrameInfo read_info(const std::filesystem::path& path) override;

  // Reused from frame to frame. CFITSIO keeps the addresses of `memory` and `size`.
  struct Buffers {
    std::vector<unsigned char> file_bytes;  // the file, padded to whole 2880-byte records
    void* memory = nullptr;
    std::size_t size = 0;
    std::vector<unsigned char> plane;  // one plane's rows as CFITSIO gives them
    std::vector<unsigned char> band;
  };

 private:
  // Opens the file held in buffers->file_bytes.
  std::unique_ptr<OpenFrame> open_loaned(const std::filesystem::path& path,
                                         StateLender<Buffers>::Loan buffers);

  ReadOptions options_;
  StateLender<Buffers> lender_;
};

}  // namespace nightstack
