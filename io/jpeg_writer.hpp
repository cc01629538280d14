// Writes 8-bit JPEG quick-look previews (gray or RGB).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "io/image_writer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// Chroma is kept at full resolution (4:4:4) for quality >= 90, halved (4:2:0) below. Written under
// a temporary name and renamed into place when complete. Throws std::invalid_argument for quality
// outside 1..100, a channel count other than 1 or 3 or an empty image; OutputError when writing
// fails.
void write_jpeg(const std::filesystem::path& destination, const PlanarImage<std::uint8_t>& pixels,
                int quality);
// The same encoding in memory (for previews embedded in the run report); std::runtime_error when
// TurboJPEG fails.
std::vector<unsigned char> encode_jpeg(const PlanarImage<std::uint8_t>& pixels, int quality);

// The JPEG entry of the output table: 8-bit codes display-encoded with `encoding`, at jpeg_quality.
const ImageWriter& jpeg_image_writer();

}  // namespace nightstack
