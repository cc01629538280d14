// libjpeg's decompressor behind a small interface whose calls report failure by return value:
// libjpeg's errors (and, here, every warning about corrupt or missing data) never cross C++ frames.
#pragma once

#include <cstddef>
#include <memory>

struct jpeg_decompress_struct;

namespace nightstack {

// One decompressor, reused from frame to frame: read_header, start, read_rows until every row is
// read (the last call also reads the rest of the file up to its end marker), or abort at any
// point. A call returning false leaves message() saying why; abort() (or the next read_header)
// makes the decompressor ready again.
class JpegDecompressor {
 public:
  // Throws std::runtime_error if libjpeg cannot start.
  JpegDecompressor();
  ~JpegDecompressor();
  JpegDecompressor(const JpegDecompressor&) = delete;
  JpegDecompressor& operator=(const JpegDecompressor&) = delete;

  // Reads the header of the JPEG in `bytes` (which must outlive the decoding).
  bool read_header(const unsigned char* bytes, std::size_t size);
  // Starts decoding to 8-bit gray or RGB with the accurate integer DCT and fancy upsampling,
  // TurboJPEG's defaults, so pixels are the same as tjDecompress2 gives.
  bool start(bool gray);
  // Decodes the next `count` rows into `rows`, `row_bytes` apart.
  bool read_rows(unsigned char* rows, int count, std::size_t row_bytes);
  void abort();

  // The header's values once read_header succeeded.
  const jpeg_decompress_struct& header() const;
  const char* message() const;
  // Whether the last failure was a warning (damaged data) rather than an error.
  bool warned() const;

  struct Context;  // libjpeg's structures and the jump buffer, defined with the calls

 private:
  std::unique_ptr<Context> context_;  // libjpeg keeps pointers into it, so it never moves
};

}  // namespace nightstack
