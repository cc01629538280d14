// The one interface every input format implements: a file on disk in, a decoded frame out.
#pragma once

#include <filesystem>

#include <memory>

#include "pipeline/frame.hpp"
#include "pipeline/frame_bands.hpp"

namespace nightstack {

// Readers hold decoder state and buffers that they reuse between calls, so one reader object
// belongs to one thread at a time.
class ImageReader {
 public:
  virtual ~ImageReader();
  // Returns the file's values unscaled (see FrameInfo::white_level), rows top to bottom, with
  // info.path, info.format, info.encoding and info.white_level set; info.index is the caller's.
  // Throws InputError naming the file for anything it cannot read.
  virtual Frame read(const std::filesystem::path& path) = 0;
  // Opens the frame for reading band by band in its stored sample type (info as read() gives it).
  // Formats with a streaming decoder override it; the default decodes the whole frame with read()
  // and cuts bands from it (float samples).
  virtual std::unique_ptr<OpenFrame> open(const std::filesystem::path& path);
  // The frame's metadata (capture time, exposure, ...) without its pixels, for ordering frames by
  // capture time before stacking. Formats that can read their header alone override it; the
  // default decodes the whole frame.
  virtual FrameInfo read_info(const std::filesystem::path& path);
};

}  // namespace nightstack
