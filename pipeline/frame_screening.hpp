// Finds the bad frames of a sequence from their measurements: a frame whose background or noise
// lies far from the sequence's typical value (clouds, headlights, dawn, a bumped tripod), or a
// frame far brighter than its neighbours (a flash, a car's headlights, lightning).
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

// A frame is a flash when its mean level (averaged over channels) lies more than `threshold`
// spreads above the level its `neighbours` frames on either side point to (fewer at the ends; the
// frame itself not counted): a robust line through them (Theil-Sen), so a sky that brightens
// steadily (moonrise, dawn) is followed, while one bright frame among darker ones stands out,
// wherever it lies. The spread is 1.4826 x the median over the sequence of |level - that trend|,
// at least 2% of the trend. With fewer than 3 frames nothing is judged.
std::vector<FrameVerdict> screen_flashes(const std::vector<FrameStatistics>& statistics, double threshold,
                                         std::size_t neighbours);

// Both verdict lists as one, by position; the reasons of a frame found by both joined.
std::vector<FrameVerdict> merge_verdicts(std::vector<FrameVerdict> first,
                                         const std::vector<FrameVerdict>& second);

}  // namespace nightstack
