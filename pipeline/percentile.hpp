// Exact percentiles by selection (no full sort, no sampling), with numpy.percentile's default
// "linear" interpolation between the two nearest ranks.
#pragma once

#include <span>
#include <vector>

namespace nightstack {

// `values` is reordered. Non-finite values must have been removed. percent in [0, 100].
double percentile_in_place(std::span<double> values, double percent);

// Several percentiles of the finite values of `samples`, in the order asked. Copies the data once.
std::vector<double> percentiles(std::span<const double> samples, const std::vector<double>& percents);

}  // namespace nightstack
