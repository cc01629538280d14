// Writes stacked images as FITS (32- or 64-bit float, or 16-bit counts) with their provenance,
// history, DATE and checksums.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/image_writer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// How the pixel values are stored.
struct FitsWriteOptions {
  // -32: 32-bit float (the default): each double rounded to the nearest float, beyond the float
  //      range an infinity.
  // -64: 64-bit float, the values exactly as they are.
  //  16: unsigned 16-bit counts (BITPIX 16 with BZERO = 32768, BSCALE = 1, so the physical values
  //      FITS readers see are the counts 0..65535): each value v is stored as round(v * 65535),
  //      halves away from zero, so 0..1 spans the full range; v < 0 and NaN become 0, v > 1 becomes
  //      65535. The header says so: VALSCALE = 65535, NCLIPLO and NCLIPHI count the samples clipped
  //      at each end (NaN counted as low).
  int bitpix = -32;
};

// 1 channel -> NAXIS = 2; 3 channels -> NAXIS = 3 with NAXIS3 = 3. Rows are stored bottom first
// as FITS viewers expect, and ROWORDER = 'BOTTOM-UP' says so. Each provenance card becomes a
// header keyword of its value's type; a BAYERPAT card (a 2x2 pattern from the top-left pixel of
// the top-to-bottom image, as FrameInfo::cfa_pattern) is rewritten from FITS pixel (1,1), the
// bottom-left one: for an even height its two rows swap (RGGB <-> GBRG, GRBG <-> BGGR); for an
// odd height it is unchanged. Each history line becomes HISTORY cards (an entry with newlines is
// split into its lines; lines are wrapped at 70 characters, leading spaces kept). Non-ASCII and
// control characters in text become '?'; a non-finite double is written as the string 'NaN',
// 'Infinity' or '-Infinity'. Written under a temporary name and renamed into place when complete.
// Throws std::invalid_argument for a key that is not a valid FITS keyword (1-8 of A-Z 0-9 _ -) or
// is one the writer manages itself (SIMPLE, BITPIX, NAXISn, DATE, CHECKSUM, HISTORY, ROWORDER,
// VALSCALE, ...), for a BAYERPAT that is not a 4-letter string, for a channel count other than 1
// or 3, or for a bitpix other than -32, -64 and 16; OutputError when the file cannot be written.
void write_fits(const std::filesystem::path& destination, const ImageD& pixels, const Provenance& provenance,
                const std::vector<std::string>& history, const FitsWriteOptions& options = {});

// The FITS entry of the output table: write_fits with the provenance, history and fits_bitpix.
const ImageWriter& fits_image_writer();

}  // namespace nightstack
