// Independent reference helpers for tests: temporary directories, files written and read straight
// through TurboJPEG, CFITSIO and libtiff (not through nightstack's io/), and running programs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack::testing {

// A fresh directory under /tmp, removed with everything in it when the object goes away.
class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// 1 (gray) or 3 (RGB, 4:4:4) channels.
void write_reference_jpeg(const std::filesystem::path& path, const PlanarImage<std::uint8_t>& image,
                          int quality = 95);
PlanarImage<std::uint8_t> decode_reference_jpeg(const std::filesystem::path& path);

// bitpix 16 (unsigned through BZERO = 32768; values must be integers 0..65535), -32 or -64.
// Image row 0 (top) is stored as the last FITS row; 3 channels become NAXIS3 = 3.
void write_reference_fits(const std::filesystem::path& path, const ImageD& image, int bitpix);
// The first HDU with an image, same row convention; optionally every 80-character header card.
ImageD read_reference_fits(const std::filesystem::path& path,
                           std::vector<std::string>* header_cards = nullptr);

// 16-bit gray or RGB, contiguous; optionally the ImageDescription tag.
PlanarImage<std::uint16_t> read_reference_tiff16(const std::filesystem::path& path,
                                                 std::string* description = nullptr);

// Whether two images have the same shape and the same bytes (NaN payloads and signed zeros included).
bool same_bits(const ImageD& a, const ImageD& b);

// Names of the entries in a directory (not recursive), sorted; to check no temporary file is left.
std::vector<std::string> directory_entries(const std::filesystem::path& directory);
// Whether `part` occurs in `text` (for checking messages).
bool contains(const std::string& text, const std::string& part);
// A whole file's bytes as text (empty when it cannot be read).
std::string file_text(const std::filesystem::path& path);

// While alive, files this process writes cannot grow beyond `bytes` (RLIMIT_FSIZE, with SIGXFSZ
// ignored so writes fail with EFBIG): a stand-in for a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes);
  ~FileSizeLimit();
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  std::uint64_t previous_limit_;
  void (*previous_handler_)(int);
};

// The value field (columns 11-80) of the first card `key = ...` among 80-character header cards
// (as read_reference_fits returns them); empty when the key is absent.
std::string header_value(const std::vector<std::string>& cards, const std::string& key);

struct CommandResult {
  int exit_code;  // the program's exit status; 128 + signal if it was killed; 127 if not started
  std::string out;
  std::string err;
};
// Starts arguments[0] (searched in PATH) with stdin from /dev/null and stdout and stderr written to
// `out` and `err`; returns posix_spawnp's error (0 when started, `child` set).
int spawn_capturing(const std::vector<std::string>& arguments, const std::filesystem::path& out,
                    const std::filesystem::path& err, pid_t& child);
// Runs arguments[0] (searched in PATH) with the rest as its arguments, without a shell.
CommandResult run_command(const std::vector<std::string>& arguments);
// Runs the nightstack binary that was built with the tests.
CommandResult run_nightstack(const std::vector<std::string>& arguments);

}  // namespace nightstack::testing
