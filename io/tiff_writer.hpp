// Writes TIFF for image editors such as GIMP: 16-bit integer (display-encoded) and 32-bit float,
// gray or RGB, each with an ICC profile saying how its values relate to light.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "io/image_writer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// 1 channel -> MINISBLACK, 3 -> RGB; interleaved samples, Deflate with horizontal prediction,
// strips of about 64 KiB. Embeds an ICC profile (TIFFTAG_ICCPROFILE, see io/icc_profiles.hpp):
// sRGB primaries with the sRGB curve, or gamma 1.0 when linear_profile is set. Non-ASCII bytes in
// the two texts become '?'. Written under a temporary name and renamed into place when complete.
// Throws std::invalid_argument for a channel count other than 1 or 3 or an empty image;
// OutputError (with libtiff's message) when writing fails.
void write_tiff16(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels,
                  const std::string& description, const std::string& software, bool linear_profile);

// As write_tiff16, with 32-bit IEEE float samples (SAMPLEFORMAT_IEEEFP) and Deflate with the
// floating-point predictor (3). Values are written as they are (no clipping): each double is
// rounded to the nearest float, and beyond the float range becomes an infinity.
void write_tiff_float(const std::filesystem::path& destination, const ImageD& pixels,
                      const std::string& description, const std::string& software, bool linear_profile);

// The TIFF entry of the output table: display-encoded with `encoding`, 16-bit codes (write_tiff16)
// or with tiff_bits 32 floats (write_tiff_float), the ICC profile matching the encoding.
const ImageWriter& tiff_image_writer();

}  // namespace nightstack
