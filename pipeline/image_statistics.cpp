// Per-channel statistics by selection: the finite samples of a channel are copied once, order
// statistics are picked from that copy with nth_element, and the same buffer is reused for the
// absolute deviations of the MAD.
#include "pipeline/image_statistics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace nightstack {

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// The k-th smallest values of one buffer. Every rank already selected sits at its sorted place with
// smaller-or-equal values before it and larger-or-equal after it, so a new selection only has to
// partition the stretch between its two nearest selected neighbours: q ranks cost about n log q.
class RankSelector {
 public:
  explicit RankSelector(std::span<double> values) : values_(values) {}

  std::size_t size() const { return values_.size(); }

  double at(std::size_t rank) {
    auto next = selected_.lower_bound(rank);
    if (next != selected_.end() && *next == rank) return values_[rank];
    const std::size_t end = next == selected_.end() ? values_.size() : *next;
    const std::size_t begin = next == selected_.begin() ? 0 : *std::prev(next) + 1;
    std::nth_element(values_.begin() + static_cast<std::ptrdiff_t>(begin),
                     values_.begin() + static_cast<std::ptrdiff_t>(rank),
                     values_.begin() + static_cast<std::ptrdiff_t>(end));
    selected_.insert(rank);
    return values_[rank];
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
  std::span<double> values_;
  std::set<std::size_t> selected_;
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
