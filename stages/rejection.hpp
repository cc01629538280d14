// Per-pixel outlier rejection: given one pixel's values (one per frame, normalized, in frame order),
// decides which are kept and which are rejected as too low or too high. The exact definitions are
// in docs/stacking.md and beside each function in rejection*.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace nightstack {

enum class Rejection {
  none,
  sigma_clip,             // astropy's sigma_clip: centre median, spread std (ddof 0), iterated
  mad_clip,               // the same with spread 1.4826 MAD (astropy's stdfunc='mad_std')
  median_sigma_clip,      // Siril's: outliers replaced by the median, iterated, all values averaged
  winsorized_sigma_clip,  // spread from a winsorized set (Huber's 1.5 sigma, 1.134 correction)
  min_max,                // drop the n lowest and n highest values
  percentile_clip,        // reject values outside a range relative to the median
  gesd,                   // generalized extreme studentized deviate test (Rosner 1983)
};

struct RejectionSettings {
  Rejection method = Rejection::none;
  double sigma_low = 3.0;  // sigma_clip, mad_clip, median_sigma_clip, winsorized_sigma_clip
  double sigma_high = 3.0;
  int max_iters = 5;            // iterations at most (all iterated methods)
  int min_max_count = 1;        // min_max: values dropped at each end
  double percentile_low = 0.2;  // percentile_clip: fractions of the median
  double percentile_high = 0.1;
  double gesd_alpha = 0.05;        // gesd: significance of each test
  double gesd_max_outliers = 0.3;  // gesd: at most this fraction of the values is tested
};

// What rejection decided about one value.
enum class Verdict : std::uint8_t { kept, low, high };

// One per stacking thread: owns the scratch space, so deciding a pixel allocates nothing (the
// GESD critical values for an unusual count of finite values are the one exception: computed once
// per count and kept).
class PixelRejector {
 public:
  // `capacity`: the most values a pixel will have (the frame count).
  PixelRejector(const RejectionSettings& settings, std::size_t capacity);

  // Fills verdicts[0..n) for values[0..n), n = values.size() <= capacity. For median_sigma_clip the
  // rejected values are replaced in `values` by the median and stay in the mean (see
  // replaces_rejected()); every other method leaves `values` as it was.
  void reject(std::span<double> values, std::span<Verdict> verdicts);
  bool replaces_rejected() const { return settings_.method == Rejection::median_sigma_clip; }

  // Bytes of scratch held, for the block planner's bound.
  std::size_t scratch_bytes() const;

  // GESD critical values lambda_1..lambda_r for `count` values (r = the outliers tested).
  std::vector<double> gesd_critical_values(std::size_t count) const;

 private:
  enum class Spread { deviation, mad, winsorized };
  void iterative_clip(std::span<const double> values, std::span<Verdict> verdicts, Spread spread);
  double spread_of(std::span<const double> subset, double center, Spread spread);
  void median_sigma_clip(std::span<double> values, std::span<Verdict> verdicts);
  void min_max(std::span<const double> values, std::span<Verdict> verdicts);
  void percentile_clip(std::span<const double> values, std::span<Verdict> verdicts);
  void gesd(std::span<const double> values, std::span<Verdict> verdicts);
  const std::vector<double>& critical_values_for(std::size_t count);

  RejectionSettings settings_;
  std::size_t capacity_;
  std::vector<double> subset_, scratch_, winsorized_;
  std::vector<std::uint32_t> order_, candidates_;
  std::vector<Verdict> candidate_sides_;
  std::vector<double> critical_full_;   // for `capacity_` values
  std::vector<double> critical_other_;  // for critical_other_count_ values
  std::size_t critical_other_count_ = 0;
};

// How many outliers GESD tests among `count` values: floor(max_outliers * count), at most count - 2
// (the t distribution of the last test needs a degree of freedom).
std::size_t gesd_tested_outliers(std::size_t count, double max_outliers);

}  // namespace nightstack
