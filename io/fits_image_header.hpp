// Reading a FITS image header through CFITSIO: the first image HDU, its shape checked against the
// file before anything is allocated, its optional keys, capture metadata and white level.
#pragma once

#include <fitsio.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "pipeline/frame.hpp"

namespace nightstack::fits {

constexpr int maximum_axes = 9;
constexpr std::size_t record_size = 2880;

struct ImageShape {
  int bitpix = 0;
  int axis_count = 0;
  LONGLONG axes[maximum_axes] = {};
};

// Throws InputError naming the file with CFITSIO's text for `status`.
[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int status);

// Moves to the first HDU with pixels (a primary HDU without any is common when the image sits in
// an extension) and returns its shape.
ImageShape move_to_first_image(const std::filesystem::path& path, fitsfile* file);
// 1 (NAXIS = 2) or 3 (NAXIS = 3, NAXIS3 = 3); anything else is an InputError.
int channel_count(const std::filesystem::path& path, const ImageShape& shape);
// Refuses empty or oversized images and headers claiming more data than the file holds.
void check_sizes(const std::filesystem::path& path, fitsfile* file, const ImageShape& shape, int channels,
                 std::uint64_t file_size);

bool has_key(fitsfile* file, const char* key);
double read_optional_key(fitsfile* file, const char* key, double fallback);
std::optional<double> read_number_key(fitsfile* file, const char* key);
std::string read_text_key(fitsfile* file, const char* key);  // "" when absent, trailing spaces trimmed

// What astro cameras and their capture software write about the exposure.
CaptureInfo read_capture_info(fitsfile* file);
// Every valued key of the current HDU (strings without their quotes, CONTINUE long strings joined,
// other values as written), then those of the primary header that the image's HDU lacks, for
// FrameInfo::header_keys. COMMENT, HISTORY and blank cards are not keys.
std::map<std::string, std::string> read_header_keys(const std::filesystem::path& path, fitsfile* file);
// The physical value of the largest stored integer; 1 for floating-point data.
double white_level_for(const std::filesystem::path& path, fitsfile* file, int bitpix);

}  // namespace nightstack::fits
