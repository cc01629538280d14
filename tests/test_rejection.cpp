// Every rejection method against an independent reference on random data with outliers: astropy's
// sigma_clip itself for sigma_clip, mad_clip and (with a winsorized spread) winsorized_sigma_clip,
// plain numpy/Python for the others (tests/reference/rejection_reference.py, run offline with
// Debian's python3-astropy; its output is tests/reference/rejection_reference.hpp), plus small cases
// worked out by hand.
#define BOOST_TEST_DYN_LINK
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "stages/block_planner.hpp"
#include "stages/pixel_combine.hpp"
#include "stages/stack_methods.hpp"
#include "tests/reference/rejection_reference.hpp"

using namespace nightstack;
using namespace nightstack::testing;

// Counts allocations while `counting` is set, to prove a pixel is combined without allocating.
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

// Out of line, so GCC does not pair an inlined malloc/free with new/delete expressions and warn.
[[gnu::noinline]] void* operator new(std::size_t size) {
  if (counting.load()) ++allocations;
  if (void* memory = std::malloc(size ? size : 1)) return memory;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* memory) noexcept { std::free(memory); }
[[gnu::noinline]] void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace {

std::vector<double> reference_weights() {
  std::vector<double> weights;
  for (int frame = 0; frame < reference_frames; ++frame) weights.push_back(1.0 + 0.5 * (frame % 3));
  return weights;
}

RejectionSettings settings_for(const ReferenceCase& reference) {
  RejectionSettings settings;
  const auto& p = reference.parameters;
  if (reference.method == "sigma_clip" || reference.method == "mad_clip" ||
      reference.method == "winsorized_sigma_clip" || reference.method == "median_sigma_clip") {
    settings.method = reference.method == "sigma_clip"              ? Rejection::sigma_clip
                      : reference.method == "mad_clip"              ? Rejection::mad_clip
                      : reference.method == "winsorized_sigma_clip" ? Rejection::winsorized_sigma_clip
                                                                    : Rejection::median_sigma_clip;
    settings.sigma_low = p[0];
    settings.sigma_high = p[1];
    settings.max_iters = static_cast<int>(p[2]);
  } else if (reference.method == "min_max") {
    settings.method = Rejection::min_max;
    settings.min_max_count = static_cast<int>(p[0]);
  } else if (reference.method == "percentile_clip") {
    settings.method = Rejection::percentile_clip;
    settings.percentile_low = p[0];
    settings.percentile_high = p[1];
  } else if (reference.method == "gesd") {
    settings.method = Rejection::gesd;
    settings.gesd_alpha = p[0];
    settings.gesd_max_outliers = p[1];
  }
  return settings;
}

PixelResult combine(PixelCombiner& combiner, const std::vector<double>& values,
                    const std::vector<double>& weights) {
  std::copy(values.begin(), values.end(), combiner.values().begin());
  std::copy(weights.begin(), weights.end(), combiner.weights().begin());
  return combiner.combine(values.size());
}

PixelResult combine_once(Rejection method, const std::vector<double>& values,
                         std::vector<double> weights = {}, RejectionSettings settings = {}) {
  settings.method = method;
  if (weights.empty()) weights.assign(values.size(), 1.0);
  PixelCombiner combiner(Combine::mean, settings, values.size());
  return combine(combiner, values, weights);
}

bool close(double actual, double expected) {
  if (std::isnan(expected)) return std::isnan(actual);
  return std::abs(actual - expected) <= 1e-13 * std::max(1.0, std::abs(expected));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rejection)

BOOST_AUTO_TEST_CASE(every_method_matches_its_independent_reference) {
  const auto weights = reference_weights();
  const std::vector<double> equal(reference_frames, 1.0);
  for (const auto& reference : reference_cases) {
    PixelCombiner combiner(Combine::mean, settings_for(reference), reference_frames);
    for (std::size_t i = 0; i < reference.results.size(); ++i) {
      const std::size_t pixel = i % reference_pixels.size();
      const bool weighted = i >= reference_pixels.size();
      std::vector<double> values(reference_pixels[pixel].begin(), reference_pixels[pixel].end());
      const PixelResult result = combine(combiner, values, weighted ? weights : equal);
      const ReferenceResult& expected = reference.results[i];
      BOOST_TEST_CONTEXT(reference.label << ", pixel " << pixel << (weighted ? ", weighted" : "")) {
        BOOST_TEST(close(result.value, expected.value), result.value << " against " << expected.value);
        BOOST_TEST(static_cast<int>(result.low) == expected.low);
        BOOST_TEST(static_cast<int>(result.high) == expected.high);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(median_matches_numpy) {
  PixelCombiner combiner(Combine::median, {}, reference_frames);
  for (std::size_t pixel = 0; pixel < reference_pixels.size(); ++pixel) {
    std::vector<double> values(reference_pixels[pixel].begin(), reference_pixels[pixel].end());
    BOOST_TEST(combine(combiner, values, values).value == reference_medians[pixel]);
  }
  BOOST_TEST(combine(combiner, {4, 1, 3, 2}, {1, 1, 1, 1}).value == 2.5);
  BOOST_TEST(std::isnan(combiner.combine(0).value));
}

BOOST_AUTO_TEST_CASE(gesd_critical_values_match_the_reference_t_quantiles) {
  RejectionSettings settings;
  settings.method = Rejection::gesd;
  PixelRejector rejector(settings, 21);
  const auto critical = rejector.gesd_critical_values(21);
  BOOST_TEST_REQUIRE(critical.size() == reference_gesd_critical.size());
  for (std::size_t i = 0; i < critical.size(); ++i)
    BOOST_TEST(critical[i] == reference_gesd_critical[i], boost::test_tools::tolerance(1e-9));
  // NIST/SEMATECH e-Handbook, GESD example: n = 54, alpha = 0.05, lambda_1..3 = 3.158, 3.151, 3.143.
  settings.gesd_max_outliers = 10.0 / 54.0;
  const auto nist = PixelRejector(settings, 54).gesd_critical_values(54);
  BOOST_TEST_REQUIRE(nist.size() == 10u);
  BOOST_TEST(nist[0] == 3.158, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(nist[1] == 3.151, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(nist[2] == 3.143, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(gesd_tested_outliers(2, 0.5) == 0u);
  BOOST_TEST(gesd_tested_outliers(10, 0.9) == 8u);
}

BOOST_AUTO_TEST_CASE(min_max_drops_the_ends_and_orders_ties_by_frame) {
  auto result = combine_once(Rejection::min_max, {5, 1, 3, 2, 4});
  BOOST_TEST(result.value == 3.0);
  BOOST_TEST(result.low == 1u);
  BOOST_TEST(result.high == 1u);
  // Equal values: the earlier frame counts as lower, so frames 0 and 4 go; weights show which stayed.
  result = combine_once(Rejection::min_max, {1, 1, 1, 9, 9}, {1, 2, 3, 4, 5});
  BOOST_TEST(result.value == (2.0 * 1 + 3.0 * 1 + 4.0 * 9) / 9.0);
  // Too few values for the count: (n - 1) / 2 at each end.
  RejectionSettings two;
  two.min_max_count = 2;
  result = combine_once(Rejection::min_max, {7, 1, 4}, {}, two);
  BOOST_TEST(result.value == 4.0);
  BOOST_TEST(result.low + result.high == 2u);
}

BOOST_AUTO_TEST_CASE(percentile_clip_is_relative_to_the_median) {
  // median 10: keeps [8, 11] with the defaults 0.2 and 0.1.
  auto result = combine_once(Rejection::percentile_clip, {10, 7.9, 8, 11, 11.1, 10});
  BOOST_TEST(result.low == 1u);
  BOOST_TEST(result.high == 1u);
  BOOST_TEST(result.value == (10 + 8 + 11 + 10) / 4.0);
  // A median of 0 rejects nothing.
  result = combine_once(Rejection::percentile_clip, {0, 0, 0, 5, -5});
  BOOST_TEST(result.low + result.high == 0u);
}

BOOST_AUTO_TEST_CASE(sigma_clip_follows_astropy_when_everything_goes) {
  // sigma 0.5 on {0, 1}: the first pass rejects both; the second has no values, NaN bounds, and
  // astropy's final mask (against NaN bounds) keeps everything again.
  RejectionSettings settings;
  settings.sigma_low = settings.sigma_high = 0.5;
  settings.max_iters = 5;
  auto result = combine_once(Rejection::sigma_clip, {0, 1}, {}, settings);
  BOOST_TEST(result.value == 0.5);
  BOOST_TEST(result.low + result.high == 0u);
  settings.max_iters = 1;  // stopped right after rejecting both: nothing left, NaN
  result = combine_once(Rejection::sigma_clip, {0, 1}, {}, settings);
  BOOST_TEST(std::isnan(result.value));
  BOOST_TEST(result.low == 1u);
  BOOST_TEST(result.high == 1u);
}

BOOST_AUTO_TEST_CASE(median_sigma_clip_replaces_instead_of_dropping) {
  // median 1, population std of {1,1,1,1,1,1,1,1,1,10} = 2.7: 10 > 1 + 3 * 2.7 is not... use 2 sigma.
  RejectionSettings settings;
  settings.sigma_low = settings.sigma_high = 2.0;
  auto result = combine_once(Rejection::median_sigma_clip, {1, 1, 1, 1, 1, 1, 1, 1, 1, 10}, {}, settings);
  BOOST_TEST(result.high == 1u);
  BOOST_TEST(result.value == 1.0);  // 10 became the median 1, and all ten values are averaged
}

BOOST_AUTO_TEST_CASE(nothing_to_reject_gives_the_plain_mean) {
  for (Rejection method : {Rejection::none, Rejection::sigma_clip, Rejection::mad_clip,
                           Rejection::winsorized_sigma_clip, Rejection::median_sigma_clip, Rejection::gesd}) {
    auto result = combine_once(method, {2, 2, 2, 2});
    BOOST_TEST(result.value == 2.0);
    BOOST_TEST(result.low + result.high == 0u);
  }
  BOOST_TEST(std::isnan(combine_once(Rejection::sigma_clip, {}).value));
}

BOOST_AUTO_TEST_CASE(a_pixel_is_combined_without_allocating) {
  const std::size_t frames = 200;
  std::vector<double> values(frames), weights(frames, 1.0);
  for (std::size_t i = 0; i < frames; ++i) values[i] = 0.1 + 0.001 * static_cast<double>((i * 37) % 101);
  values[17] = 5.0;
  values[90] = -3.0;
  for (Rejection method :
       {Rejection::sigma_clip, Rejection::mad_clip, Rejection::winsorized_sigma_clip,
        Rejection::median_sigma_clip, Rejection::min_max, Rejection::percentile_clip, Rejection::gesd}) {
    RejectionSettings settings;
    settings.method = method;
    PixelCombiner combiner(Combine::mean, settings, frames);
    allocations = 0;
    counting = true;
    PixelResult result;
    for (int repeat = 0; repeat < 3; ++repeat) result = combine(combiner, values, weights);
    counting = false;
    BOOST_TEST_CONTEXT("method " << static_cast<int>(method)) {
      BOOST_TEST(allocations.load() == 0);
      BOOST_TEST(result.low + result.high >= 1u);
      // The planner's per-thread allowance covers the combiner's scratch.
      BOOST_TEST(combiner.scratch_bytes() <= scratch_bytes_per_frame_per_thread * frames);
    }
  }
}

BOOST_AUTO_TEST_CASE(whole_stack_of_the_reference_frames_matches_astropy) {
  // The same data through the stacking method: 21 frames of 8x1 pixels, one pixel per reference row.
  StackSettings settings;
  settings.memory_limit = 1 << 20;
  auto stack = find_stack_method("sigma_clip")->make(settings);
  for (int frame = 0; frame < reference_frames; ++frame) {
    ImageF pixels(static_cast<int>(reference_pixels.size()), 1, 1);
    for (std::size_t pixel = 0; pixel < reference_pixels.size(); ++pixel)
      pixels.samples()[pixel] = reference_pixels[pixel][static_cast<std::size_t>(frame)];
    stack->add(pixels);
  }
  ImageD result = stack->result();
  Provenance provenance;
  stack->record(provenance);
  const ReferenceCase& astropy_default = reference_cases.front();  // sigma 3, 3, 5 iterations
  std::int64_t low = 0, high = 0;
  for (std::size_t pixel = 0; pixel < reference_pixels.size(); ++pixel) {
    BOOST_TEST(close(result.samples()[pixel], astropy_default.results[pixel].value));
    low += astropy_default.results[pixel].low;
    high += astropy_default.results[pixel].high;
  }
  BOOST_TEST(std::get<std::int64_t>(provenance.find("REJLOW")->value) == low);
  BOOST_TEST(std::get<std::int64_t>(provenance.find("REJHIGH")->value) == high);
  BOOST_TEST(std::get<double>(provenance.find("REJHIGHF")->value) ==
             static_cast<double>(high) / (21.0 * 8.0));
}

BOOST_AUTO_TEST_SUITE_END()
