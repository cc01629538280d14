// Cheap per-frame measurements taken while frames are decoded, to spot bad frames in a sequence
// (clouds, headlights, a bumped tripod): background, noise, mean level and saturated pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/frame_bands.hpp"

namespace nightstack {

// Per channel, as fractions of the frame's full scale (white level), so JPEG, 16-bit and float
// frames compare directly.
struct FrameStatistics {
  std::vector<double> background;  // median
  std::vector<double> noise;       // 1.4826 x median absolute deviation (a robust standard deviation)
  std::vector<double> mean;
  std::size_t saturated = 0;  // samples at or above the white level, all channels
};

// Mean and saturation use every sample. Median and MAD come from a 65536-bin histogram of every
// fourth row: exact for 8- and 16-bit codes on those rows, within 1/65535 of full scale otherwise.
// That keeps the cost near one pass over a quarter of the frame, small beside decoding.
FrameStatistics measure_frame(const Frame& frame);

// The same measurements taken band by band from a frame's stored values (the banded pass): equal
// to measure_frame of the whole frame for 8- and 16-bit codes; for float frames the mean may differ
// in its last bits (the sums run in another order).
class BandStatistics {
 public:
  BandStatistics(const StoredShape& shape, double white_level);
  void add(const FrameBand& band);
  // Once, after the last band.
  FrameStatistics finish();

 private:
  template <class Code>
  void add_codes(const FrameBand& band);
  void add_floats(const FrameBand& band);
  void fold_columns();
  template <class Counter>
  void fold(std::vector<Counter>& sums, std::vector<Counter>& saturated);

  StoredShape shape_;
  double white_;
  std::vector<std::uint32_t> column_sums_, column_saturated_;  // per sample of a row, since the last fold
  std::vector<std::uint16_t> narrow_sums_, narrow_saturated_;  // the same for 8-bit codes
  std::uint64_t rows_in_columns_ = 0;
  std::vector<std::uint64_t> code_sums_;  // per channel, codes
  std::vector<double> float_sums_;        // per channel, float frames
  std::size_t saturated_ = 0;
  // Per channel: how often each code occurs on the measured rows, and the values that are no codes
  // already in bins.
  std::vector<std::vector<std::uint32_t>> code_counts_;
  std::vector<std::vector<std::size_t>> histograms_;
  std::vector<std::size_t> counted_;
};

}  // namespace nightstack
