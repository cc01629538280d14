// Statistics of one pixel's few values (one per frame), written for the per-pixel loops of the
// stacking methods: no allocation, the caller lends the scratch space. Conventions follow numpy so
// results can be checked against astropy: the median of an even count is the mean of the two middle
// values; sums run in a fixed order for a given sequence (four interleaved partial sums, so that the
// per-pixel loops do not wait on one chain of additions).
#pragma once

#include <span>

namespace nightstack {

// NaN for no values. `scratch` holds at least values.size() elements; its contents are overwritten.
double median_of(std::span<const double> values, std::span<double> scratch);
// The same, reordering `values` instead of copying them.
double median_in_place(std::span<double> values);
// NaN for no values.
double mean_of(std::span<const double> values);
// Standard deviation about the mean, dividing by n (numpy's std, ddof = 0). NaN for no values.
double population_deviation(std::span<const double> values);
// Dividing by n - 1 (ddof = 1). NaN for fewer than two values.
double sample_deviation(std::span<const double> values);
// median(|x - center|) over the values. NaN for no values.
double median_absolute_deviation(std::span<const double> values, double center, std::span<double> scratch);

// 1 / Phi^-1(3/4): makes the MAD of normally distributed values an estimate of their standard
// deviation (the constant of astropy's mad_std; 1.4826 to four decimals).
inline constexpr double mad_to_deviation = 1.482602218505602;

}  // namespace nightstack
