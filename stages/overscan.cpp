// Overscan and trim on the frame's one plane (or on each plane alike).
#include "stages/overscan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "imaging/bayer.hpp"

namespace nightstack {

namespace {

// numpy's nanmean and nanmedian: missing (NaN) values were left out; the median of an even count
// is the mean of the two middle values; no value at all gives NaN (the level, and so the pixels it
// is subtracted from, undefined).
double combine_values(std::vector<double>& values, OverscanCombine combine) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (combine == OverscanCombine::mean) {
    double sum = 0;
    for (double value : values) sum += value;
    return sum / static_cast<double>(values.size());
  }
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return (lower + upper) / 2;
}

}  // namespace

void subtract_overscan(ImageF& pixels, const ImageSection& overscan, OverscanCombine combine,
                       OverscanAxis axis) {
  std::vector<double> values;
  for (int channel = 0; channel < pixels.channels(); ++channel) {
    auto value_at = [&](int row, int column) { return static_cast<double>(pixels.at(channel, row, column)); };
    auto push_valid = [&](int row, int column) {
      if (std::isfinite(pixels.at(channel, row, column))) values.push_back(value_at(row, column));
    };
    if (axis == OverscanAxis::whole) {
      values.clear();
      for (int row = overscan.first_row; row < overscan.end_row; ++row)
        for (int column = overscan.first_column; column < overscan.end_column; ++column)
          push_valid(row, column);
      const double level = combine_values(values, combine);
      for (float& value : pixels.plane(channel)) value = static_cast<float>(value - level);
    } else if (axis == OverscanAxis::row) {
      // The caller checks the strip spans every row (ccdproc cannot subtract a shorter one either).
      for (int row = overscan.first_row; row < overscan.end_row; ++row) {
        values.clear();
        for (int column = overscan.first_column; column < overscan.end_column; ++column)
          push_valid(row, column);
        const double level = combine_values(values, combine);
        for (int column = 0; column < pixels.width(); ++column)
          pixels.at(channel, row, column) = static_cast<float>(value_at(row, column) - level);
      }
    } else {
      for (int column = overscan.first_column; column < overscan.end_column; ++column) {
        values.clear();
        for (int row = overscan.first_row; row < overscan.end_row; ++row) push_valid(row, column);
        const double level = combine_values(values, combine);
        for (int row = 0; row < pixels.height(); ++row)
          pixels.at(channel, row, column) = static_cast<float>(value_at(row, column) - level);
      }
    }
  }
}

void trim_frame(Frame& frame, const ImageSection& section) {
  const ImageF& source = frame.pixels;
  ImageF trimmed(section.columns(), section.rows(), source.channels());
  for (int channel = 0; channel < source.channels(); ++channel)
    for (int row = 0; row < section.rows(); ++row)
      for (int column = 0; column < section.columns(); ++column)
        trimmed.at(channel, row, column) =
            source.at(channel, section.first_row + row, section.first_column + column);
  frame.pixels = std::move(trimmed);
  if (auto pattern = BayerPattern::parse(frame.info.cfa_pattern))
    frame.info.cfa_pattern = pattern->shifted(section.first_row, section.first_column).name();
}

std::string to_string(OverscanCombine combine) {
  return combine == OverscanCombine::mean ? "mean" : "median";
}

std::string to_string(OverscanAxis axis) {
  switch (axis) {
    case OverscanAxis::row:
      return "row";
    case OverscanAxis::column:
      return "column";
    case OverscanAxis::whole:
      break;
  }
  return "whole";
}

}  // namespace nightstack
