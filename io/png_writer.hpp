// Writes 8- or 16-bit PNG (gray or RGB) of display-encoded values.
#pragma once

#include <cstdint>
#include <filesystem>

#include "io/image_writer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// 1 channel -> gray, 3 -> RGB, not interlaced, zlib's default compression. The values are taken as
// sRGB-encoded: the file carries an sRGB chunk (perceptual intent) with the gAMA and cHRM chunks
// the PNG specification recommends beside it for older decoders. Written under a temporary name and
// renamed into place when complete. Throws std::invalid_argument for a channel count other than 1
// or 3 or an empty image; OutputError when writing fails.
void write_png(const std::filesystem::path& destination, const PlanarImage<std::uint8_t>& pixels);
void write_png(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels);

// The PNG entry of the output table: 8-bit codes display-encoded with `encoding`.
const ImageWriter& png_image_writer();

}  // namespace nightstack
