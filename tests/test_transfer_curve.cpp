// The sRGB and gamma curves against values worked out from IEC 61966-2-1 by hand.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/transfer_curve.hpp"

using namespace nightstack;

BOOST_AUTO_TEST_SUITE(transfer_curve)

BOOST_AUTO_TEST_CASE(srgb_known_values) {
  BOOST_TEST(srgb_to_linear(0.0) == 0.0);
  BOOST_TEST(srgb_to_linear(1.0) == 1.0, boost::test_tools::tolerance(1e-15));
  // Linear segment: 0.04045 / 12.92.
  BOOST_TEST(srgb_to_linear(0.04045) == 0.0031308049535603713, boost::test_tools::tolerance(1e-15));
  // Power segment: ((0.5 + 0.055) / 1.055) ^ 2.4 = 0.21404114048223255.
  BOOST_TEST(srgb_to_linear(0.5) == 0.21404114048223255, boost::test_tools::tolerance(1e-14));
  // Code 128 of 255, the value most tables quote: 0.2158605001138992.
  BOOST_TEST(srgb_to_linear(128.0 / 255.0) == 0.2158605001138992, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(linear_to_srgb(0.0031308) == 0.0031308 * 12.92, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(linear_to_srgb(0.18) == 0.46135612950044164, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(srgb_is_continuous_at_the_breakpoint) {
  double below = srgb_to_linear(0.04045);
  double above = srgb_to_linear(std::nextafter(0.04045, 1.0));
  BOOST_TEST(std::abs(above - below) < 1e-7);
}

BOOST_AUTO_TEST_CASE(srgb_round_trips_every_8_and_16_bit_code) {
  for (int code = 0; code <= 255; ++code) {
    double encoded = code / 255.0;
    BOOST_TEST(linear_to_srgb(srgb_to_linear(encoded)) == encoded, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(std::lround(linear_to_srgb(srgb_to_linear(encoded)) * 255.0) == code);
  }
  for (int code = 0; code <= 65535; code += 7) {
    BOOST_TEST(std::lround(linear_to_srgb(srgb_to_linear(code / 65535.0)) * 65535.0) == code);
  }
}

BOOST_AUTO_TEST_CASE(srgb_is_monotone) {
  double previous = -1;
  for (int code = 0; code <= 65535; ++code) {
    double linear = srgb_to_linear(code / 65535.0);
    BOOST_TEST_REQUIRE(linear > previous);
    previous = linear;
  }
}

BOOST_AUTO_TEST_CASE(negative_and_over_range_values_mirror_and_extend) {
  BOOST_TEST(srgb_to_linear(-0.5) == -srgb_to_linear(0.5));
  BOOST_TEST(srgb_to_linear(2.0) > 1.0);
  BOOST_TEST(linear_to_srgb(srgb_to_linear(1.5)) == 1.5, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(gamma_is_a_power_law) {
  BOOST_TEST(gamma_to_linear(0.5, 2.2) == std::pow(0.5, 2.2));
  BOOST_TEST(gamma_to_linear(0.25, 2.0) == 0.0625);
  BOOST_TEST(linear_to_gamma(0.0625, 2.0) == 0.25);
  BOOST_TEST(gamma_to_linear(-0.25, 2.0) == -0.0625);
}

BOOST_AUTO_TEST_SUITE_END()
