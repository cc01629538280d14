// TIFF output through libtiff: one strip writer shared by the 16-bit and the float variant. Errors
// carry libtiff's own words (io/tiff_handle.hpp).
#include "io/tiff_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <stdexcept>
#include <vector>

#include "io/display_encoding.hpp"
#include "io/icc_profiles.hpp"
#include "io/tiff_handle.hpp"
#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::size_t target_strip_bytes = 64 * 1024;

// How samples are stored: the tags that differ between the variants.
struct SampleLayout {
  std::uint16_t bits;
  std::uint16_t sample_format;  // SAMPLEFORMAT_UINT or SAMPLEFORMAT_IEEEFP
  std::uint16_t predictor;      // horizontal differencing for integers, floating point for floats
};

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
  TiffWriteFailure(const std::filesystem::path& destination, const TiffFile& file)
      : destination_(destination), file_(file) {}
  void check(bool succeeded, const std::string& what) const {
    const int saved_errno = errno;  // libtiff's failed write() left it
    if (succeeded && file_.error().empty()) return;
    const std::string reason = file_.error().empty() ? "libtiff gave no reason" : file_.error();
    const std::string storage = storage_failure_reason(saved_errno);
    throw OutputError(destination_,
                      "cannot write TIFF (" + what + "): " +
                          (storage.empty() ? reason + "; check that the disk has free space and the "
                                                      "directory is writable"
                                           : storage + " (" + reason + ")"));
  }

 private:
  const std::filesystem::path& destination_;
  const TiffFile& file_;
};

void check_shape(const char* function, int channels, bool empty) {
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument(std::string(function) + ": " + std::to_string(channels) +
                                " channels; TIFF output takes 1 or 3");
  }
  if (empty) throw std::invalid_argument(std::string(function) + ": the image is empty");
}

// Out-of-range doubles become infinities explicitly (a plain cast would be undefined behaviour).
float to_float(double value) {
  constexpr double largest = std::numeric_limits<float>::max();
  if (value > largest) return std::numeric_limits<float>::infinity();
  if (value < -largest) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);
}

// Writes `pixels` converted sample by sample with `convert` to the stored type.
template <class Stored, class Source, class Convert>
void write_tiff(const std::filesystem::path& destination, const PlanarImage<Source>& pixels,
                const SampleLayout& layout, const std::string& description, const std::string& software,
                bool linear_profile, Convert convert) {
  const int channels = pixels.channels();
  // Built before the file is created: an lcms2 failure is a bug, not an output error.
  const std::vector<std::uint8_t> profile = icc_profile(linear_profile, channels);

  AtomicOutput output(destination);
  errno = 0;  // so a failure reports this write's reason, not an older one
  // Classic TIFF offsets stop at 4 GiB; an image that may not fit even compressed becomes BigTIFF
  // (which GIMP and libtiff-based tools read) instead of failing at the end of a long run.
  const std::uint64_t raw_bytes = pixels.samples().size() * sizeof(Stored);
  TiffFile file(output.temporary_path(), raw_bytes > (std::uint64_t{3} << 30) ? "w8" : "w");
  const TiffWriteFailure failure(destination, file);
  failure.check(file.get() != nullptr, "create");

  const auto width = static_cast<std::size_t>(pixels.width());
  const std::size_t row_bytes = width * channels * sizeof(Stored);
  const auto rows_per_strip = static_cast<std::uint32_t>(
      std::clamp<std::size_t>(target_strip_bytes / row_bytes, 1, static_cast<std::size_t>(pixels.height())));
  const std::string description_text = tiff_ascii(description);
  const std::string software_text = tiff_ascii(software);
  TIFF* handle = file.get();
  const bool tags_set =
      TIFFSetField(handle, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(pixels.width())) &&
      TIFFSetField(handle, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(pixels.height())) &&
      TIFFSetField(handle, TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(channels)) &&
      TIFFSetField(handle, TIFFTAG_BITSPERSAMPLE, layout.bits) &&
      TIFFSetField(handle, TIFFTAG_SAMPLEFORMAT, layout.sample_format) &&
      TIFFSetField(handle, TIFFTAG_PHOTOMETRIC,
                   static_cast<std::uint16_t>(channels == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB)) &&
      TIFFSetField(handle, TIFFTAG_PLANARCONFIG, static_cast<std::uint16_t>(PLANARCONFIG_CONTIG)) &&
      TIFFSetField(handle, TIFFTAG_ORIENTATION, static_cast<std::uint16_t>(ORIENTATION_TOPLEFT)) &&
      TIFFSetField(handle, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_ADOBE_DEFLATE)) &&
      TIFFSetField(handle, TIFFTAG_PREDICTOR, layout.predictor) &&
      TIFFSetField(handle, TIFFTAG_ROWSPERSTRIP, rows_per_strip) &&
      TIFFSetField(handle, TIFFTAG_IMAGEDESCRIPTION, description_text.c_str()) &&
      TIFFSetField(handle, TIFFTAG_SOFTWARE, software_text.c_str()) &&
      TIFFSetField(handle, TIFFTAG_ICCPROFILE, static_cast<std::uint32_t>(profile.size()), profile.data());
  failure.check(tags_set, "tags");

  // Interleave one strip at a time; the strip buffer is all the extra memory the writer needs.
  std::vector<Stored> strip(static_cast<std::size_t>(rows_per_strip) * width * channels);
  for (int first_row = 0, strip_index = 0; first_row < pixels.height();
       first_row += static_cast<int>(rows_per_strip), ++strip_index) {
    const int rows = std::min(static_cast<int>(rows_per_strip), pixels.height() - first_row);
    std::size_t position = 0;
    for (int row = first_row; row < first_row + rows; ++row) {
      for (std::size_t column = 0; column < width; ++column) {
        for (int channel = 0; channel < channels; ++channel) {
          strip[position++] = convert(pixels.at(channel, row, static_cast<int>(column)));
        }
      }
    }
    const auto bytes = static_cast<tmsize_t>(position * sizeof(Stored));
    failure.check(
        TIFFWriteEncodedStrip(handle, static_cast<std::uint32_t>(strip_index), strip.data(), bytes) == bytes,
        "strip " + std::to_string(strip_index));
  }
  // TIFFClose reports nothing, so flush (which writes the directory) and check it first.
  failure.check(TIFFFlush(handle) == 1, "flush");
  file.close();
  failure.check(true, "close");
  output.commit();
}

}  // namespace

void write_tiff16(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels,
                  const std::string& description, const std::string& software, bool linear_profile) {
  check_shape("write_tiff16", pixels.channels(), pixels.empty());
  const SampleLayout layout{16, SAMPLEFORMAT_UINT, PREDICTOR_HORIZONTAL};
  write_tiff<std::uint16_t>(destination, pixels, layout, description, software, linear_profile,
                            [](std::uint16_t value) { return value; });
}

void write_tiff_float(const std::filesystem::path& destination, const ImageD& pixels,
                      const std::string& description, const std::string& software, bool linear_profile) {
  check_shape("write_tiff_float", pixels.channels(), pixels.empty());
  const SampleLayout layout{32, SAMPLEFORMAT_IEEEFP, PREDICTOR_FLOATINGPOINT};
  write_tiff<float>(destination, pixels, layout, description, software, linear_profile, to_float);
}

namespace {

class TiffImageWriter : public ImageWriter {
 public:
  void write(const std::filesystem::path& destination, const ImageToWrite& image,
             const WriteOptions& options) const override {
    const bool linear_profile = options.encoding == "linear";
    if (options.tiff_bits == 32) {
      write_tiff_float(destination, encode_display_float(image.pixels, options.encoding), image.description,
                       image.software, linear_profile);
    } else {
      write_tiff16(destination, encode_display_16(image.pixels, options.encoding), image.description,
                   image.software, linear_profile);
    }
  }
};

}  // namespace

const ImageWriter& tiff_image_writer() {
  static const TiffImageWriter writer;
  return writer;
}

}  // namespace nightstack
