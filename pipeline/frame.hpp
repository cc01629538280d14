// A decoded frame: its pixels plus where it came from and what its values mean.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

// How a frame's values relate to light. Readers say what the file holds (JPEG: sRGB codes; FITS:
// linear counts); the linearize stage turns any of them into linear light.
enum class Encoding { srgb, gamma, linear };

std::string to_string(Encoding encoding);

struct FrameInfo {
  std::filesystem::path path;
  std::size_t index = 0;  // position in the ingest order
  std::string format;     // "JPEG", "FITS", ...
  Encoding encoding = Encoding::linear;
  double white_level = 1.0;            // the value that means full scale (255 for 8-bit codes, ...)
  std::string linearization = "none";  // what the linearize stage applied, for the provenance
};

struct Frame {
  ImageF pixels;  // values as the file states them, unscaled, rows top to bottom
  FrameInfo info;
};

}  // namespace nightstack
