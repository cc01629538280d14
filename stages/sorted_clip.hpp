// astropy's sigma_clip (centre median, spread standard deviation with ddof 0, iterated) on a pixel's
// values sorted in ascending order. Each iteration keeps the values within its bounds of those kept
// before, so what is kept is always a contiguous range of the sorted values: the median is its middle
// and the spread is summed over it about that median. Every path that clips (whole frames, bands, the code
// fast path) sorts first, clips and averages here, so they all give the same bits.
#pragma once

#include <cstddef>
#include <span>

#include "stages/rejection.hpp"

namespace nightstack {

// The last bounds, and the range [first, last) of the sorted values within them: those below are
// rejected as too low, those above as too high. An empty set of values has NaN bounds and keeps
// everything, as in astropy.
struct SortedClip {
  double lower = 0.0, upper = 0.0;
  std::size_t first = 0, last = 0;
};

SortedClip sigma_clip_sorted(std::span<const double> sorted, const RejectionSettings& settings);

// The weighted mean of sorted[first, last) with weights[first, last) (all 1 when weights is null: the
// same bits as weights of 1), summed in ascending order in two interleaved partial sums; NaN when
// nothing is kept.
double kept_mean(std::span<const double> sorted, const double* weights, std::size_t first, std::size_t last);

// The median of sorted values: the middle one, or the mean of the two middle ones (numpy); NaN for none.
double median_of_sorted(std::span<const double> sorted);

}  // namespace nightstack
