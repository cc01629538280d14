// Combines one pixel's values (one per frame, normalized, in frame order) into the stacked value:
// their median, or the weighted mean of the values rejection kept, with the rejection counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "stages/rejection.hpp"

namespace nightstack {

enum class Combine { median, mean };

struct PixelResult {
  double value = 0.0;
  std::uint32_t low = 0;   // values rejected (or, for median_sigma_clip, replaced) as too low
  std::uint32_t high = 0;  // ... as too high
};

// One per stacking thread; reuses its buffers from pixel to pixel.
class PixelCombiner {
 public:
  PixelCombiner(Combine combine, const RejectionSettings& rejection, std::size_t frames);

  // The caller writes a pixel's finite values in frame order, and their weights, into the first
  // `count` elements of these, then calls combine(count).
  std::span<double> values() { return values_; }
  std::span<double> weights() { return weights_; }

  // median: the median of the values (the mean of the two middle ones for an even count), weights
  // unused. mean: sum(w * x) / sum(w) over the values rejection kept, summed in frame order (for
  // sigma_clip in ascending order of the values: sorted_clip.hpp); NaN when none is kept or count is 0.
  PixelResult combine(std::size_t count);

  std::size_t scratch_bytes() const;

 private:
  PixelResult sigma_clipped_mean(std::size_t count);

  Combine combine_;
  std::vector<double> values_, weights_;
  std::vector<Verdict> verdicts_;
  PixelRejector rejector_;
  RejectionSettings rejection_settings_;
  Rejection rejection_;
  std::vector<std::pair<double, double>> pairs_;  // sigma_clip: (value, weight), sorted
};

}  // namespace nightstack
