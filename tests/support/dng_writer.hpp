// Small DNG files with known raw values for the RAW reader's tests, written with libtiff in the
// layout cameras use: a thumbnail in IFD0, the CFA mosaic in a SubIFD, capture data in an EXIF IFD.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack::testing {

struct DngSettings {
  // The raw values as stored, rows top to bottom. One plane: a CFA mosaic; three planes: a
  // LinearRaw DNG (already demosaiced, as some cameras and converters write), which has no CFA.
  PlanarImage<std::uint16_t> mosaic;
  std::string cfa_pattern = "RGGB";  // the 2x2 cell at the top-left pixel, letters R, G, B
  // One value for every pixel, or four for the 2x2 cell (BlackLevelRepeatDim 2 x 2), row by row.
  std::vector<float> black_level = {0.0F};
  std::uint32_t white_level = 65535;
  // The camera's white balance as DNG states it: the raw values of a neutral grey. LibRaw's camera
  // multipliers are the reciprocals.
  std::array<double, 3> as_shot_neutral = {1.0, 1.0, 1.0};
  std::optional<double> exposure_seconds;
  std::optional<std::uint16_t> iso;
  std::string make = "Nightstack";
  std::string model = "Test Camera";
  std::string date_time_original;  // "YYYY:MM:DD hh:mm:ss"; empty: not written
  std::uint16_t orientation = 0;   // TIFF Orientation (6: rotate 90 degrees clockwise); 0: not written
  // false: the mosaic is IFD0 itself, without a thumbnail (how colorchart.dng is laid out).
  bool thumbnail = true;
};

// Throws std::runtime_error when libtiff refuses anything.
void write_test_dng(const std::filesystem::path& path, const DngSettings& settings);

// A uniform colour field as a mosaic: every pixel of colour R, G or B (as `pattern` assigns them)
// holds the raw value given for that colour.
PlanarImage<std::uint16_t> flat_mosaic(int width, int height, const std::string& pattern, std::uint16_t red,
                                       std::uint16_t green, std::uint16_t blue);

}  // namespace nightstack::testing
