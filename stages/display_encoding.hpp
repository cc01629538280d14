// Turns a normalized linear image (0..1) into integer display codes for 16-bit TIFF and 8-bit JPEG.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

// `encoding` is "srgb" (the sRGB curve, what GIMP and viewers assume) or "linear".
// Values outside 0..1 are clipped; NaN becomes 0.
PlanarImage<std::uint16_t> encode_display_16(const ImageD& linear, const std::string& encoding);
PlanarImage<std::uint8_t> encode_display_8(const ImageD& linear, const std::string& encoding);

}  // namespace nightstack
