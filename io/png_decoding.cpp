// The libpng calls, each behind its own setjmp. The png and info pointers are set before any
// setjmp and never changed by the code between a setjmp and its longjmp.
#include "io/png_decoding.hpp"

#include <png.h>

#include <bit>
#include <cstdio>
#include <cstring>

namespace nightstack {

namespace {

void note(PngDecoding& decoding, const char* message) {
  if (decoding.message[0] == '\0') std::snprintf(decoding.message, sizeof decoding.message, "%s", message);
}

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  note(*static_cast<PngDecoding*>(png_get_error_ptr(png)), message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep destination, std::size_t count) {
  auto& decoding = *static_cast<PngDecoding*>(png_get_io_ptr(png));
  if (count > decoding.input_size - decoding.position) {
    note(decoding, "the file ends early; it is truncated");
    png_error(png, "truncated");
  }
  std::memcpy(destination, decoding.input + decoding.position, count);
  decoding.position += count;
}

png_structp png_of(PngDecoding& decoding) { return static_cast<png_structp>(decoding.png); }
png_infop info_of(PngDecoding& decoding) { return static_cast<png_infop>(decoding.info); }

}  // namespace

bool is_png(const unsigned char* bytes, std::size_t size) {
  return size >= 8 && png_sig_cmp(bytes, 0, 8) == 0;
}

bool open_png(PngDecoding& decoding) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoding, on_png_error, on_png_warning);
  if (png == nullptr) {
    note(decoding, "libpng could not start (out of memory)");
    return false;
  }
  decoding.png = png;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    note(decoding, "libpng could not start (out of memory)");
    return false;
  }
  decoding.info = info;
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, &decoding, read_from_memory);
  png_read_info(png, info);
  decoding.width = png_get_image_width(png, info);
  decoding.height = png_get_image_height(png, info);
  decoding.file_bit_depth = png_get_bit_depth(png, info);
  decoding.file_channels = png_get_channels(png, info);
  decoding.colour = (png_get_color_type(png, info) & PNG_COLOR_MASK_COLOR) != 0;
  decoding.interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
  png_fixed_point file_gamma = 0;
  decoding.linear = png_get_valid(png, info, PNG_INFO_sRGB) == 0 &&
                    png_get_valid(png, info, PNG_INFO_iCCP) == 0 &&
                    png_get_gAMA_fixed(png, info, &file_gamma) != 0 && file_gamma == PNG_FP_1;
  return true;
}

bool prepare_png(PngDecoding& decoding) {
  png_structp png = png_of(decoding);
  png_infop info = info_of(decoding);
  if (setjmp(png_jmpbuf(png))) return false;
  const int colour_type = png_get_color_type(png, info);
  if (colour_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colour_type == PNG_COLOR_TYPE_GRAY && decoding.file_bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if ((colour_type & PNG_COLOR_MASK_ALPHA) != 0) png_set_strip_alpha(png);
  // PNG stores 16-bit samples big-endian; bands hold them in the machine's order.
  if (decoding.file_bit_depth == 16 && std::endian::native == std::endian::little) png_set_swap(png);
  decoding.passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  decoding.samples_per_pixel = png_get_channels(png, info);
  decoding.bit_depth = png_get_bit_depth(png, info);
  decoding.row_bytes = png_get_rowbytes(png, info);
  return true;
}

bool read_png_rows(PngDecoding& decoding, unsigned char* rows, std::uint32_t count) {
  png_structp png = png_of(decoding);
  if (setjmp(png_jmpbuf(png))) return false;
  for (std::uint32_t row = 0; row < count; ++row) png_read_row(png, rows + decoding.row_bytes * row, nullptr);
  return true;
}

bool read_png_image(PngDecoding& decoding, unsigned char* rows) {
  png_structp png = png_of(decoding);
  if (setjmp(png_jmpbuf(png))) return false;
  // Each pass of an interlaced image fills in more pixels of the same rows.
  for (int pass = 0; pass < decoding.passes; ++pass) {
    for (std::uint32_t row = 0; row < decoding.height; ++row) {
      png_read_row(png, rows + decoding.row_bytes * row, nullptr);
    }
  }
  return true;
}

bool finish_png(PngDecoding& decoding) {
  png_structp png = png_of(decoding);
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_end(png, nullptr);
  return true;
}

void close_png(PngDecoding& decoding) {
  if (decoding.png == nullptr) return;
  png_structp png = png_of(decoding);
  png_infop info = info_of(decoding);
  png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  decoding.png = nullptr;
  decoding.info = nullptr;
}

}  // namespace nightstack
