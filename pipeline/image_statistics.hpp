// Exact per-channel statistics of a double image: minimum, maximum, mean, median, MAD, population
// standard deviation and percentiles, by selection on one copy of a channel (no full sort, no
// sampling). NaN and infinities are left out, so the results equal numpy's on the finite values.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

struct ImageChannelStatistics {
  std::size_t count = 0;    // finite samples described; every statistic below is NaN when 0
  std::size_t ignored = 0;  // NaN and infinite samples left out
  double minimum = 0.0;
  double maximum = 0.0;
  double mean = 0.0;
  double median = 0.0;              // numpy.median: the mean of the two middle values when count is even
  double mad = 0.0;                 // median absolute deviation, median(|x - median|), not scaled by 1.4826
  double standard_deviation = 0.0;  // population (numpy.std with ddof=0): sqrt(sum((x - mean)^2) / count)
  std::vector<double> percentiles;  // one per requested percent, in the order asked
};

struct ImageStatistics {
  std::vector<double> percents;  // the percentiles asked for, 0..100
  std::vector<ImageChannelStatistics> channels;
};

// Percents must lie in [0, 100] (std::invalid_argument otherwise). Percentiles follow
// numpy.percentile's default "linear" method, including its interpolation from the nearer rank.
// threads: channels computed at once (the result does not depend on it).
ImageStatistics compute_image_statistics(const ImageD& image, const std::vector<double>& percentiles,
                                         unsigned threads = 1);
ImageChannelStatistics compute_channel_statistics(std::span<const double> samples,
                                                  const std::vector<double>& percentiles);

// Percentiles of the finite samples, as above, in the order asked; NaN each when none is finite.
std::vector<double> finite_percentiles(std::span<const double> samples,
                                       const std::vector<double>& percentiles);

struct MedianAndMad {
  double median = 0.0;
  double mad = 0.0;  // median(|x - median|)
};

// The robust location and spread of the finite samples (NaN both when none is finite).
MedianAndMad median_and_mad(std::span<const double> samples);

}  // namespace nightstack
