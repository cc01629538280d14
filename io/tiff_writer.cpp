// TIFF output through libtiff. libtiff reports problems through callbacks; a per-file handler
// (TIFFOpenExt, libtiff 4.5) collects them so the OutputError carries libtiff's own words and
// concurrent writers do not mix their messages.
#include "io/tiff_writer.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::size_t target_strip_bytes = 64 * 1024;

struct TiffCloser {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};
using TiffHandle = std::unique_ptr<TIFF, TiffCloser>;

struct TiffOptionsDeleter {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};

// Keeps the first error; later ones are usually consequences of it.
int collect_error(TIFF*, void* user_data, const char* module, const char* format, va_list arguments) {
  auto& message = *static_cast<std::string*>(user_data);
  if (message.empty()) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, arguments);
    message = (module != nullptr ? std::string(module) + ": " : std::string()) + text;
  }
  return 1;  // handled: do not also print through the global handler
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

// TIFF ASCII fields are 7-bit; a NUL would end the field early.
std::string tiff_ascii(const std::string& text) {
  std::string result = text;
  for (char& character : result) {
    const auto byte = static_cast<unsigned char>(character);
    if (byte == 0 || byte >= 0x80) character = '?';
  }
  return result;
}

class TiffWriteFailure {
 public:
  TiffWriteFailure(const std::filesystem::path& destination, const std::string& message)
      : destination_(destination), message_(message) {}
  void check(bool succeeded, const std::string& what) const {
    if (succeeded && message_.empty()) return;
    // libtiff does not pass errno on; a failed write is almost always space or access.
    throw OutputError(destination_,
                      "cannot write TIFF (" + what +
                          "): " + (message_.empty() ? std::string("libtiff gave no reason") : message_) +
                          "; check that the disk has free space and the directory "
                          "is writable");
  }

 private:
  const std::filesystem::path& destination_;
  const std::string& message_;
};

}  // namespace

void write_tiff16(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels,
                  const std::string& description, const std::string& software) {
  const int channels = pixels.channels();
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("write_tiff16: " + std::to_string(channels) +
                                " channels; TIFF output takes 1 or 3");
  }
  if (pixels.empty()) throw std::invalid_argument("write_tiff16: the image is empty");

  AtomicOutput output(destination);
  std::string message;
  const TiffWriteFailure failure(destination, message);
  std::unique_ptr<TIFFOpenOptions, TiffOptionsDeleter> options(TIFFOpenOptionsAlloc());
  failure.check(options != nullptr, "out of memory");
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), collect_error, &message);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  // Classic TIFF offsets stop at 4 GiB; an image that may not fit even compressed becomes BigTIFF
  // (which GIMP and libtiff-based tools read) instead of failing at the end of a long run.
  const std::uint64_t raw_bytes = pixels.samples().size() * sizeof(std::uint16_t);
  const char* mode = raw_bytes > (std::uint64_t{3} << 30) ? "w8" : "w";
  TiffHandle tiff(TIFFOpenExt(output.temporary_path().c_str(), mode, options.get()));
  failure.check(tiff != nullptr, "create");

  const auto width = static_cast<std::size_t>(pixels.width());
  const std::size_t row_bytes = width * channels * sizeof(std::uint16_t);
  const auto rows_per_strip = static_cast<std::uint32_t>(
      std::clamp<std::size_t>(target_strip_bytes / row_bytes, 1, static_cast<std::size_t>(pixels.height())));
  const std::string description_text = tiff_ascii(description);
  const std::string software_text = tiff_ascii(software);
  TIFF* handle = tiff.get();
  const bool tags_set =
      TIFFSetField(handle, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(pixels.width())) &&
      TIFFSetField(handle, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(pixels.height())) &&
      TIFFSetField(handle, TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(channels)) &&
      TIFFSetField(handle, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(16)) &&
      TIFFSetField(handle, TIFFTAG_SAMPLEFORMAT, static_cast<std::uint16_t>(SAMPLEFORMAT_UINT)) &&
      TIFFSetField(handle, TIFFTAG_PHOTOMETRIC,
                   static_cast<std::uint16_t>(channels == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB)) &&
      TIFFSetField(handle, TIFFTAG_PLANARCONFIG, static_cast<std::uint16_t>(PLANARCONFIG_CONTIG)) &&
      TIFFSetField(handle, TIFFTAG_ORIENTATION, static_cast<std::uint16_t>(ORIENTATION_TOPLEFT)) &&
      TIFFSetField(handle, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_ADOBE_DEFLATE)) &&
      TIFFSetField(handle, TIFFTAG_PREDICTOR, static_cast<std::uint16_t>(PREDICTOR_HORIZONTAL)) &&
      TIFFSetField(handle, TIFFTAG_ROWSPERSTRIP, rows_per_strip) &&
      TIFFSetField(handle, TIFFTAG_IMAGEDESCRIPTION, description_text.c_str()) &&
      TIFFSetField(handle, TIFFTAG_SOFTWARE, software_text.c_str());
  failure.check(tags_set, "tags");

  // Interleave one strip at a time; the strip buffer is all the extra memory the writer needs.
  std::vector<std::uint16_t> strip(static_cast<std::size_t>(rows_per_strip) * width * channels);
  for (int first_row = 0, strip_index = 0; first_row < pixels.height();
       first_row += static_cast<int>(rows_per_strip), ++strip_index) {
    const int rows = std::min(static_cast<int>(rows_per_strip), pixels.height() - first_row);
    std::size_t position = 0;
    for (int row = first_row; row < first_row + rows; ++row) {
      for (std::size_t column = 0; column < width; ++column) {
        for (int channel = 0; channel < channels; ++channel) {
          strip[position++] = pixels.at(channel, row, static_cast<int>(column));
        }
      }
    }
    const auto bytes = static_cast<tmsize_t>(position * sizeof(std::uint16_t));
    failure.check(
        TIFFWriteEncodedStrip(handle, static_cast<std::uint32_t>(strip_index), strip.data(), bytes) == bytes,
        "strip " + std::to_string(strip_index));
  }
  // TIFFClose reports nothing, so flush (which writes the directory) and check it first.
  failure.check(TIFFFlush(handle) == 1, "flush");
  tiff.reset();
  failure.check(true, "close");
  output.commit();
}

}  // namespace nightstack
