// PNG decoding through libpng. libpng reports errors by longjmp back to a setjmp, which skips C++
// destructors, so every libpng call lives in decode_png, a plain function whose frame holds nothing
// with a destructor; C++ (allocation, exceptions) happens only before and after it.
#include "io/png_reader.hpp"

#include <png.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "io/input_bytes.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// zlib's documented limit: deflate never expands data more than 1032-fold on decompression.
constexpr std::uint64_t maximum_deflate_ratio = 1032;

// The decoded image as decode_png leaves it: rows of interleaved samples, 16-bit ones big-endian.
struct DecodedShape {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int samples_per_pixel = 0;  // 1 or 3 (more only if libpng kept an alpha: then colours come first)
  int bit_depth = 0;          // 8 or 16
  std::size_t row_bytes = 0;
  bool linear = false;  // gAMA 1.0 without sRGB or iCCP
};

// Everything decode_png reads and writes. Trivially destructible, so a longjmp may skip it.
struct PngDecoding {
  const unsigned char* input;
  std::size_t input_size;
  std::size_t position;
  // Called once the header is checked: returns room for `bytes` decoded bytes, or nullptr.
  unsigned char* (*reserve)(void* owner, std::size_t bytes);
  void* owner;
  bool header_only;  // stop once the shape is known
  DecodedShape shape;
  char message[256];  // why decoding stopped; the first reason wins
};

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

// Sets the expansions, checks the header's claims against the file and the sample cap, reserves
// the output and decodes into it. Returns false with decoding.message set when anything fails.
bool decode_png(PngDecoding& decoding) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoding, on_png_error, on_png_warning);
  if (png == nullptr) {
    note(decoding, "libpng could not start (out of memory)");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    note(decoding, "libpng could not start (out of memory)");
    return false;
  }
  // png and info are not changed after this point until the error branch uses them.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &decoding, read_from_memory);
  png_read_info(png, info);

  const std::uint32_t width = png_get_image_width(png, info);
  const std::uint32_t height = png_get_image_height(png, info);
  const int file_bit_depth = png_get_bit_depth(png, info);
  const int file_channels = png_get_channels(png, info);
  const int colour_type = png_get_color_type(png, info);
  // A non-interlaced file's filtered rows are the least its compressed data must inflate to.
  const std::uint64_t least_inflated =
      (((std::uint64_t{width} * file_channels * file_bit_depth) + 7) / 8 + 1) * height;
  if (least_inflated > maximum_deflate_ratio * decoding.input_size) {
    note(decoding,
         "the PNG header claims more pixels than the file's size can hold; it is truncated or corrupt");
    png_error(png, "size");
  }
  const int colours = (colour_type & PNG_COLOR_MASK_COLOR) != 0 ? 3 : 1;
  if (std::uint64_t{width} * height * colours > maximum_samples) {
    note(decoding, "the PNG header claims more than 2^31 samples, more than nightstack reads");
    png_error(png, "size");
  }

  png_fixed_point file_gamma = 0;
  decoding.shape.linear = png_get_valid(png, info, PNG_INFO_sRGB) == 0 &&
                          png_get_valid(png, info, PNG_INFO_iCCP) == 0 &&
                          png_get_gAMA_fixed(png, info, &file_gamma) != 0 && file_gamma == PNG_FP_1;

  if (colour_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colour_type == PNG_COLOR_TYPE_GRAY && file_bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if ((colour_type & PNG_COLOR_MASK_ALPHA) != 0) png_set_strip_alpha(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);

  decoding.shape.width = width;
  decoding.shape.height = height;
  decoding.shape.samples_per_pixel = png_get_channels(png, info);
  decoding.shape.bit_depth = png_get_bit_depth(png, info);
  decoding.shape.row_bytes = png_get_rowbytes(png, info);
  if (decoding.header_only) {
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
  }
  unsigned char* rows = decoding.reserve(decoding.owner, decoding.shape.row_bytes * height);
  if (rows == nullptr) {
    note(decoding, "not enough memory for the decoded image");
    png_error(png, "memory");
  }
  // Each pass of an interlaced image fills in more pixels of the same rows.
  for (int pass = 0; pass < passes; ++pass) {
    for (std::uint32_t row = 0; row < height; ++row) {
      png_read_row(png, rows + decoding.shape.row_bytes * row, nullptr);
    }
  }
  png_read_end(png, nullptr);  // checks the rest of the file up to IEND
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

unsigned char* reserve_in_vector(void* owner, std::size_t bytes) {
  auto& buffer = *static_cast<std::vector<unsigned char>*>(owner);
  try {
    buffer.resize(bytes);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return buffer.data();
}

FrameInfo info_for(const std::filesystem::path& path, const DecodedShape& shape) {
  FrameInfo info;
  info.path = path;
  info.format = "PNG";
  info.encoding = shape.linear ? Encoding::linear : Encoding::srgb;
  info.white_level = shape.bit_depth == 16 ? 65535.0 : 255.0;
  info.bits_per_sample = shape.bit_depth;
  return info;
}

// Runs decode_png on the file's bytes; the decoded rows land in `decoded`.
DecodedShape decode_bytes(const std::filesystem::path& path, bool header_only,
                          std::span<const unsigned char> file_bytes, std::vector<unsigned char>& decoded) {
  if (file_bytes.size() < 8 || png_sig_cmp(file_bytes.data(), 0, 8) != 0) {
    throw InputError(path, "not a PNG file (its first bytes are not the PNG signature)");
  }
  PngDecoding decoding{};
  decoding.input = file_bytes.data();
  decoding.input_size = file_bytes.size();
  decoding.reserve = reserve_in_vector;
  decoding.owner = &decoded;
  decoding.header_only = header_only;
  if (!decode_png(decoding)) {
    throw InputError(path, std::string("cannot decode the PNG: ") + decoding.message);
  }
  return decoding.shape;
}

}  // namespace

PngReader::PngReader(const ReadOptions&) {}

FrameInfo PngReader::read_info(const std::filesystem::path& path) {
  read_whole_file(path, file_bytes_);
  return info_for(path, decode_bytes(path, true, file_bytes_, decoded_));
}

Frame PngReader::read(const std::filesystem::path& path) {
  read_whole_file(path, file_bytes_);
  return decode(path, file_bytes_);
}

Frame PngReader::decode(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
  const DecodedShape shape = decode_bytes(path, false, bytes, decoded_);
  const int colours = shape.samples_per_pixel >= 3 ? 3 : 1;
  Frame frame;
  frame.info = info_for(path, shape);
  frame.pixels = take_frame_pixels(static_cast<int>(shape.width), static_cast<int>(shape.height), colours);
  const int sample_bytes = shape.bit_depth / 8;
  for (std::uint32_t row = 0; row < shape.height; ++row) {
    const unsigned char* source = decoded_.data() + shape.row_bytes * row;
    for (std::uint32_t column = 0; column < shape.width; ++column) {
      for (int channel = 0; channel < colours; ++channel) {
        const unsigned char* sample =
            source + (std::size_t{column} * shape.samples_per_pixel + channel) * sample_bytes;
        const unsigned value = sample_bytes == 2 ? (unsigned{sample[0]} << 8) | sample[1] : sample[0];
        frame.pixels.at(channel, static_cast<int>(row), static_cast<int>(column)) = static_cast<float>(value);
      }
    }
  }
  return frame;
}

}  // namespace nightstack
