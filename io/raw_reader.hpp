// Reads camera RAW files through LibRaw: demosaiced linear RGB (rgb mode) or the undemosaiced Bayer
// mosaic as one plane (cfa mode), black level subtracted, with the camera's capture metadata.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "io/image_reader.hpp"
#include "io/read_options.hpp"

class LibRaw;

namespace nightstack {

class RawReader : public ImageReader {
 public:
  // Throws std::invalid_argument for option values the config checker should have refused.
  explicit RawReader(ReadOptions options = {});
  ~RawReader() override;
  RawReader(const RawReader&) = delete;
  RawReader& operator=(const RawReader&) = delete;

  // rgb: 3 planes (1 for a monochrome sensor), 0..65535 (white_level 65535), the sensor's white
  // level mapped to 65535.
  // cfa: 1 plane, raw value minus black level (negative where noise dips below black; never
  // clipped, so averages of dark frames stay unbiased), white_level = LibRaw's maximum - black.
  // Both in the sensor's orientation (the file's rotation flag is ignored, so a sequence whose
  // orientation sensor flips at the zenith still stacks). Throws InputError naming the file.
  Frame read(const std::filesystem::path& path) override;
  // LibRaw decodes whole frames: bands are cut from the decoded frame, as 16-bit codes (rgb mode,
  // and cfa mode when no black level is subtracted) or as float (cfa values below black).
  std::unique_ptr<OpenFrame> open(const std::filesystem::path& path) override;
  // The same from bytes already in memory (the fuzz target's entry); `name` is only for messages.
  Frame decode(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  std::unique_ptr<OpenFrame> open_bytes(const std::filesystem::path& name,
                                        std::span<const unsigned char> bytes);
  // The header alone (LibRaw's open, no unpacking): capture metadata for sorting by time, and the
  // levels and pattern read() will report. For the few cameras whose black level LibRaw measures
  // from masked sensor pixels while unpacking, black_level (and the cfa white_level) are the
  // header's values and may differ from read()'s.
  FrameInfo read_info(const std::filesystem::path& path) override;

 private:
  // Applies the options and opens the file; throws InputError naming the file.
  void open_file(const std::filesystem::path& path);
  // After open: unpacks and converts the current file as the options ask.
  std::unique_ptr<OpenFrame> unpack(const std::filesystem::path& path, std::uint64_t file_size);

  // What LibRaw's data-error callback reported for the current file.
  struct DataErrors {
    int count = 0;
    bool end_of_file = false;
  };
  // LibRaw's data-error callback; `context` is the DataErrors; offset -1: the file ended early.
  static void record_data_error(void* context, const char* file, int offset);

  ReadOptions options_;
  DataErrors data_errors_;
  // One LibRaw object per reader: it is large, keeps buffers between files, and is not to be
  // shared between threads.
  std::unique_ptr<LibRaw> processor_;
};

// True if LibRaw opens the file as a camera RAW: it names a maker and has raw image data. For
// TIFF-magic files (CR2, NEF, ARW, DNG, PEF are TIFF containers), to tell them from plain TIFF.
// Reads only the metadata; never throws.
bool is_camera_raw(const std::filesystem::path& path);

}  // namespace nightstack
