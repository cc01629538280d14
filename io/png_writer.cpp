// PNG output through libpng. As in the reader, every libpng call lives in one plain function
// (encode_png) whose frame holds nothing with a destructor, because libpng's errors longjmp; the
// file, the row buffer and the temporary name are owned by the C++ caller around it.
#include "io/png_writer.hpp"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/display_encoding.hpp"
#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

// Everything encode_png reads and writes. Trivially destructible, so a longjmp may skip it.
struct PngEncoding {
  std::FILE* file;
  std::uint32_t width;
  std::uint32_t height;
  int channels;
  int bit_depth;
  unsigned char* row;  // room for one row of interleaved big-endian samples
  // Fills `row` with image row `index`; plain arithmetic that cannot fail.
  void (*fill_row)(const void* image, int index, unsigned char* row);
  const void* image;
  char message[256];  // why encoding stopped; the first reason wins
};

void note(PngEncoding& encoding, const char* message) {
  if (encoding.message[0] == '\0') std::snprintf(encoding.message, sizeof encoding.message, "%s", message);
}

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  note(*static_cast<PngEncoding*>(png_get_error_ptr(png)), message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

// libpng's own writer says only "Write Error"; this one keeps the operating system's reason.
void write_to_file(png_structp png, png_bytep data, std::size_t count) {
  auto& encoding = *static_cast<PngEncoding*>(png_get_io_ptr(png));
  if (std::fwrite(data, 1, count, encoding.file) != count) {
    note(encoding, std::strerror(errno));
    png_error(png, "write");
  }
}

void flush_file(png_structp png) {
  auto& encoding = *static_cast<PngEncoding*>(png_get_io_ptr(png));
  if (std::fflush(encoding.file) != 0) {
    note(encoding, std::strerror(errno));
    png_error(png, "flush");
  }
}

bool encode_png(PngEncoding& encoding) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &encoding, on_png_error, on_png_warning);
  if (png == nullptr) {
    note(encoding, "libpng could not start (out of memory)");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    note(encoding, "libpng could not start (out of memory)");
    return false;
  }
  // png and info are not changed after this point until the error branch uses them.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &encoding, write_to_file, flush_file);
  png_set_IHDR(png, info, encoding.width, encoding.height, encoding.bit_depth,
               encoding.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  png_write_info(png, info);
  for (std::uint32_t row = 0; row < encoding.height; ++row) {
    encoding.fill_row(encoding.image, static_cast<int>(row), encoding.row);
    png_write_row(png, encoding.row);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

template <class Sample>
void fill_row(const void* image, int index, unsigned char* row) {
  const auto& pixels = *static_cast<const PlanarImage<Sample>*>(image);
  std::size_t position = 0;
  for (int column = 0; column < pixels.width(); ++column) {
    for (int channel = 0; channel < pixels.channels(); ++channel) {
      const unsigned value = pixels.at(channel, index, column);
      if constexpr (sizeof(Sample) == 2) row[position++] = static_cast<unsigned char>(value >> 8);
      row[position++] = static_cast<unsigned char>(value & 0xFF);
    }
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

[[noreturn]] void fail(const std::filesystem::path& destination, const std::string& what,
                       const std::string& why) {
  throw OutputError(destination, "cannot write PNG (" + what + "): " + why +
                                     "; check that the disk has free space and the directory is writable");
}

template <class Sample>
void write_png_samples(const std::filesystem::path& destination, const PlanarImage<Sample>& pixels) {
  const int channels = pixels.channels();
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("write_png: " + std::to_string(channels) +
                                " channels; PNG output takes 1 or 3");
  }
  if (pixels.empty()) throw std::invalid_argument("write_png: the image is empty");

  AtomicOutput output(destination);
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(output.temporary_path().c_str(), "wb"));
  if (file == nullptr) fail(destination, "create", std::strerror(errno));
  std::vector<unsigned char> row(static_cast<std::size_t>(pixels.width()) * channels * sizeof(Sample));

  PngEncoding encoding{};
  encoding.file = file.get();
  encoding.width = static_cast<std::uint32_t>(pixels.width());
  encoding.height = static_cast<std::uint32_t>(pixels.height());
  encoding.channels = channels;
  encoding.bit_depth = 8 * static_cast<int>(sizeof(Sample));
  encoding.row = row.data();
  encoding.fill_row = fill_row<Sample>;
  encoding.image = &pixels;
  if (!encode_png(encoding)) fail(destination, "encode", encoding.message);
  // fclose flushes what is still buffered, so its result decides.
  if (std::fclose(file.release()) != 0) fail(destination, "close", std::strerror(errno));
  output.commit();
}

}  // namespace

void write_png(const std::filesystem::path& destination, const PlanarImage<std::uint8_t>& pixels) {
  write_png_samples(destination, pixels);
}

void write_png(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels) {
  write_png_samples(destination, pixels);
}

namespace {

class PngImageWriter : public ImageWriter {
 public:
  void write(const std::filesystem::path& destination, const ImageToWrite& image,
             const WriteOptions& options) const override {
    write_png(destination, encode_display_8(image.pixels, options.encoding));
  }
};

}  // namespace

const ImageWriter& png_image_writer() {
  static const PngImageWriter writer;
  return writer;
}

}  // namespace nightstack
