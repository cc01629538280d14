// Inputs known to crash the LibRaw nightstack links against, found before LibRaw sees them.
//
// Debian 12's LibRaw 0.20.2, as compiled, reads a TIFF CFAPattern entry (tag 33422, or Kodak's
// 64777) of 36 values without a bound when no 6x6 CFARepeatPatternDim (33421) set the X-Trans
// layout first: LibRaw::parse_tiff_ifd writes past its colour table until the process dies (the
// compiler dropped the loop's bound). A hostile or damaged file with such an entry would kill a
// whole run, so readers refuse it with a clear error instead. Real X-Trans DNGs state 33421 = 6 x 6
// just before 33422 and are not affected.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace nightstack {

// What in `bytes` (a whole file) would crash LibRaw, or nothing. Scans every position, not only the
// IFDs a TIFF reader would visit: LibRaw parses TIFF directories wherever its format parsers find
// them (maker notes, embedded previews, DNG private data).
std::optional<std::string> libraw_crash_hazard(std::span<const unsigned char> bytes);

// The same for a file on disk, read in pieces. Throws InputError when the file cannot be read.
std::optional<std::string> libraw_crash_hazard(const std::filesystem::path& path);

// Whether the LibRaw in use has the defect (0.20.x); later versions bound the loop.
bool libraw_has_cfa_pattern_defect();

}  // namespace nightstack
