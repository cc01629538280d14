// Timestamps as seconds since 1970-01-01T00:00:00 (no time zone attached), read from and written
// as ISO 8601 text the way FITS DATE-OBS and EXIF DateTimeOriginal spell them.
#pragma once

#include <optional>
#include <string>

namespace nightstack {

// Accepts "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss[.fff...]" (FITS) and "YYYY:MM:DD hh:mm:ss" (EXIF).
std::optional<double> parse_timestamp(const std::string& text);
// "YYYY-MM-DDThh:mm:ss.sss" with `decimals` digits of seconds (0: none).
std::string format_timestamp(double seconds, int decimals = 3);
// Modified Julian Date of a UTC timestamp (FITS EXPSTART/EXPEND).
double modified_julian_date(double seconds);

}  // namespace nightstack
