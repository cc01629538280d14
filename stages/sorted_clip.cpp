#include "stages/sorted_clip.hpp"

#include <algorithm>
#include <cmath>
#include <limits>


namespace nightstack {

double median_of_sorted(std::span<const double> sorted) {
  const std::size_t count = sorted.size();
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  const double upper = sorted[count / 2];
  if (count % 2 == 1) return upper;
  return (sorted[count / 2 - 1] + upper) / 2.0;
}

// The spread of each iteration from prefix sums of the values' distances to a shift c (the mean of
// all the values): for a range of m values, var = D2 / m - (D1 / m)^2 with D1, D2 the sums of d and
// d^2 over the range. One pass, then each iteration costs the same whatever it keeps; shifted by the
// mean, the formula loses nothing to cancellation at the precision of the data (8-, 16-bit codes,
// float frames).
SortedClip sigma_clip_sorted(std::span<const double> sorted, const RejectionSettings& settings,
                             std::span<double> scratch) {
  const std::size_t count = sorted.size();
  SortedClip clip;
  if (count == 0) {
    clip.lower = clip.upper = std::numeric_limits<double>::quiet_NaN();
    return clip;
  }
  double* sums = scratch.data();
  double* squares = sums + count + 1;
  double shift = 0.0;
  for (double value : sorted) shift += value;
  shift /= static_cast<double>(count);
  sums[0] = squares[0] = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double distance = sorted[i] - shift;
    sums[i + 1] = sums[i] + distance;
    squares[i + 1] = squares[i] + distance * distance;
  }
  std::size_t first = 0, last = count;
  for (int iteration = 0; iteration < settings.max_iters; ++iteration) {
    const std::size_t kept = last - first;
    double center = std::numeric_limits<double>::quiet_NaN(), deviation = center;
    if (kept > 0) {
      center = median_of_sorted(sorted.subspan(first, kept));
      const double mean = (sums[last] - sums[first]) / static_cast<double>(kept);
      const double variance = (squares[last] - squares[first]) / static_cast<double>(kept) - mean * mean;
      deviation = std::sqrt(std::max(variance, 0.0));
    }
    clip.lower = center - deviation * settings.sigma_low;
    clip.upper = center + deviation * settings.sigma_high;
    // Written so that NaN bounds drop everything, as the comparisons of astropy's mask do.
    std::size_t new_first = first, new_last = last;
    while (new_first < new_last && !(sorted[new_first] >= clip.lower)) ++new_first;
    while (new_last > new_first && !(sorted[new_last - 1] <= clip.upper)) --new_last;
    const bool changed = new_last - new_first != kept;
    first = new_first;
    last = new_last;
    if (!changed) break;
  }
  // The verdict is taken against the last bounds for every value: one dropped early that lies within
  // them is kept again. NaN bounds reject nothing.
  clip.first = 0;
  clip.last = count;
  while (clip.first < clip.last && sorted[clip.first] < clip.lower) ++clip.first;
  while (clip.last > clip.first && sorted[clip.last - 1] > clip.upper) --clip.last;
  return clip;
}

double kept_mean(std::span<const double> sorted, const double* weights, std::size_t first, std::size_t last) {
  double sum[2] = {0.0, 0.0}, weight_sum[2] = {0.0, 0.0};
  for (std::size_t i = first; i < last; ++i) {
    const double weight = weights ? weights[i] : 1.0;
    sum[i % 2] += weight * sorted[i];
    weight_sum[i % 2] += weight;
  }
  const double total_weight = weight_sum[0] + weight_sum[1];
  return total_weight > 0.0 ? (sum[0] + sum[1]) / total_weight : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace nightstack
