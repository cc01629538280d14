// Cheap per-frame measurements taken while frames are decoded, to spot bad frames in a sequence
// (clouds, headlights, a bumped tripod): background, noise, mean level and saturated pixels.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/frame.hpp"

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

}  // namespace nightstack
