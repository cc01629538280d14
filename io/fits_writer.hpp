// Writes stacked images as 32-bit float FITS with their provenance, history, DATE and checksums.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// 1 channel -> NAXIS = 2; 3 channels -> NAXIS = 3 with NAXIS3 = 3. Rows are stored bottom first
// as FITS viewers expect. Each provenance card becomes a header keyword of its value's type; each
// history line becomes HISTORY cards (an entry with newlines is split into its lines; lines are
// wrapped at 70 characters, leading spaces kept). Non-ASCII and control characters in text become
// '?'; a non-finite double is written as the string 'NaN', 'Infinity' or '-Infinity'. Written under a
// temporary name and renamed into place when complete. Throws std::invalid_argument for a key that is not a
// valid FITS keyword (1-8 of A-Z 0-9 _ -) or is one the writer manages itself (SIMPLE, BITPIX, NAXISn, DATE,
// CHECKSUM, HISTORY, ...), or for a channel count other than 1 or 3; OutputError when the file cannot be
// written.
void write_fits(const std::filesystem::path& destination, const ImageD& pixels, const Provenance& provenance,
                const std::vector<std::string>& history);

}  // namespace nightstack
