// FITS header reading through CFITSIO, shared by the reader's open and read_info.
#include "io/fits_image_header.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "io/fits_file.hpp"
#include "io/header_checks.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/timestamp.hpp"

namespace nightstack::fits {

void fail(const std::filesystem::path& path, const std::string& what, int status) {
  throw InputError(path, what + ": " + fits_status_text(status));
}

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;

std::string describe_axes(const ImageShape& shape) {
  std::string text = "NAXIS = " + std::to_string(shape.axis_count);
  for (int axis = 0; axis < std::min(shape.axis_count, maximum_axes); ++axis) {
    text += ", NAXIS" + std::to_string(axis + 1) + " = " + std::to_string(shape.axes[axis]);
  }
  return text;
}

ImageShape read_shape(const std::filesystem::path& path, fitsfile* file) {
  ImageShape shape;
  int status = 0;
  if (fits_get_img_paramll(file, maximum_axes, &shape.bitpix, &shape.axis_count, shape.axes, &status) != 0) {
    fail(path, "cannot read the image header", status);
  }
  return shape;
}

}  // namespace

// A primary HDU without pixels (NAXIS = 0) is common when the image sits in an extension.
ImageShape move_to_first_image(const std::filesystem::path& path, fitsfile* file) {
  ImageShape shape = read_shape(path, file);
  if (shape.axis_count != 0) return shape;
  int status = 0;
  int hdu_count = 0;
  if (fits_get_num_hdus(file, &hdu_count, &status) != 0) fail(path, "cannot count the HDUs", status);
  for (int hdu = 2; hdu <= hdu_count; ++hdu) {
    int hdu_type = 0;
    if (fits_movabs_hdu(file, hdu, &hdu_type, &status) != 0) {
      fail(path, "cannot move to HDU " + std::to_string(hdu), status);
    }
    if (hdu_type != IMAGE_HDU) continue;
    shape = read_shape(path, file);
    if (shape.axis_count != 0) return shape;
  }
  throw InputError(path,
                   "holds no image: the primary HDU has NAXIS = 0 and no image extension "
                   "follows");
}

int channel_count(const std::filesystem::path& path, const ImageShape& shape) {
  if (shape.axis_count == 2) return 1;
  if (shape.axis_count == 3 && shape.axes[2] == 3) return 3;
  throw InputError(path, "unsupported image shape (" + describe_axes(shape) +
                             "); nightstack reads NAXIS = 2 (mono) or NAXIS = 3 with NAXIS3 = 3 "
                             "(colour planes)");
}

void check_sizes(const std::filesystem::path& path, fitsfile* file, const ImageShape& shape, int channels,
                 std::uint64_t file_size) {
  const LONGLONG width = shape.axes[0];
  const LONGLONG height = shape.axes[1];
  if (width <= 0 || height <= 0 || width > std::numeric_limits<int>::max() ||
      height > std::numeric_limits<int>::max() ||
      static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) * channels > maximum_samples) {
    throw InputError(path, "the header claims an image of " + describe_axes(shape) +
                               ", which is empty or larger than nightstack reads (" +
                               std::to_string(maximum_samples) + " samples); the header is corrupt");
  }
  const auto data_bytes = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) *
                          static_cast<std::uint64_t>(channels) *
                          static_cast<std::uint64_t>(std::abs(shape.bitpix) / 8);
  int status = 0;
  // Tile-compressed images keep their pixels in a table CFITSIO checks itself while reading; the
  // frame is allocated first, though, so the claim must at least be possible for a file this size:
  // 32768 decoded bytes per stored byte at most (GZIP's own limit is 1032; only a nearly constant
  // image could beat this bound with RICE or HCOMPRESS).
  if (fits_is_compressed_image(file, &status)) {
    constexpr std::uint64_t maximum_expansion = 32768;
    check_header_claim(path,
                       "the compressed image's header (" + describe_axes(shape) + ") claims " +
                           std::to_string(data_bytes) + " bytes of pixels",
                       data_bytes, maximum_expansion, file_size);
    return;
  }
  LONGLONG header_start = 0;
  LONGLONG data_start = 0;
  LONGLONG data_end = 0;
  if (fits_get_hduaddrll(file, &header_start, &data_start, &data_end, &status) != 0) {
    fail(path, "cannot locate the image data", status);
  }
  check_header_claim(path,
                     "the header (" + describe_axes(shape) + ", BITPIX = " + std::to_string(shape.bitpix) +
                         ") claims " + std::to_string(data_bytes) + " bytes of data after " +
                         std::to_string(data_start) + " bytes of header",
                     static_cast<std::uint64_t>(data_start) + data_bytes, 1, file_size);
}

// Whether the current HDU has `key`, found by reading its records. Asking CFITSIO for a missing
// key would put a message on its process-wide error stack; that stack is shared by every decoding
// thread, and concurrent mark/clear traffic on it from several threads deadlocked CFITSIO 4.2 in
// testing, so optional keys are looked up first and the stack is left alone.
bool has_key(fitsfile* file, const char* key) {
  int status = 0, count = 0, more = 0;
  if (fits_get_hdrspace(file, &count, &more, &status) != 0) return false;
  const std::size_t length = std::strlen(key);
  char card[FLEN_CARD];
  for (int record = 1; record <= count; ++record) {
    if (fits_read_record(file, record, card, &status) != 0) return false;
    if (std::strncmp(card, key, length) == 0 && (card[length] == ' ' || card[length] == '=')) return true;
  }
  return false;
}

double read_optional_key(fitsfile* file, const char* key, double fallback) {
  double value = fallback;
  int status = 0;
  if (!has_key(file, key) || fits_read_key(file, TDOUBLE, key, &value, nullptr, &status) != 0)
    return fallback;
  return value;
}

std::optional<double> read_number_key(fitsfile* file, const char* key) {
  double value = 0;
  int status = 0;
  if (!has_key(file, key) || fits_read_key(file, TDOUBLE, key, &value, nullptr, &status) != 0)
    return std::nullopt;
  return value;
}

std::string read_text_key(fitsfile* file, const char* key) {
  char value[FLEN_VALUE] = {};
  int status = 0;
  if (!has_key(file, key) || fits_read_key(file, TSTRING, key, value, nullptr, &status) != 0) return "";
  std::string text(value);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// What astro cameras and their capture software write about the exposure.
CaptureInfo read_capture_info(fitsfile* file) {
  CaptureInfo capture;
  capture.exposure_seconds = read_number_key(file, "EXPTIME");
  if (!capture.exposure_seconds) capture.exposure_seconds = read_number_key(file, "EXPOSURE");
  capture.gain = read_number_key(file, "GAIN");
  capture.iso = read_number_key(file, "ISOSPEED");
  if (!capture.iso) capture.iso = read_number_key(file, "ISO");
  std::string date = read_text_key(file, "DATE-OBS");
  // Old files give the date alone in DATE-OBS and the time in TIME-OBS (or UT).
  if (date.size() == 10) {
    std::string time = read_text_key(file, "TIME-OBS");
    if (time.empty()) time = read_text_key(file, "UT");
    if (!time.empty()) date += "T" + time;
  }
  capture.start_time = parse_timestamp(date);
  capture.start_time_is_utc = capture.start_time.has_value();  // FITS DATE-OBS is UTC by the standard
  capture.instrument = read_text_key(file, "INSTRUME");
  capture.telescope = read_text_key(file, "TELESCOP");
  capture.filter = read_text_key(file, "FILTER");
  capture.object = read_text_key(file, "OBJECT");
  return capture;
}

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  const auto first = text.find_first_not_of(' ');
  return first == std::string::npos ? "" : text.substr(first);
}

// The keys of the current HDU not yet in `keys`.
void add_header_keys(const std::filesystem::path& path, fitsfile* file,
                     std::map<std::string, std::string>& keys) {
  int status = 0, count = 0;
  if (fits_get_hdrspace(file, &count, nullptr, &status) != 0) fail(path, "cannot read the header", status);
  char name[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
  for (int number = 1; number <= count; ++number) {
    if (fits_read_keyn(file, number, name, value, comment, &status) != 0)
      fail(path, "cannot read header card " + std::to_string(number), status);
    const std::string key = name;
    if (key.empty() || key == "COMMENT" || key == "HISTORY" || key == "CONTINUE" || value[0] == '\0' ||
        keys.count(key))
      continue;
    if (value[0] != '\'') {
      keys.emplace(key, trimmed(value));
      continue;
    }
    // A string, perhaps continued over CONTINUE cards: CFITSIO joins the pieces and undoes ''.
    char* text = nullptr;
    if (fits_read_key_longstr(file, name, &text, nullptr, &status) != 0)
      fail(path, "cannot read the value of " + key, status);
    std::string joined = text;
    fits_free_memory(text, &status);
    while (!joined.empty() && joined.back() == ' ') joined.pop_back();
    keys.emplace(key, std::move(joined));
  }
}

}  // namespace

std::map<std::string, std::string> read_header_keys(const std::filesystem::path& path, fitsfile* file) {
  std::map<std::string, std::string> keys;
  add_header_keys(path, file, keys);
  int status = 0, current = 1;
  fits_get_hdu_num(file, &current);
  if (current == 1) return keys;
  // An image in an extension often leaves the observation's keys to the primary header.
  if (fits_movabs_hdu(file, 1, nullptr, &status) != 0) fail(path, "cannot read the primary header", status);
  add_header_keys(path, file, keys);
  if (fits_movabs_hdu(file, current, nullptr, &status) != 0) fail(path, "cannot return to the image", status);
  return keys;
}

// The physical value of the largest stored integer, so 16-bit data with BZERO = 32768 (unsigned)
// has white level 65535 and signed 16-bit has 32767; floating-point data is scaled to 1.
double white_level_for(const std::filesystem::path& path, fitsfile* file, int bitpix) {
  double largest_code = 0;
  switch (bitpix) {
    case BYTE_IMG:
      largest_code = 255;
      break;
    case SHORT_IMG:
      largest_code = 32767;
      break;
    case LONG_IMG:
      largest_code = 2147483647.0;
      break;
    case FLOAT_IMG:
    case DOUBLE_IMG:
      return 1.0;
    default:
      throw InputError(path, "BITPIX = " + std::to_string(bitpix) +
                                 " is not supported; nightstack reads BITPIX 8, 16, 32, -32 and -64");
  }
  return largest_code * read_optional_key(file, "BSCALE", 1.0) + read_optional_key(file, "BZERO", 0.0);
}

}  // namespace nightstack::fits
