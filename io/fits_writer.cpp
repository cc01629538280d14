// FITS output through CFITSIO. Everything the caller can get wrong is checked before a file is
// created; everything CFITSIO reports afterwards becomes an OutputError, and the temporary file is
// removed so a failed write never leaves a file under the destination name.
#include "io/fits_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "io/fits_file.hpp"
#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::size_t history_width = 70;

bool is_keyword_character(char character) {
  return (character >= 'A' && character <= 'Z') || (character >= '0' && character <= '9') ||
         character == '_' || character == '-';
}

// Keywords that describe the file's structure or that this writer sets itself; a card with one of
// these names would corrupt or contradict the header.
bool is_reserved_keyword(const std::string& key) {
  static const char* const reserved[] = {"SIMPLE",   "BITPIX",  "EXTEND",  "END",      "BZERO",    "BSCALE",
                                         "BLANK",    "PCOUNT",  "GCOUNT",  "XTENSION", "DATE",     "CHECKSUM",
                                         "DATASUM",  "HISTORY", "COMMENT", "CONTINUE", "LONGSTRN", "ROWORDER",
                                         "VALSCALE", "NCLIPLO", "NCLIPHI"};
  for (const char* name : reserved) {
    if (key == name) return true;
  }
  return key.rfind("NAXIS", 0) == 0;
}

void check_keyword(const std::string& key) {
  bool valid = !key.empty() && key.size() <= 8;
  for (char character : key) valid = valid && is_keyword_character(character);
  if (!valid) {
    throw std::invalid_argument("'" + key +
                                "' is not a valid FITS keyword (1 to 8 characters of "
                                "A-Z, 0-9, '_' and '-')");
  }
  if (is_reserved_keyword(key)) {
    throw std::invalid_argument("'" + key + "' is a FITS keyword the writer manages itself");
  }
}

// FITS headers are printable ASCII. A UTF-8 sequence becomes a single '?' rather than one per byte.
std::string printable_ascii(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  bool inside_sequence = false;
  for (char character : text) {
    const auto byte = static_cast<unsigned char>(character);
    const bool continuation = (byte & 0xC0) == 0x80;
    if (continuation && inside_sequence) continue;
    inside_sequence = byte >= 0x80;
    result += (byte >= 0x20 && byte < 0x7F) ? character : '?';
  }
  return result;
}

// Out-of-range doubles become infinities explicitly (a plain cast would be undefined behaviour).
float to_float(double value) {
  constexpr double largest = std::numeric_limits<float>::max();
  if (value > largest) return std::numeric_limits<float>::infinity();
  if (value < -largest) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);
}

// The fewest significant digits (15 to 17) that read back as exactly the same double, so 0.1 is
// written as 0.1 and not 0.10000000000000001.
int round_trip_digits(double value) {
  for (int digits = 15; digits < 17; ++digits) {
    char text[40];
    std::snprintf(text, sizeof text, "%.*G", digits, value);
    if (std::strtod(text, nullptr) == value) return digits;
  }
  return 17;
}

class FitsWriteFailure {
 public:
  explicit FitsWriteFailure(const std::filesystem::path& destination) : destination_(destination) {}
  void check(int status, const std::string& what) const {
    const int saved_errno = errno;  // CFITSIO's failed fwrite/fflush left it; nothing since changed it
    if (status == 0) return;
    std::string message = "cannot write FITS (" + what + "): ";
    const std::string storage = storage_failure_reason(saved_errno);
    const bool storage_status = status == WRITE_ERROR || status == READ_ERROR || status == FILE_NOT_CREATED ||
                                status == FILE_NOT_CLOSED;
    if (storage_status && !storage.empty()) {
      message += storage + " (" + fits_status_text(status) + ")";
    } else {
      message += fits_status_text(status);
      if (storage_status) message += "; check that the disk has free space and the directory is writable";
    }
    throw OutputError(destination_, message);
  }

 private:
  const std::filesystem::path& destination_;
};

void write_card(fitsfile* file, const HeaderCard& card, int& status) {
  const std::string comment = printable_ascii(card.comment);
  const char* key = card.key.c_str();
  if (const auto* flag = std::get_if<bool>(&card.value)) {
    fits_write_key_log(file, key, *flag ? 1 : 0, comment.c_str(), &status);
  } else if (const auto* integer = std::get_if<std::int64_t>(&card.value)) {
    fits_write_key_lng(file, key, static_cast<LONGLONG>(*integer), comment.c_str(), &status);
  } else if (const auto* real = std::get_if<double>(&card.value)) {
    if (std::isfinite(*real)) {
      fits_write_key_dbl(file, key, *real, -round_trip_digits(*real), comment.c_str(), &status);
    } else {
      // FITS headers have no NaN or infinity, and fitsverify warns about an undefined value, so
      // the number is spelled out as a string rather than dropped.
      const char* text = std::isnan(*real) ? "NaN" : (*real > 0 ? "Infinity" : "-Infinity");
      fits_write_key_str(file, key, text, comment.c_str(), &status);
    }
  } else {
    // Long strings continue over CONTINUE cards (part of FITS 4.0) instead of being cut at 68.
    const std::string text = printable_ascii(std::get<std::string>(card.value));
    fits_write_key_longstr(file, key, text.c_str(), comment.c_str(), &status);
  }
}

// A string card longer than fits on one card continues over CONTINUE cards; the LONGSTRN keyword
// announces that convention (fitsverify warns without it).
bool needs_long_strings(const Provenance& provenance) {
  constexpr std::size_t one_card_string = 68;
  for (const auto& card : provenance.cards()) {
    const auto* text = std::get_if<std::string>(&card.value);
    if (text != nullptr && printable_ascii(*text).size() > one_card_string) return true;
  }
  return false;
}

void write_history_line(fitsfile* file, std::string line, int& status) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::string text = printable_ascii(line);
  if (text.empty()) {
    // CFITSIO writes nothing for an empty string; keep the blank line (it matters in YAML).
    fits_write_record(file, "HISTORY", &status);
    return;
  }
  for (std::size_t start = 0; start < text.size(); start += history_width) {
    fits_write_history(file, text.substr(start, history_width).c_str(), &status);
  }
}

// An entry holding several lines (a whole YAML document, say) keeps its line structure.
void write_history_entry(fitsfile* file, const std::string& entry, int& status) {
  std::size_t start = 0;
  for (std::size_t end = entry.find('\n'); end != std::string::npos; end = entry.find('\n', start)) {
    write_history_line(file, entry.substr(start, end - start), status);
    start = end + 1;
  }
  // A final newline ends the last line; it does not start an empty one.
  if (start == 0 || start < entry.size()) write_history_line(file, entry.substr(start), status);
}

constexpr double count_scale = 65535.0;

// Unsigned 16-bit counts as FitsWriteOptions documents them.
std::uint16_t to_count(double value) {
  if (!(value > 0.0)) return 0;  // negative, zero or NaN
  if (value >= 1.0) return 65535;
  return static_cast<std::uint16_t>(std::round(value * count_scale));
}

struct ClipCounts {
  std::int64_t low = 0;   // below 0, or NaN
  std::int64_t high = 0;  // above 1
};

ClipCounts count_clipped(const ImageD& pixels) {
  ClipCounts counts;
  for (double value : pixels.samples()) {
    if (!(value >= 0.0)) ++counts.low;
    if (value > 1.0) ++counts.high;
  }
  return counts;
}

// Converts (with `convert`) and writes one row at a time, bottom row first, so no converted copy of
// the whole image is needed.
template <class Stored, class Convert>
void write_pixels(fitsfile* file, const ImageD& pixels, int datatype, Convert convert, int& status) {
  const auto width = static_cast<std::size_t>(pixels.width());
  std::vector<Stored> row(width);
  for (int channel = 0; channel < pixels.channels() && status == 0; ++channel) {
    for (int fits_row = 0; fits_row < pixels.height() && status == 0; ++fits_row) {
      const int image_row = pixels.height() - 1 - fits_row;
      for (std::size_t column = 0; column < width; ++column) {
        row[column] = convert(pixels.at(channel, image_row, static_cast<int>(column)));
      }
      const auto first =
          static_cast<LONGLONG>(pixels.plane_size() * channel + width * static_cast<std::size_t>(fits_row)) +
          1;
      fits_write_img(file, datatype, first, static_cast<LONGLONG>(width), row.data(), &status);
    }
  }
}

// Our patterns start at the top-left pixel of the top-to-bottom image; FITS pixel (1,1) is its
// bottom-left pixel, on the same row of the 2x2 pattern as the top row only when the height is odd.
Provenance with_fits_bayer_pattern(const Provenance& provenance, int height) {
  const HeaderCard* card = provenance.find("BAYERPAT");
  if (card == nullptr) return provenance;
  const auto* pattern = std::get_if<std::string>(&card->value);
  const bool valid = pattern != nullptr && pattern->size() == 4 &&
                     std::all_of(pattern->begin(), pattern->end(),
                                 [](char letter) { return letter >= 'A' && letter <= 'Z'; });
  if (!valid) {
    throw std::invalid_argument(
        "write_fits: BAYERPAT must be a 2x2 pattern of 4 capital letters such as 'RGGB' to be rewritten for "
        "the bottom-up row order");
  }
  const std::string from_bottom = height % 2 == 0 ? pattern->substr(2, 2) + pattern->substr(0, 2) : *pattern;
  Provenance rewritten = provenance;
  rewritten.set("BAYERPAT", from_bottom, "Bayer pattern at FITS pixel (1,1), bottom-up");
  return rewritten;
}

int image_type(int bitpix) {
  switch (bitpix) {
    case -32:
      return FLOAT_IMG;
    case -64:
      return DOUBLE_IMG;
    case 16:
      return USHORT_IMG;  // BITPIX 16 with BZERO 32768, written by CFITSIO
    default:
      throw std::invalid_argument("write_fits: BITPIX " + std::to_string(bitpix) +
                                  " is not one the writer offers (-32, -64 or 16)");
  }
}

// CHECKSUM and DATASUM as CFITSIO computes them, but with fixed comments instead of CFITSIO's
// "updated <current time>", so that the same data and config always give the same file bytes.
void write_checksums(fitsfile* file, int& status) {
  fits_write_chksum(file, &status);
  char checksum_comment[] = "HDU checksum (FITS checksum convention)";
  char datasum_comment[] = "data unit checksum (FITS checksum convention)";
  fits_modify_comment(file, "DATASUM", datasum_comment, &status);
  fits_modify_comment(file, "CHECKSUM", checksum_comment, &status);
  // The comment changed the header, so its checksum is computed again: over the header with
  // CHECKSUM zeroed, stored complemented (as fits_write_chksum does).
  char zero[] = "0000000000000000", keep_comment[] = "&";
  fits_modify_key_str(file, "CHECKSUM", zero, keep_comment, &status);
  unsigned long data_sum = 0, hdu_sum = 0;
  fits_get_chksum(file, &data_sum, &hdu_sum, &status);
  char encoded[17];
  fits_encode_chksum(hdu_sum, 1, encoded);
  fits_modify_key_str(file, "CHECKSUM", encoded, keep_comment, &status);
}

}  // namespace

void write_fits(const std::filesystem::path& destination, const ImageD& pixels, const Provenance& provenance,
                const std::vector<std::string>& history, const FitsWriteOptions& options) {
  if (pixels.channels() != 1 && pixels.channels() != 3) {
    throw std::invalid_argument("write_fits: " + std::to_string(pixels.channels()) +
                                " channels; FITS output takes 1 or 3");
  }
  if (pixels.empty()) throw std::invalid_argument("write_fits: the image is empty");
  for (const auto& card : provenance.cards()) check_keyword(card.key);
  const int type = image_type(options.bitpix);
  const Provenance cards = with_fits_bayer_pattern(provenance, pixels.height());

  AtomicOutput output(destination);
  const FitsWriteFailure failure(destination);
  fits_clear_errmsg();
  errno = 0;  // so a failure reports this write's reason, not an older one
  FitsFile file;
  int status = 0;
  // The disk-file variant takes the name literally ("!" or "[...]" in a name mean nothing).
  fits_create_diskfile(file.receive(), output.temporary_path().c_str(), &status);
  failure.check(status, "create");

  const int axis_count = pixels.channels() == 1 ? 2 : 3;
  long axes[3] = {pixels.width(), pixels.height(), pixels.channels()};
  fits_create_img(file.get(), type, axis_count, axes, &status);
  failure.check(status, "image header");
  // No DATE card: the file's bytes depend only on the data and the config, so a rerun or a resumed
  // run (run --resume) writes the very same file.
  // The de-facto convention (N.I.N.A., Siril, ASCOM) for saying which way the rows run.
  write_card(file.get(),
             {"ROWORDER", std::string("BOTTOM-UP"), "first row stored is the bottom of the image"}, status);
  if (options.bitpix == 16) {
    const ClipCounts clipped = count_clipped(pixels);
    write_card(file.get(), {"VALSCALE", std::int64_t{65535}, "count = round(value * VALSCALE), in 0..65535"},
               status);
    write_card(file.get(), {"NCLIPLO", clipped.low, "samples below 0 (or NaN) stored as 0"}, status);
    write_card(file.get(), {"NCLIPHI", clipped.high, "samples above 1 stored as 65535"}, status);
  }
  failure.check(status, "structure cards");
  if (needs_long_strings(cards)) fits_write_key_longwarn(file.get(), &status);
  for (const auto& card : cards.cards()) write_card(file.get(), card, status);
  failure.check(status, "provenance cards");
  for (const auto& entry : history) write_history_entry(file.get(), entry, status);
  failure.check(status, "history");

  if (options.bitpix == -64) {
    write_pixels<double>(
        file.get(), pixels, TDOUBLE, [](double value) { return value; }, status);
  } else if (options.bitpix == 16) {
    write_pixels<std::uint16_t>(file.get(), pixels, TUSHORT, to_count, status);
  } else {
    write_pixels<float>(file.get(), pixels, TFLOAT, to_float, status);
  }
  failure.check(status, "pixels");
  write_checksums(file.get(), status);
  failure.check(status, "checksum");
  failure.check(file.close(), "close");
  output.commit();
}

namespace {

class FitsImageWriter : public ImageWriter {
 public:
  void write(const std::filesystem::path& destination, const ImageToWrite& image,
             const WriteOptions& options) const override {
    write_fits(destination, image.pixels, image.provenance, image.history,
               FitsWriteOptions{options.fits_bitpix});
  }
};

}  // namespace

const ImageWriter& fits_image_writer() {
  static const FitsImageWriter writer;
  return writer;
}

}  // namespace nightstack
