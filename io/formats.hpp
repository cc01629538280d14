// The one explicit table of input formats: how each is recognised from its first bytes and which
// reader decodes it. The file's contents decide, never its name.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/image_reader.hpp"
#include "io/read_options.hpp"

namespace nightstack {

struct InputFormat {
  std::string name;                                      // "JPEG", "FITS", "PNG", ...
  bool (*matches)(std::span<const unsigned char> head);  // decides from the first bytes
  // nullptr: recognised but not readable yet. The options are fixed for the reader's lifetime.
  std::unique_ptr<ImageReader> (*make_reader)(const ReadOptions& options);
  // Optional second test, run only when `matches` says yes, for formats the first bytes cannot
  // tell apart: camera RAW in a TIFF container is confirmed by opening the file with LibRaw.
  // nullptr: `matches` decides alone. Must not throw; false passes the file to later entries.
  bool (*confirm)(const std::filesystem::path& path) = nullptr;
};

// How many leading bytes identify_format reads and passes to `matches`.
inline constexpr std::size_t format_head_size = 80;

const std::vector<InputFormat>& input_formats();

// The reader of `format` with `options` for the calling thread, made on first use and kept, so
// handles and buffers are reused from frame to frame.
ImageReader& reader_for(const InputFormat& format, const ReadOptions& options);

// Reads the first bytes (up to 80) of the file and returns the first entry of input_formats() whose
// `matches` (and `confirm`, if it has one) accepts it; nullptr when none does.
// Throws InputError if the file cannot be opened (naming the OS reason) or is a directory, and
// for an empty file named like an image (an interrupted copy, not a file to pass over).
const InputFormat* identify_format(const std::filesystem::path& path);

// True when the name ends like an image file's (.jpg, .fits, .tif, .png, .cr2, .nef, ...; any
// case). Never used to choose a reader: only to tell a broken frame (IMG_0001.JPG holding no JPEG)
// from a file that was never meant to be one (notes.txt), which ingest skips quietly.
bool named_like_an_image(const std::filesystem::path& path);

}  // namespace nightstack
