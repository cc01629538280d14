// GESD, the generalized extreme studentized deviate test (Rosner 1983, as in NIST's Engineering
// Statistics Handbook, section 1.3.5.17.3), for one pixel's values.
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "stages/pixel_statistics.hpp"
#include "stages/rejection.hpp"

namespace nightstack {

std::size_t gesd_tested_outliers(std::size_t count, double max_outliers) {
  if (count < 3) return 0;
  auto tested = static_cast<std::size_t>(std::floor(max_outliers * static_cast<double>(count)));
  return std::min(tested, count - 2);
}

// lambda_i = (n - i) t / sqrt((n - i - 1 + t^2) (n - i + 1)), where t is the quantile
// 1 - alpha / (2 (n - i + 1)) of Student's t distribution with n - i - 1 degrees of freedom.
std::vector<double> PixelRejector::gesd_critical_values(std::size_t count) const {
  const std::size_t tested = gesd_tested_outliers(count, settings_.gesd_max_outliers);
  std::vector<double> critical(tested);
  const auto n = static_cast<double>(count);
  for (std::size_t step = 1; step <= tested; ++step) {
    const auto i = static_cast<double>(step);
    const double probability = 1.0 - settings_.gesd_alpha / (2.0 * (n - i + 1.0));
    const boost::math::students_t_distribution<double> distribution(n - i - 1.0);
    const double t = boost::math::quantile(distribution, probability);
    critical[step - 1] = (n - i) * t / std::sqrt((n - i - 1.0 + t * t) * (n - i + 1.0));
  }
  return critical;
}

const std::vector<double>& PixelRejector::critical_values_for(std::size_t count) {
  if (count == capacity_) return critical_full_;
  if (count != critical_other_count_ || critical_other_.empty()) {
    critical_other_ = gesd_critical_values(count);
    critical_other_count_ = count;
  }
  return critical_other_;
}

// With r the number of outliers tested: for i = 1..r, among the values not yet removed, the one
// farthest from their mean (the earliest frame on a tie) gives R_i = |x - mean| / s, s the sample
// standard deviation (ddof 1; R_i = 0 when s = 0); it is then removed. The number of outliers is
// the largest i with R_i > lambda_i (none if there is no such i); those first i removed values are
// rejected, as low or high by their side of the mean when they were removed.
void PixelRejector::gesd(std::span<const double> values, std::span<Verdict> verdicts) {
  const std::size_t count = values.size();
  const std::vector<double>& critical = critical_values_for(count);
  std::size_t size = count;
  std::copy(values.begin(), values.end(), subset_.begin());
  for (std::uint32_t i = 0; i < count; ++i) order_[i] = i;
  std::size_t outliers = 0;
  for (std::size_t step = 0; step < critical.size(); ++step) {
    std::span<const double> remaining(subset_.data(), size);
    const double mean = mean_of(remaining);
    const double deviation = sample_deviation(remaining);
    std::size_t farthest = 0;
    double largest = -1.0;
    for (std::size_t j = 0; j < size; ++j) {
      const double distance = std::abs(subset_[j] - mean);
      if (distance > largest) {
        largest = distance;
        farthest = j;
      }
    }
    const double statistic = deviation > 0.0 ? largest / deviation : 0.0;
    candidates_[step] = order_[farthest];
    candidate_sides_[step] = subset_[farthest] < mean ? Verdict::low : Verdict::high;
    if (statistic > critical[step]) outliers = step + 1;
    std::copy(subset_.begin() + static_cast<std::ptrdiff_t>(farthest + 1),
              subset_.begin() + static_cast<std::ptrdiff_t>(size),
              subset_.begin() + static_cast<std::ptrdiff_t>(farthest));
    std::copy(order_.begin() + static_cast<std::ptrdiff_t>(farthest + 1),
              order_.begin() + static_cast<std::ptrdiff_t>(size),
              order_.begin() + static_cast<std::ptrdiff_t>(farthest));
    --size;
  }
  for (std::size_t step = 0; step < outliers; ++step) verdicts[candidates_[step]] = candidate_sides_[step];
}

}  // namespace nightstack
