// Writes 16-bit TIFF (gray or RGB) for image editors such as GIMP.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

// 1 channel -> MINISBLACK, 3 -> RGB; interleaved samples, Deflate with horizontal prediction,
// strips of about 64 KiB. Non-ASCII bytes in the two texts become '?'. Written under a temporary
// name and renamed into place when complete. Throws std::invalid_argument for a channel count
// other than 1 or 3 or an empty image; OutputError (with libtiff's message) when writing fails.
void write_tiff16(const std::filesystem::path& destination, const PlanarImage<std::uint16_t>& pixels,
                  const std::string& description, const std::string& software);

}  // namespace nightstack
