// The keywords of a FITS file's primary header, read as text without CFITSIO, for keys the frame
// does not carry (BIASSEC, TRIMSEC, PEDESTAL, a master's cache key). Safe to call from several
// threads at once: it touches no CFITSIO state.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace nightstack {

// Key -> value as written: strings without their quotes and trailing spaces ('' inside a string
// becomes '), other values as the text before any comment. Empty for a file that does not start
// with a FITS primary header (SIMPLE = T). Throws InputError if the file cannot be read.
std::map<std::string, std::string> read_fits_primary_header(const std::filesystem::path& path);

}  // namespace nightstack
