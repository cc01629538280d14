// What a TIFF header says about its pixels, checked before anything is allocated from it: the
// sample layout against what nightstack reads, the image size against a cap, and every strip's or
// tile's byte range against the file's size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "io/tiff_handle.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame.hpp"

namespace nightstack {

// What the header says about the pixel layout, once checked.
struct TiffLayout {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int colours = 0;            // 1 (gray) or 3 (RGB)
  int samples_per_pixel = 0;  // colours plus extra samples (alpha), which are skipped
  int bits = 0;               // 8, 16 (unsigned) or 32 (float)
  bool is_float = false;
  bool min_is_white = false;
  bool separate_planes = false;
  bool bottom_up = false;
  bool tiled = false;
  std::uint32_t rows_per_strip = 0;
  std::uint32_t tile_width = 0;
  std::uint32_t tile_length = 0;

  int bytes_per_sample() const { return bits / 8; }
  // Samples per pixel within one strip or tile: all of them, or one plane's.
  int samples_per_block_pixel() const { return separate_planes ? 1 : samples_per_pixel; }
};

// Throws InputError naming the file, with libtiff's reason where libtiff failed.
class TiffReadFailure {
 public:
  TiffReadFailure(const std::filesystem::path& path, const TiffFile& file) : path_(path), file_(file) {}
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(const std::string& message) const { throw InputError(path_, message); }
  // For a libtiff call that failed: adds libtiff's reason.
  [[noreturn]] void fail_libtiff(const std::string& what) const {
    fail(what + ": " + (file_.error().empty() ? std::string("libtiff gave no reason") : file_.error()) +
         "; the file is probably truncated or corrupt");
  }

 private:
  const std::filesystem::path& path_;
  const TiffFile& file_;
};

// Reads and checks the first directory's layout.
TiffLayout read_layout(const TiffReadFailure& failure, TIFF* tiff);
// Checks every strip or tile lies inside the file and that together they can hold the image.
void check_data_locations(const TiffReadFailure& failure, TIFF* tiff, const TiffLayout& layout,
                          std::uint64_t file_size);
// Format, encoding, white level and bit depth.
FrameInfo info_for(const std::filesystem::path& path, const TiffLayout& layout);

}  // namespace nightstack
