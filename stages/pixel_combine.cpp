// The per-pixel combine: median, or rejection followed by a weighted mean of what is kept.
#include "stages/pixel_combine.hpp"

#include <limits>

#include "stages/pixel_statistics.hpp"

namespace nightstack {

PixelCombiner::PixelCombiner(Combine combine, const RejectionSettings& rejection, std::size_t frames)
    : combine_(combine),
      values_(frames),
      weights_(frames),
      verdicts_(frames),
      rejector_(combine == Combine::mean ? rejection : RejectionSettings{}, frames) {}

std::size_t PixelCombiner::scratch_bytes() const {
  return (values_.capacity() + weights_.capacity()) * sizeof(double) + verdicts_.capacity() +
         rejector_.scratch_bytes();
}

PixelResult PixelCombiner::combine(std::size_t count) {
  PixelResult result;
  std::span<double> values(values_.data(), count);
  if (combine_ == Combine::median) {
    result.value = median_in_place(values);
    return result;
  }
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

}  // namespace nightstack
