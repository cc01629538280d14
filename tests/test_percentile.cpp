// Percentiles by selection against numpy.percentile's linear interpolation, worked by hand and
// against a full-sort reference implementation on random data.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <random>

#include "pipeline/percentile.hpp"

using namespace nightstack;

namespace {

// numpy.percentile(values, p) with the default method="linear", by full sort.
double sorted_reference(std::vector<double> values, double percent) {
  std::sort(values.begin(), values.end());
  double rank = percent / 100.0 * (values.size() - 1);
  auto below = static_cast<std::size_t>(std::floor(rank));
  auto above = std::min(below + 1, values.size() - 1);
  return values[below] + (rank - below) * (values[above] - values[below]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(percentile)

BOOST_AUTO_TEST_CASE(hand_worked_values) {
  // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 100]) = [1, 1.75, 2.5, 4]
  std::vector<double> values{4, 1, 3, 2};
  auto results = percentiles(values, {0, 25, 50, 100});
  BOOST_TEST(results[0] == 1.0);
  BOOST_TEST(results[1] == 1.75);
  BOOST_TEST(results[2] == 2.5);
  BOOST_TEST(results[3] == 4.0);
  // numpy.percentile(range(1000), 99.9) = 998.001
  std::vector<double> ramp(1000);
  for (int i = 0; i < 1000; ++i) ramp[i] = 999 - i;
  BOOST_TEST(percentiles(ramp, {99.9})[0] == 998.001, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(percentiles(ramp, {0.1})[0] == 0.999, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(single_value_and_ties) {
  BOOST_TEST(percentiles(std::vector<double>{7.0}, {0, 50, 100})[1] == 7.0);
  BOOST_TEST(percentiles(std::vector<double>{2, 2, 2, 5}, {50})[0] == 2.0);
}

BOOST_AUTO_TEST_CASE(non_finite_values_are_left_out) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(percentiles(std::vector<double>{nan, 1, 3, inf}, {50})[0] == 2.0);
}

BOOST_AUTO_TEST_CASE(matches_full_sort_reference_on_random_data) {
  std::mt19937_64 generator(12345);
  std::lognormal_distribution<double> sky(0.0, 1.0);
  for (std::size_t size : {2u, 3u, 10u, 1001u, 100000u}) {
    std::vector<double> values(size);
    for (auto& value : values) value = sky(generator);
    for (double percent : {0.0, 0.1, 1.0, 33.3, 50.0, 99.0, 99.9, 100.0}) {
      BOOST_TEST(percentiles(values, {percent})[0] == sorted_reference(values, percent));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
