// The clipping rejections: sigma, MAD, winsorized (astropy's iteration), median-sigma (Siril's
// replacement), min/max and percentile. GESD is in rejection_gesd.cpp.
#include <algorithm>
#include <cmath>

#include "stages/pixel_statistics.hpp"
#include "stages/rejection.hpp"
#include "stages/sorted_clip.hpp"

namespace nightstack {

PixelRejector::PixelRejector(const RejectionSettings& settings, std::size_t capacity)
    : settings_(settings),
      capacity_(capacity),
      subset_(capacity),
      scratch_(capacity),
      winsorized_(settings.method == Rejection::winsorized_sigma_clip ? capacity : 0),
      order_(capacity),
      candidates_(settings.method == Rejection::gesd ? capacity : 0),
      candidate_sides_(settings.method == Rejection::gesd ? capacity : 0) {
  if (settings.method == Rejection::gesd) critical_full_ = gesd_critical_values(capacity);
}

std::size_t PixelRejector::scratch_bytes() const {
  return (subset_.capacity() + scratch_.capacity() + winsorized_.capacity() + critical_full_.capacity() +
          critical_other_.capacity()) *
             sizeof(double) +
         (order_.capacity() + candidates_.capacity()) * sizeof(std::uint32_t) + candidate_sides_.capacity();
}

void PixelRejector::reject(std::span<double> values, std::span<Verdict> verdicts) {
  std::fill(verdicts.begin(), verdicts.begin() + static_cast<std::ptrdiff_t>(values.size()), Verdict::kept);
  if (values.empty()) return;
  switch (settings_.method) {
    case Rejection::none:
      return;
    case Rejection::sigma_clip:
      return iterative_clip(values, verdicts, Spread::deviation);
    case Rejection::mad_clip:
      return iterative_clip(values, verdicts, Spread::mad);
    case Rejection::winsorized_sigma_clip:
      return iterative_clip(values, verdicts, Spread::winsorized);
    case Rejection::median_sigma_clip:
      return median_sigma_clip(values, verdicts);
    case Rejection::min_max:
      return min_max(values, verdicts);
    case Rejection::percentile_clip:
      return percentile_clip(values, verdicts);
    case Rejection::gesd:
      return gesd(values, verdicts);
  }
}

// astropy's sigma_clip (axis=None, masked=True) with cenfunc 'median': up to max_iters times, the
// bounds median - sigma_low * s and median + sigma_high * s are computed from the values still kept
// and the values outside them are dropped; the iteration stops early when nothing is dropped. The
// verdict is then taken against the last bounds for every value, as astropy's mask is: a value
// dropped early that falls inside the last bounds counts as kept again. An empty set has NaN bounds
// and keeps everything, as in astropy.
void PixelRejector::iterative_clip(std::span<const double> values, std::span<Verdict> verdicts,
                                   Spread spread) {
  if (spread == Spread::deviation) {  // on the sorted values, as every sigma_clip path (sorted_clip.hpp)
    std::copy(values.begin(), values.end(), subset_.begin());
    std::sort(subset_.begin(), subset_.begin() + static_cast<std::ptrdiff_t>(values.size()));
    const SortedClip clip =
        sigma_clip_sorted(std::span<const double>(subset_.data(), values.size()), settings_);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] < clip.lower) {
        verdicts[i] = Verdict::low;
      } else if (values[i] > clip.upper) {
        verdicts[i] = Verdict::high;
      }
    }
    return;
  }
  std::size_t size = values.size();
  std::copy(values.begin(), values.end(), subset_.begin());
  double lower = 0.0, upper = 0.0;
  for (int iteration = 0; iteration < settings_.max_iters; ++iteration) {
    std::span<const double> kept(subset_.data(), size);
    const double center = median_of(kept, scratch_);
    const double deviation = spread_of(kept, center, spread);
    lower = center - deviation * settings_.sigma_low;
    upper = center + deviation * settings_.sigma_high;
    std::size_t still_kept = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (subset_[i] >= lower && subset_[i] <= upper) subset_[still_kept++] = subset_[i];
    }
    const bool changed = still_kept != size;
    size = still_kept;
    if (!changed) break;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < lower) {
      verdicts[i] = Verdict::low;
    } else if (values[i] > upper) {
      verdicts[i] = Verdict::high;
    }
  }
}

// deviation: the standard deviation about the mean (ddof 0), astropy's stdfunc='std'.
// mad: 1.482602218505602 * median(|x - median|), astropy's stdfunc='mad_std'.
// winsorized: starting from s = std, the values are clamped to [median - 1.5 s, median + 1.5 s]
// and s becomes 1.134 * std of the clamped values, repeatedly (each round clamps the previous
// round's values) until s changes by at most 0.05 % (at most 100 rounds), as Siril and PixInsight
// estimate a robust sigma.
double PixelRejector::spread_of(std::span<const double> subset, double center, Spread spread) {
  switch (spread) {
    case Spread::deviation:
      return population_deviation(subset);
    case Spread::mad:
      return mad_to_deviation * median_absolute_deviation(subset, center, scratch_);
    case Spread::winsorized:
      break;
  }
  double sigma = population_deviation(subset);
  std::copy(subset.begin(), subset.end(), winsorized_.begin());
  std::span<double> clamped(winsorized_.data(), subset.size());
  for (int round = 0; round < 100; ++round) {
    const double low = center - 1.5 * sigma, high = center + 1.5 * sigma;
    for (double& value : clamped) value = std::clamp(value, low, high);
    const double previous = sigma;
    sigma = 1.134 * population_deviation(clamped);
    if (!(std::abs(sigma - previous) > previous * 0.0005)) break;
  }
  return sigma;
}

// Siril's median sigma clipping: up to max_iters times, with m the median and s the standard
// deviation (ddof 0) of the current values, each value below m - sigma_low * s or above
// m + sigma_high * s is replaced by m; stops early when nothing was replaced. Replaced values keep
// their place (at the median) in the mean; a value counts as rejected (low or high by the side of
// its first replacement) once.
void PixelRejector::median_sigma_clip(std::span<double> values, std::span<Verdict> verdicts) {
  for (int iteration = 0; iteration < settings_.max_iters; ++iteration) {
    const double center = median_of(values, scratch_);
    const double deviation = population_deviation(values);
    const double lower = center - deviation * settings_.sigma_low;
    const double upper = center + deviation * settings_.sigma_high;
    std::size_t replaced = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const bool too_low = values[i]<lower, too_high = values[i]> upper;
      if (!too_low && !too_high) continue;
      values[i] = center;
      if (verdicts[i] == Verdict::kept) verdicts[i] = too_low ? Verdict::low : Verdict::high;
      ++replaced;
    }
    if (replaced == 0) break;
  }
}

// Drops the min_max_count lowest and as many highest values, ordering equal values by frame (the
// earlier frame counts as lower). When fewer than 2 * min_max_count + 1 values are finite, drops
// (n - 1) / 2 at each end so that one value at least remains.
void PixelRejector::min_max(std::span<const double> values, std::span<Verdict> verdicts) {
  const std::size_t count = values.size();
  const std::size_t dropped =
      std::min<std::size_t>(static_cast<std::size_t>(settings_.min_max_count), (count - 1) / 2);
  if (dropped == 0) return;
  std::span<std::uint32_t> order(order_.data(), count);
  for (std::uint32_t i = 0; i < count; ++i) order[i] = i;
  auto lower_first = [&](std::uint32_t a, std::uint32_t b) {
    return values[a] < values[b] || (values[a] == values[b] && a < b);
  };
  auto lowest_end = order.begin() + static_cast<std::ptrdiff_t>(dropped);
  std::nth_element(order.begin(), lowest_end, order.end(), lower_first);
  auto highest_begin = order.end() - static_cast<std::ptrdiff_t>(dropped);
  std::nth_element(lowest_end, highest_begin, order.end(), lower_first);
  for (auto it = order.begin(); it != lowest_end; ++it) verdicts[*it] = Verdict::low;
  for (auto it = highest_begin; it != order.end(); ++it) verdicts[*it] = Verdict::high;
}

// Siril's and PixInsight's percentile clipping, one pass: with m the median, values below
// m - percentile_low * |m| or above m + percentile_high * |m| are rejected. A median of 0 rejects
// nothing (the range relative to it is undefined).
void PixelRejector::percentile_clip(std::span<const double> values, std::span<Verdict> verdicts) {
  const double center = median_of(values, scratch_);
  if (center == 0.0) return;
  const double lower = center - settings_.percentile_low * std::abs(center);
  const double upper = center + settings_.percentile_high * std::abs(center);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < lower) {
      verdicts[i] = Verdict::low;
    } else if (values[i] > upper) {
      verdicts[i] = Verdict::high;
    }
  }
}

}  // namespace nightstack
