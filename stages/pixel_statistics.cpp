// Median by selection, mean and deviations by plain ordered sums.
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

double mean_of(std::span<const double> values) {
  if (values.empty()) return not_a_number;
  double sum = 0.0;
  for (double value : values) sum += value;
  return sum / static_cast<double>(values.size());
}

namespace {
double squared_deviations(std::span<const double> values) {
  const double mean = mean_of(values);
  double sum = 0.0;
  for (double value : values) sum += (value - mean) * (value - mean);
  return sum;
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
