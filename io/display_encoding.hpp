// Turns a normalized linear image (0..1) into display codes for 16-bit TIFF, 8-bit JPEG and PNG, and
// into display-encoded floats for 32-bit TIFF.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

// `encoding` is "srgb" (the sRGB curve, what GIMP and viewers assume) or "linear".
// Values outside 0..1 are clipped; NaN becomes 0.
PlanarImage<std::uint16_t> encode_display_16(const ImageD& linear, const std::string& encoding);
PlanarImage<std::uint8_t> encode_display_8(const ImageD& linear, const std::string& encoding);
// A float TIFF keeps the values beyond 0..1: only the curve is applied (with "srgb", linear_to_srgb,
// mirrored below 0), nothing is clipped.
ImageD encode_display_float(const ImageD& linear, const std::string& encoding);

}  // namespace nightstack
