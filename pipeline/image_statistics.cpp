// Per-channel statistics by selection: the finite samples of a channel are copied once, order
// statistics are picked from that copy by radix selection, and the same buffer is reused for the
// absolute deviations of the MAD.
#include "pipeline/image_statistics.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <exception>
#include <iterator>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

namespace nightstack {

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// The k-th smallest values of one buffer, exactly, by radix selection: each double maps to an
// unsigned key in the same order; a histogram of the keys' top 16 bits (made once) tells which bin
// holds rank k, only that bin's keys are gathered, and the next 16 bits narrow it down until a few
// are left for nth_element. The histogram pass is shared by all ranks; each rank then costs one
// gathering pass over the buffer plus passes over its (much smaller) bin, where repeated
// nth_element cost several partitions of large stretches of the buffer each.
class RankSelector {
 public:
  explicit RankSelector(std::span<const double> values) : values_(values) {}

  std::size_t size() const { return values_.size(); }

  double at(std::size_t rank) {
    if (auto known = selected_.find(rank); known != selected_.end()) return known->second;
    const double value = select(rank);
    selected_.emplace(rank, value);
    return value;
  }

  // numpy.percentile, method "linear": rank (n - 1) * p / 100 between its two neighbouring order
  // statistics, interpolated as numpy's _lerp does (from the nearer end, so t = 1 gives the upper
  // value exactly).
  double percentile(double percent) {
    const double rank = static_cast<double>(size() - 1) * (percent / 100.0);
    const double below = std::floor(rank);
    const double fraction = rank - below;
    const auto lower_rank = static_cast<std::size_t>(below);
    const double lower = at(lower_rank);
    if (fraction == 0.0 || lower_rank + 1 >= size()) return lower;
    const double upper = at(lower_rank + 1);
    const double difference = upper - lower;
    return fraction >= 0.5 ? upper - difference * (1.0 - fraction) : lower + difference * fraction;
  }

  // numpy.median: the middle value, or the mean of the two middle values.
  double median() {
    const std::size_t middle = size() / 2;
    if (size() % 2 == 1) return at(middle);
    return (at(middle - 1) + at(middle)) / 2.0;
  }

 private:
  static constexpr int bin_bits = 16;
  static constexpr std::size_t bin_count = std::size_t{1} << bin_bits;
  static constexpr std::size_t few = 256;  // left to nth_element

  // Ordered like the doubles: negatives reversed below positives; -0 counts as +0.
  static std::uint64_t key_of(double value) {
    const auto bits = std::bit_cast<std::uint64_t>(value == 0.0 ? 0.0 : value);
    return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
  }
  static double value_of(std::uint64_t key) {
    const std::uint64_t bits = (key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key;
    return std::bit_cast<double>(bits);
  }
  static std::size_t bin_of(std::uint64_t key, int shift) {
    return static_cast<std::size_t>((key >> shift) & (bin_count - 1));
  }
  // The bin holding `rank` (0-based) of `counts`; `rank` becomes the rank within that bin.
  static std::size_t find_bin(const std::vector<std::size_t>& counts, std::size_t& rank) {
    std::size_t bin = 0;
    while (rank >= counts[bin]) rank -= counts[bin++];
    return bin;
  }

  double select(std::size_t rank) {
    if (top_counts_.empty()) {
      top_counts_.assign(bin_count, 0);
      for (double value : values_) ++top_counts_[bin_of(key_of(value), 64 - bin_bits)];
    }
    int shift = 64 - bin_bits;
    const std::size_t top_bin = find_bin(top_counts_, rank);
    std::vector<std::uint64_t> keys;
    keys.reserve(top_counts_[top_bin]);
    for (double value : values_) {
      const std::uint64_t key = key_of(value);
      if (bin_of(key, shift) == top_bin) keys.push_back(key);
    }
    std::vector<std::size_t> counts(bin_count);
    while (keys.size() > few && shift > 0) {
      shift -= bin_bits;
      std::fill(counts.begin(), counts.end(), 0);
      for (std::uint64_t key : keys) ++counts[bin_of(key, shift)];
      const std::size_t bin = find_bin(counts, rank);
      std::erase_if(keys, [&](std::uint64_t key) { return bin_of(key, shift) != bin; });
    }
    std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(rank), keys.end());
    return value_of(keys[rank]);
  }

  std::span<const double> values_;
  std::vector<std::size_t> top_counts_;  // of the keys' top 16 bits, made at the first selection
  std::map<std::size_t, double> selected_;
};

// Neumaier's compensated sum: the error of each addition is kept and added back at the end, so
// means and variances of millions of samples are as good as a pairwise sum (numpy's) or better.
class CompensatedSum {
 public:
  void add(double value) {
    const double total = sum_ + value;
    compensation_ += std::fabs(sum_) >= std::fabs(value) ? (sum_ - total) + value : (value - total) + sum_;
    sum_ = total;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

void check_percents(const std::vector<double>& percents) {
  for (double percent : percents) {
    if (!(percent >= 0.0 && percent <= 100.0)) {
      throw std::invalid_argument("percentile " + std::to_string(percent) + " is outside 0..100");
    }
  }
}

std::vector<double> finite_copy(std::span<const double> samples) {
  std::vector<double> finite;
  finite.reserve(samples.size());
  std::copy_if(samples.begin(), samples.end(), std::back_inserter(finite),
               [](double value) { return std::isfinite(value); });
  return finite;
}

// Turns `values` into |x - median| and returns their median.
double median_absolute_deviation(std::vector<double>& values, double median) {
  for (double& value : values) value = std::fabs(value - median);
  return RankSelector(values).median();
}

}  // namespace

ImageChannelStatistics compute_channel_statistics(std::span<const double> samples,
                                                  const std::vector<double>& percentiles) {
  check_percents(percentiles);
  std::vector<double> values = finite_copy(samples);
  ImageChannelStatistics statistics;
  statistics.count = values.size();
  statistics.ignored = samples.size() - values.size();
  if (values.empty()) {
    statistics.minimum = statistics.maximum = statistics.mean = statistics.median = statistics.mad =
        statistics.standard_deviation = not_a_number;
    statistics.percentiles.assign(percentiles.size(), not_a_number);
    return statistics;
  }

  // Two passes for the moments, as numpy does: the mean first, then squared deviations from it.
  const auto [minimum, maximum] = std::minmax_element(values.begin(), values.end());
  statistics.minimum = *minimum;
  statistics.maximum = *maximum;
  const auto count = static_cast<double>(values.size());
  CompensatedSum sum;
  for (double value : values) sum.add(value);
  statistics.mean = sum.value() / count;
  CompensatedSum squares;
  for (double value : values) squares.add((value - statistics.mean) * (value - statistics.mean));
  statistics.standard_deviation = std::sqrt(squares.value() / count);

  // Order statistics share one selector; the MAD then reuses the buffer, so it comes last.
  RankSelector selector(values);
  for (double percent : percentiles) statistics.percentiles.push_back(selector.percentile(percent));
  statistics.median = selector.median();
  statistics.mad = median_absolute_deviation(values, statistics.median);
  return statistics;
}

ImageStatistics compute_image_statistics(const ImageD& image, const std::vector<double>& percentiles,
                                         unsigned threads) {
  check_percents(percentiles);
  ImageStatistics statistics;
  statistics.percents = percentiles;
  statistics.channels.resize(static_cast<std::size_t>(image.channels()));
  // Channels are independent, so each is computed alone (same result for any thread count); at
  // most `threads` at once, as each holds a copy of its plane.
  std::atomic<int> next_channel{0};
  std::vector<std::exception_ptr> errors(statistics.channels.size());  // e.g. std::bad_alloc
  auto work = [&] {
    for (int channel = next_channel++; channel < image.channels(); channel = next_channel++) {
      try {
        statistics.channels[static_cast<std::size_t>(channel)] =
            compute_channel_statistics(image.plane(channel), percentiles);
      } catch (...) {
        errors[static_cast<std::size_t>(channel)] = std::current_exception();
      }
    }
  };
  const unsigned helpers = std::min(std::max(threads, 1u), static_cast<unsigned>(image.channels())) - 1;
  std::vector<std::thread> workers;
  for (unsigned helper = 0; helper < helpers; ++helper) workers.emplace_back(work);
  work();
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
  return statistics;
}

std::vector<double> finite_percentiles(std::span<const double> samples,
                                       const std::vector<double>& percentiles) {
  check_percents(percentiles);
  std::vector<double> values = finite_copy(samples);
  if (values.empty()) return std::vector<double>(percentiles.size(), not_a_number);
  RankSelector selector(values);
  std::vector<double> results;
  results.reserve(percentiles.size());
  for (double percent : percentiles) results.push_back(selector.percentile(percent));
  return results;
}

MedianAndMad median_and_mad(std::span<const double> samples) {
  std::vector<double> values = finite_copy(samples);
  if (values.empty()) return {not_a_number, not_a_number};
  const double median = RankSelector(values).median();
  return {median, median_absolute_deviation(values, median)};
}

}  // namespace nightstack
