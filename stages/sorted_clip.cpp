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

namespace {

// The population standard deviation of a range whose median is `center`, in one pass over the
// distances d to it: var = D2 / m - (D1 / m)^2, with D1, D2 the sums of d and d^2 (four interleaved
// partial sums each). About the median, which lies within the values, the formula loses nothing to
// cancellation at the precision of the data.
double deviation_about(std::span<const double> values, double center) {
  double first[4] = {0.0, 0.0, 0.0, 0.0}, second[4] = {0.0, 0.0, 0.0, 0.0};
  const std::size_t count = values.size();
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    for (std::size_t lane = 0; lane < 4; ++lane) {
      const double distance = values[i + lane] - center;
      first[lane] += distance;
      second[lane] += distance * distance;
    }
  }
  for (std::size_t lane = 0; i < count; ++i, ++lane) {
    const double distance = values[i] - center;
    first[lane] += distance;
    second[lane] += distance * distance;
  }
  const double inverse = 1.0 / static_cast<double>(count);  // one division, not two, per iteration
  const double mean = ((first[0] + first[1]) + (first[2] + first[3])) * inverse;
  const double variance = ((second[0] + second[1]) + (second[2] + second[3])) * inverse - mean * mean;
  return std::sqrt(std::max(variance, 0.0));
}

}  // namespace

SortedClip sigma_clip_sorted(std::span<const double> sorted, const RejectionSettings& settings) {
  const std::size_t count = sorted.size();
  std::size_t first = 0, last = count;
  SortedClip clip;
  for (int iteration = 0; iteration < settings.max_iters; ++iteration) {
    const std::span<const double> kept = sorted.subspan(first, last - first);
    const double center = median_of_sorted(kept);
    const double deviation = kept.empty() ? center : deviation_about(kept, center);
    clip.lower = center - deviation * settings.sigma_low;
    clip.upper = center + deviation * settings.sigma_high;
    // Written so that NaN bounds drop everything, as the comparisons of astropy's mask do.
    std::size_t new_first = first, new_last = last;
    while (new_first < new_last && !(sorted[new_first] >= clip.lower)) ++new_first;
    while (new_last > new_first && !(sorted[new_last - 1] <= clip.upper)) --new_last;
    const bool changed = new_last - new_first != kept.size();
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
