// The per-pixel combine: median, or rejection followed by a weighted mean of what is kept.
#include "stages/pixel_combine.hpp"

#include <algorithm>
#include <limits>

#include "stages/pixel_statistics.hpp"
#include "stages/sorted_clip.hpp"

namespace nightstack {

PixelCombiner::PixelCombiner(Combine combine, const RejectionSettings& rejection, std::size_t frames)
    : combine_(combine),
      values_(frames),
      weights_(frames),
      verdicts_(frames),
      rejector_(combine == Combine::mean ? rejection : RejectionSettings{}, frames),
      rejection_settings_(combine == Combine::mean ? rejection : RejectionSettings{}),
      rejection_(rejection_settings_.method),
      pairs_(rejection_ == Rejection::sigma_clip ? frames : 0) {}

std::size_t PixelCombiner::scratch_bytes() const {
  return (values_.capacity() + weights_.capacity()) * sizeof(double) + verdicts_.capacity() +
         pairs_.capacity() * sizeof(pairs_[0]) + rejector_.scratch_bytes();
}

PixelResult PixelCombiner::combine(std::size_t count) {
  PixelResult result;
  std::span<double> values(values_.data(), count);
  if (combine_ == Combine::median) {
    result.value = median_in_place(values);
    return result;
  }
  if (rejection_ == Rejection::sigma_clip) return sigma_clipped_mean(count);
  std::span<Verdict> verdicts(verdicts_.data(), count);
  rejector_.reject(values, verdicts);
  const bool rejected_stay = rejector_.replaces_rejected();
  double sum = 0.0, weight_sum = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    if (verdicts[i] == Verdict::low) ++result.low;
    if (verdicts[i] == Verdict::high) ++result.high;
    if (verdicts[i] != Verdict::kept && !rejected_stay) continue;
    sum += weights_[i] * values[i];
    weight_sum += weights_[i];
  }
  result.value = weight_sum > 0.0 ? sum / weight_sum : std::numeric_limits<double>::quiet_NaN();
  return result;
}

// The values sorted (with their weights), clipped as a range, and the kept ones summed in ascending
// order, so that the fast path of 8- and 16-bit codes (band_block_stack.cpp) gives the same bits.
PixelResult PixelCombiner::sigma_clipped_mean(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) pairs_[i] = {values_[i], weights_[i]};
  std::sort(pairs_.begin(), pairs_.begin() + static_cast<std::ptrdiff_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    values_[i] = pairs_[i].first;
    weights_[i] = pairs_[i].second;
  }
  const std::span<const double> sorted(values_.data(), count);
  const SortedClip clip = sigma_clip_sorted(sorted, rejection_settings_);
  PixelResult result;
  result.low = static_cast<std::uint32_t>(clip.first);
  result.high = static_cast<std::uint32_t>(count - clip.last);
  result.value = kept_mean(sorted, weights_.data(), clip.first, clip.last);
  return result;
}

}  // namespace nightstack
