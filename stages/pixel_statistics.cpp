// Median by selection; mean and deviations by sums in a fixed order (four interleaved partial sums).
#include "stages/pixel_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nightstack {

namespace {
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
}

double median_in_place(std::span<double> scratch) {
  const std::size_t count = scratch.size();
  if (count == 0) return not_a_number;
  auto middle = scratch.begin() + static_cast<std::ptrdiff_t>(count / 2);
  std::nth_element(scratch.begin(), middle, scratch.begin() + static_cast<std::ptrdiff_t>(count));
  const double upper = *middle;
  if (count % 2 == 1) return upper;
  const double lower = *std::max_element(scratch.begin(), middle);
  return (lower + upper) / 2.0;
}

double median_of(std::span<const double> values, std::span<double> scratch) {
  std::copy(values.begin(), values.end(), scratch.begin());
  return median_in_place(scratch.first(values.size()));
}

namespace {

// Value i goes to partial sum i mod 4 and the partials are added as (s0 + s1) + (s2 + s3): four
// independent chains of additions instead of one (the per-pixel loops wait on each addition's
// latency otherwise), and still one fixed order for a given sequence of values.
template <class Term>
double interleaved_sum(std::span<const double> values, Term term) {
  double partial[4] = {0.0, 0.0, 0.0, 0.0};
  const std::size_t count = values.size();
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    for (std::size_t lane = 0; lane < 4; ++lane) partial[lane] += term(values[i + lane]);
  }
  for (std::size_t lane = 0; i < count; ++i, ++lane) partial[lane] += term(values[i]);
  return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

}  // namespace

double mean_of(std::span<const double> values) {
  if (values.empty()) return not_a_number;
  return interleaved_sum(values, [](double value) { return value; }) / static_cast<double>(values.size());
}

namespace {
double squared_deviations(std::span<const double> values) {
  const double mean = mean_of(values);
  return interleaved_sum(values, [mean](double value) { return (value - mean) * (value - mean); });
}
}  // namespace

double population_deviation(std::span<const double> values) {
  if (values.empty()) return not_a_number;
  return std::sqrt(squared_deviations(values) / static_cast<double>(values.size()));
}

double sample_deviation(std::span<const double> values) {
  if (values.size() < 2) return not_a_number;
  return std::sqrt(squared_deviations(values) / static_cast<double>(values.size() - 1));
}

double median_absolute_deviation(std::span<const double> values, double center, std::span<double> scratch) {
  const std::size_t count = values.size();
  if (count == 0) return not_a_number;
  for (std::size_t i = 0; i < count; ++i) scratch[i] = std::abs(values[i] - center);
  return median_in_place(scratch.first(count));
}

}  // namespace nightstack
