// Selection-based percentiles.
#include "pipeline/percentile.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nightstack {

double percentile_in_place(std::span<double> values, double percent) {
  if (values.empty()) throw std::invalid_argument("percentile of no values");
  double rank = percent / 100.0 * static_cast<double>(values.size() - 1);
  auto lower_rank = static_cast<std::size_t>(std::floor(rank));
  double fraction = rank - static_cast<double>(lower_rank);
  auto lower = values.begin() + static_cast<std::ptrdiff_t>(lower_rank);
  std::nth_element(values.begin(), lower, values.end());
  double lower_value = *lower;
  if (fraction == 0.0 || lower + 1 == values.end()) return lower_value;
  // After nth_element everything past `lower` is >= it, so the next rank is their minimum.
  double upper_value = *std::min_element(lower + 1, values.end());
  return lower_value + fraction * (upper_value - lower_value);
}

std::vector<double> percentiles(std::span<const double> samples, const std::vector<double>& percents) {
  std::vector<double> finite;
  finite.reserve(samples.size());
  std::copy_if(samples.begin(), samples.end(), std::back_inserter(finite),
               [](double value) { return std::isfinite(value); });
  std::vector<double> results;
  results.reserve(percents.size());
  for (double percent : percents) results.push_back(percentile_in_place(finite, percent));
  return results;
}

}  // namespace nightstack
