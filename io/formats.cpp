// Magic numbers of the formats nightstack reads, and the reader of each. A format recognised without
// a reader (make_reader nullptr) would be reported as "not supported yet" instead of "unknown file".
#include "io/formats.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "io/fits_reader.hpp"
#include "io/input_bytes.hpp"
#include "io/jpeg_reader.hpp"
#include "io/png_reader.hpp"
#include "io/raw_reader.hpp"
#include "io/tiff_reader.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

bool has_bytes_at(std::span<const unsigned char> head, std::size_t offset, std::string_view bytes) {
  if (head.size() < offset + bytes.size()) return false;
  return std::equal(
      bytes.begin(), bytes.end(), head.begin() + offset,
      [](char expected, unsigned char actual) { return static_cast<unsigned char>(expected) == actual; });
}

bool is_jpeg(std::span<const unsigned char> head) { return has_bytes_at(head, 0, "\xFF\xD8\xFF"); }

// The first 80-byte card must be the mandatory "SIMPLE  =                    T" in fixed format:
// keyword padded to 8, "= ", the logical T right-justified in column 30, printable ASCII after.
bool is_fits(std::span<const unsigned char> head) {
  constexpr std::size_t card_size = 80;
  if (head.size() < card_size || !has_bytes_at(head, 0, "SIMPLE  = ")) return false;
  for (std::size_t column = 10; column < 29; ++column) {
    if (head[column] != ' ') return false;
  }
  if (head[29] != 'T') return false;
  return std::all_of(head.begin() + 30, head.begin() + card_size,
                     [](unsigned char byte) { return byte >= 0x20 && byte < 0x7F; });
}

// Classic TIFF and BigTIFF, both byte orders; most camera RAW files (CR2, NEF, ARW, DNG, PEF)
// are TIFF containers and land here too.
bool is_tiff(std::span<const unsigned char> head) {
  using namespace std::string_view_literals;
  return has_bytes_at(head, 0, "II*\0"sv) || has_bytes_at(head, 0, "MM\0*"sv) ||
         has_bytes_at(head, 0, "II+\0"sv) || has_bytes_at(head, 0, "MM\0+"sv);
}

bool is_png(std::span<const unsigned char> head) { return has_bytes_at(head, 0, "\x89PNG\r\n\x1A\n"); }

bool is_canon_cr3(std::span<const unsigned char> head) { return has_bytes_at(head, 4, "ftypcrx "); }

bool is_fujifilm_raf(std::span<const unsigned char> head) { return has_bytes_at(head, 0, "FUJIFILMCCD-RAW"); }

bool is_olympus_orf(std::span<const unsigned char> head) {
  return has_bytes_at(head, 0, "IIRO") || has_bytes_at(head, 0, "IIRS") || has_bytes_at(head, 0, "MMOR");
}

bool is_panasonic_rw2(std::span<const unsigned char> head) {
  using namespace std::string_view_literals;
  return has_bytes_at(head, 0, "IIU\0"sv);
}

std::unique_ptr<ImageReader> make_raw_reader(const ReadOptions& options) {
  return std::make_unique<RawReader>(options);
}

}  // namespace

const std::vector<InputFormat>& input_formats() {
  static const std::vector<InputFormat> formats = {
      {"JPEG", is_jpeg,
       [](const ReadOptions&) -> std::unique_ptr<ImageReader> { return std::make_unique<JpegReader>(); }},
      {"FITS", is_fits,
       [](const ReadOptions& options) -> std::unique_ptr<ImageReader> {
         return std::make_unique<FitsReader>(options);
       }},
      // Before plain TIFF: a TIFF container that LibRaw opens as a camera RAW (CR2, NEF, ARW, DNG,
      // PEF, ...) is RAW; any other TIFF falls through to the next entry.
      {"RAW", is_tiff, make_raw_reader, is_camera_raw},
      {"TIFF", is_tiff,
       [](const ReadOptions& options) -> std::unique_ptr<ImageReader> {
         return std::make_unique<TiffReader>(options);
       }},
      {"PNG", is_png,
       [](const ReadOptions& options) -> std::unique_ptr<ImageReader> {
         return std::make_unique<PngReader>(options);
       }},
      {"Canon CR3", is_canon_cr3, make_raw_reader},
      {"Fujifilm RAF", is_fujifilm_raf, make_raw_reader},
      {"Olympus ORF", is_olympus_orf, make_raw_reader},
      {"Panasonic RW2", is_panasonic_rw2, make_raw_reader},
  };
  return formats;
}

ImageReader& reader_for(const InputFormat& format, const ReadOptions& options) {
  struct CachedReader {
    const InputFormat* format;
    ReadOptions options;
    std::unique_ptr<ImageReader> reader;
  };
  thread_local std::vector<CachedReader> readers;
  for (auto& cached : readers) {
    if (cached.format == &format && cached.options == options) return *cached.reader;
  }
  readers.push_back({&format, options, format.make_reader(options)});
  return *readers.back().reader;
}

const InputFormat* identify_format(const std::filesystem::path& path) {
  const std::vector<unsigned char> head = read_file_head(path, format_head_size);
  if (head.empty() && named_like_an_image(path)) {
    throw InputError(path,
                     "the file is empty (0 bytes), though named like an image; it was probably not copied "
                     "completely: copy it again or remove it");
  }
  for (const auto& format : input_formats()) {
    if (format.matches(head) && (format.confirm == nullptr || format.confirm(path))) return &format;
  }
  return nullptr;
}

bool named_like_an_image(const std::filesystem::path& path) {
  static const char* const extensions[] = {"jpg", "jpeg", "jpe", "fits", "fit", "fts", "tif", "tiff",
                                           "png", "dng",  "cr2", "cr3",  "crw", "nef", "nrw", "arw",
                                           "srf", "sr2",  "pef", "raf",  "orf", "rw2", "rwl", "srw",
                                           "3fr", "erf",  "kdc", "mef",  "mos", "mrw", "x3f", "iiq"};
  std::string extension = path.extension().string();
  if (extension.empty()) return false;
  extension.erase(0, 1);
  for (char& character : extension)
    character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  return std::find(std::begin(extensions), std::end(extensions), extension) != std::end(extensions);
}

}  // namespace nightstack
