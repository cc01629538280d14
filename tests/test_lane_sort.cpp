// The sorting network against std::sort for every sequence length up to 70 and a few large ones, for
// 8- and 16-bit codes and doubles; and sigma clipping of sorted values against a direct transcription
// of astropy's masked iteration (bounds from the values still kept, in frame order; the last bounds
// decide every value).
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "stages/lane_sort.hpp"
#include "stages/sorted_clip.hpp"

using namespace nightstack;

namespace {

template <std::size_t Lanes, class T, class Draw>
void check_network(std::size_t size, std::mt19937& generator, Draw draw) {
  std::vector<T> values(size * Lanes);
  for (T& value : values) value = draw(generator);
  std::vector<std::vector<T>> expected(Lanes);
  for (std::size_t lane = 0; lane < Lanes; ++lane) {
    for (std::size_t k = 0; k < size; ++k) expected[lane].push_back(values[k * Lanes + lane]);
    std::sort(expected[lane].begin(), expected[lane].end());
  }
  SortingNetwork(size).sort<Lanes>(values.data());
  for (std::size_t lane = 0; lane < Lanes; ++lane)
    for (std::size_t k = 0; k < size; ++k)
      BOOST_TEST_REQUIRE(values[k * Lanes + lane] == expected[lane][k], "size " << size << " lane " << lane);
}

// astropy.stats.sigma_clip(values, sigma_lower, sigma_upper, maxiters, cenfunc='median', stdfunc='std'),
// its mask counted: values below and above the last bounds.
std::pair<std::size_t, std::size_t> astropy_clip(const std::vector<double>& values, double low, double high,
                                                 int iterations) {
  std::vector<double> kept = values;
  double lower = 0, upper = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::vector<double> sorted = kept;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    const double median = n == 0 ? NAN : n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    double mean = 0;
    for (double value : kept) mean += value;
    mean /= static_cast<double>(n);
    double squares = 0;
    for (double value : kept) squares += (value - mean) * (value - mean);
    const double deviation = std::sqrt(squares / static_cast<double>(n));
    lower = median - low * deviation;
    upper = median + high * deviation;
    std::vector<double> next;
    for (double value : kept)
      if (value >= lower && value <= upper) next.push_back(value);
    const bool changed = next.size() != kept.size();
    kept = next;
    if (!changed) break;
  }
  std::size_t below = 0, above = 0;
  for (double value : values) {
    below += value < lower;
    above += value > upper;
  }
  return {below, above};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lane_sort)

BOOST_AUTO_TEST_CASE(the_network_sorts_every_lane_as_std_sort) {
  std::mt19937 generator(3);
  std::uniform_int_distribution<int> byte(0, 255), word(0, 65535), few(0, 3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::size_t> sizes;
  for (std::size_t size = 1; size <= 70; ++size) sizes.push_back(size);
  for (std::size_t size : {127, 128, 129, 500}) sizes.push_back(size);
  for (std::size_t size : sizes) {
    check_network<32, std::uint8_t>(size, generator,
                                    [&](auto& g) { return static_cast<std::uint8_t>(byte(g)); });
    // Many ties: a network that mishandles equal values shows it here.
    check_network<32, std::uint8_t>(size, generator,
                                    [&](auto& g) { return static_cast<std::uint8_t>(few(g)); });
    check_network<16, std::uint16_t>(size, generator,
                                     [&](auto& g) { return static_cast<std::uint16_t>(word(g)); });
    check_network<4, double>(size, generator, [&](auto& g) { return normal(g); });
  }
  // Batcher's network for 64 values has 543 compare-exchanges.
  BOOST_TEST(SortingNetwork(64).comparators() == 543u);
}

BOOST_AUTO_TEST_CASE(sigma_clip_of_sorted_values_rejects_what_astropy_rejects) {
  std::mt19937 generator(5);
  std::normal_distribution<double> sky(0.05, 0.002);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  RejectionSettings settings;
  settings.method = Rejection::sigma_clip;
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t count = 1 + static_cast<std::size_t>(trial % 60);
    settings.sigma_low = 1.5 + (trial % 4) * 0.5;
    settings.sigma_high = 2.0 + (trial % 3) * 0.5;
    settings.max_iters = 1 + trial % 6;
    std::vector<double> values(count);
    for (double& value : values) {
      value = sky(generator);
      if (chance(generator) < 0.08) value += 0.5;  // a satellite or a cosmic ray
      if (chance(generator) < 0.03) value = 0.0;   // a dead value
    }
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const SortedClip clip = sigma_clip_sorted(sorted, settings);
    const auto [below, above] =
        astropy_clip(values, settings.sigma_low, settings.sigma_high, settings.max_iters);
    BOOST_TEST_REQUIRE(clip.first == below, "trial " << trial);
    BOOST_TEST_REQUIRE(sorted.size() - clip.last == above, "trial " << trial);
  }
}

BOOST_AUTO_TEST_CASE(equal_values_and_one_value_keep_everything) {
  RejectionSettings settings;
  settings.method = Rejection::sigma_clip;
  const std::vector<double> same(9, 0.25), one{0.5};
  const SortedClip all = sigma_clip_sorted(same, settings);
  BOOST_TEST(all.first == 0u);
  BOOST_TEST(all.last == 9u);
  BOOST_TEST(median_of_sorted(one) == 0.5);
  BOOST_TEST(median_of_sorted(std::vector<double>{1.0, 2.0, 4.0, 8.0}) == 3.0);
  BOOST_TEST(std::isnan(median_of_sorted(std::vector<double>{})));
}

BOOST_AUTO_TEST_SUITE_END()
