// EXIF through libexif, which finds the APP1 segment in the JPEG bytes itself. Every entry is checked
// for the type and size the standard gives it before it is read, so damaged EXIF is skipped.
#include "io/exif_metadata.hpp"

#include <libexif/exif-data.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "pipeline/timestamp.hpp"

namespace nightstack {

namespace {

struct ExifDataDeleter {
  void operator()(ExifData* exif) const { exif_data_unref(exif); }
};

class ExifView {
 public:
  explicit ExifView(ExifData* exif) : exif_(exif), order_(exif_data_get_byte_order(exif)) {}

  ExifEntry* find(ExifIfd ifd, ExifTag tag) const {
    ExifContent* content = exif_->ifd[ifd];
    if (content == nullptr) return nullptr;
    ExifEntry* entry = exif_content_get_entry(content, tag);
    if (entry == nullptr || entry->data == nullptr || entry->components == 0) return nullptr;
    return entry;
  }

  // ASCII text up to its first NUL, without trailing spaces; nullopt if absent, of another type or blank.
  std::optional<std::string> text(ExifIfd ifd, ExifTag tag) const {
    const ExifEntry* entry = find(ifd, tag);
    if (entry == nullptr || entry->format != EXIF_FORMAT_ASCII) return std::nullopt;
    const auto* begin = reinterpret_cast<const char*>(entry->data);
    std::string value(begin, std::find(begin, begin + entry->size, '\0'));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    if (value.empty()) return std::nullopt;
    return value;
  }

  // A positive unsigned rational, as a number.
  std::optional<double> rational(ExifIfd ifd, ExifTag tag) const {
    const ExifEntry* entry = find(ifd, tag);
    if (entry == nullptr || entry->format != EXIF_FORMAT_RATIONAL || entry->size < 8) return std::nullopt;
    const ExifRational value = exif_get_rational(entry->data, order_);
    if (value.numerator == 0 || value.denominator == 0) return std::nullopt;
    return static_cast<double>(value.numerator) / static_cast<double>(value.denominator);
  }

  // A positive SHORT or LONG (the first value if there are several).
  std::optional<double> integer(ExifIfd ifd, ExifTag tag) const {
    const ExifEntry* entry = find(ifd, tag);
    if (entry == nullptr) return std::nullopt;
    double value = 0;
    if (entry->format == EXIF_FORMAT_SHORT && entry->size >= 2) {
      value = exif_get_short(entry->data, order_);
    } else if (entry->format == EXIF_FORMAT_LONG && entry->size >= 4) {
      value = exif_get_long(entry->data, order_);
    }
    if (value <= 0) return std::nullopt;
    return value;
  }

 private:
  ExifData* exif_;
  ExifByteOrder order_;
};

// "+hh:mm" or "-hh:mm" (EXIF 2.31 OffsetTime*), in seconds east of UTC.
std::optional<double> utc_offset_seconds(const std::string& text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return std::nullopt;
  for (std::size_t index : {1, 2, 4, 5}) {
    if (!std::isdigit(static_cast<unsigned char>(text[index]))) return std::nullopt;
  }
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 14 || minutes > 59) return std::nullopt;
  const double seconds = hours * 3600.0 + minutes * 60.0;
  return text[0] == '-' ? -seconds : seconds;
}

// SubSecTimeOriginal: the digits of a decimal fraction of the second ("25" is 0.25 s).
double subsecond_fraction(const std::optional<std::string>& digits) {
  if (!digits || digits->size() > 9) return 0.0;
  if (!std::all_of(digits->begin(), digits->end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return 0.0;
  }
  return std::stod(*digits) / std::pow(10.0, static_cast<double>(digits->size()));
}

}  // namespace

void read_exif_capture(const unsigned char* data, std::size_t size, CaptureInfo& capture) {
  if (data == nullptr || size == 0) return;
  std::unique_ptr<ExifData, ExifDataDeleter> exif(exif_data_new());
  if (!exif) return;
  // By default libexif "fixes" loaded data to the specification, adding the mandatory entries a
  // file lacks with default values (XResolution 72, ExifVersion, ColorSpace, ...). Only what the
  // camera wrote counts, so that is turned off.
  exif_data_unset_option(exif.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  // The EXIF segment sits at the start of the file; libexif takes an unsigned int size.
  exif_data_load_data(exif.get(), data, static_cast<unsigned int>(std::min<std::size_t>(size, UINT_MAX)));

  const ExifView view(exif.get());
  if (auto make = view.text(EXIF_IFD_0, EXIF_TAG_MAKE)) capture.camera_make = *make;
  if (auto model = view.text(EXIF_IFD_0, EXIF_TAG_MODEL)) capture.camera_model = *model;
  if (auto exposure = view.rational(EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME))
    capture.exposure_seconds = exposure;
  // ISOSpeedRatings, renamed PhotographicSensitivity in EXIF 2.3 (same tag).
  if (auto iso = view.integer(EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS)) capture.iso = iso;

  const auto original = view.text(EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL);
  const std::optional<double> wall_clock = original ? parse_timestamp(*original) : std::nullopt;
  if (wall_clock) {
    const double start =
        *wall_clock + subsecond_fraction(view.text(EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL));
    const auto offset_text = view.text(EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL);
    const std::optional<double> offset = offset_text ? utc_offset_seconds(*offset_text) : std::nullopt;
    capture.start_time = offset ? start - *offset : start;
    capture.start_time_is_utc = offset.has_value();
  }
}

}  // namespace nightstack
