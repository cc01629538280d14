// Finds the bad frames of a sequence from their measurements: a frame whose background or noise
// lies far from the sequence's typical value (clouds, headlights, dawn, a bumped tripod).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipeline/frame_statistics.hpp"

namespace nightstack {

struct FrameVerdict {
  std::size_t position;  // in the list given
  std::string reason;    // e.g. "background 0.21 is 9.3 robust sigma above the sequence's 0.05"
};

// A frame is an outlier when |x - median| > threshold * spread over the sequence, for x its
// background (above or below) or its noise (above only), averaged over channels; spread is
// 1.4826 x MAD, at least 2% of the median. With fewer than 3 frames nothing is judged.
std::vector<FrameVerdict> screen_frames(const std::vector<FrameStatistics>& statistics, double threshold);

}  // namespace nightstack
