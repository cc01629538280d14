// File writers for scripts/bench's frame generator: one linear 16-bit RGB frame in, one file out in
// the format a user's camera or software would produce.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace nightstack::bench {

struct LinearFrame {
  int width = 0;
  int height = 0;
  std::vector<std::uint16_t> samples;  // three planes (R, G, B), rows top to bottom, linear ADU
};

using FrameWriter = void (*)(const std::filesystem::path& path, const LinearFrame& frame);

// nullptr for an unknown format name (jpeg, tiff, fits, dng).
FrameWriter frame_writer(const std::string& format);
const char* extension(const std::string& format);

}  // namespace nightstack::bench
