// libpng's read structures behind calls that report failure by return value. libpng reports errors
// by longjmp back to a setjmp, which skips C++ destructors, so every libpng call lives in one of
// these plain functions, whose frames hold nothing with a destructor.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nightstack {

// Everything the functions read and write. Trivially destructible, so a longjmp may skip it; the
// libpng structures it points to are freed by close_png. libpng keeps its address: it never moves.
struct PngDecoding {
  const unsigned char* input = nullptr;
  std::size_t input_size = 0;
  std::size_t position = 0;
  void* png = nullptr;   // png_structp
  void* info = nullptr;  // png_infop

  // The file's header, once open_png succeeded.
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int file_bit_depth = 0;
  int file_channels = 0;
  bool colour = false;
  bool interlaced = false;
  bool linear = false;  // gAMA 1.0 without sRGB or iCCP

  // The decoded rows, once prepare_png succeeded: interleaved samples, 16-bit ones in the
  // machine's byte order.
  int samples_per_pixel = 0;  // 1 or 3 (more only if libpng kept an alpha: then colours come first)
  int bit_depth = 0;          // 8 or 16
  std::size_t row_bytes = 0;
  int passes = 1;

  char message[256] = {};  // why decoding stopped; the first reason wins
};

// Whether the bytes start with the PNG signature.
bool is_png(const unsigned char* bytes, std::size_t size);
// Starts libpng on decoding.input and reads the header.
bool open_png(PngDecoding& decoding);
// Asks for 8/16-bit gray or RGB without alpha and reads the decoded shape.
bool prepare_png(PngDecoding& decoding);
// Decodes the next `count` rows of a non-interlaced image into `rows`, row_bytes apart.
bool read_png_rows(PngDecoding& decoding, unsigned char* rows, std::uint32_t count);
// Decodes every pass of the whole image into `rows` (height rows, row_bytes apart).
bool read_png_image(PngDecoding& decoding, unsigned char* rows);
// Checks the rest of the file up to IEND.
bool finish_png(PngDecoding& decoding);
// Frees libpng's structures; safe to call more than once.
void close_png(PngDecoding& decoding);

}  // namespace nightstack
