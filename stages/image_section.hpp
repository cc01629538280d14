// Rectangular regions written in FITS/IRAF section syntax, "[x1:x2,y1:y2]" as in BIASSEC and TRIMSEC:
// 1-based, inclusive, x along a row, y counted from FITS row 1 (the bottom row as displayed).
#pragma once

#include <string>

namespace nightstack {

// A region in frame coordinates: 0-based, rows top to bottom, end exclusive.
struct ImageSection {
  int first_row = 0, end_row = 0;
  int first_column = 0, end_column = 0;

  int rows() const { return end_row - first_row; }
  int columns() const { return end_column - first_column; }
  bool operator==(const ImageSection&) const = default;
};

// Parses "[x1:x2,y1:y2]" (spaces allowed; "*" for a whole axis) for a frame of width x height and
// turns it into frame coordinates (FITS row y is frame row height - y). Throws std::invalid_argument
// saying what is wrong for bad syntax, reversed ranges, or a region outside the frame.
ImageSection parse_image_section(const std::string& text, int width, int height);

// The section written back in FITS syntax, for messages and headers.
std::string to_fits_section(const ImageSection& section, int height);

}  // namespace nightstack
