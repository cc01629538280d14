// The display stretch curves against their formulas at hand-worked points, the midtones transfer
// function's fixed points, and the autostretch parameters (Siril's constants).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "stages/stretch_curves.hpp"

using namespace nightstack;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(stretch_curves)

BOOST_AUTO_TEST_CASE(asinh_follows_its_formula) {
  // asinh(5) / asinh(10) = ln(5 + sqrt(26)) / ln(10 + sqrt(101)) = 2.3124383412727525 / 2.99822295029797
  BOOST_TEST(asinh_stretch(0.5, 10.0) == 0.7712696419200371, tt::tolerance(1e-15));
  // asinh(10) / asinh(100) = 2.99822295029797 / 5.298342365610589
  BOOST_TEST(asinh_stretch(0.1, 100.0) == 0.5658794285847268, tt::tolerance(1e-15));
  BOOST_TEST(asinh_stretch(0.0, 10.0) == 0.0);
  BOOST_TEST(asinh_stretch(1.0, 10.0) == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(asinh_stretch(-0.5, 10.0) ==
             -asinh_stretch(0.5, 10.0));  // odd: noise below black keeps its sign
  // A tiny beta is almost linear: asinh(b x) / asinh(b) -> x.
  BOOST_TEST(asinh_stretch(0.3, 1e-6) == 0.3, tt::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(gamma_follows_its_formula) {
  BOOST_TEST(gamma_stretch(0.25, 2.0) == 0.5);
  BOOST_TEST(gamma_stretch(0.5, 2.2) == 0.7297400528407231, tt::tolerance(1e-15));  // 0.5^(1/2.2)
  BOOST_TEST(gamma_stretch(1.0, 2.2) == 1.0);
  BOOST_TEST(gamma_stretch(0.0, 2.2) == 0.0);
  BOOST_TEST(gamma_stretch(-0.25, 2.0) == -0.5);
  BOOST_TEST(gamma_stretch(0.7, 1.0) == 0.7);
}

BOOST_AUTO_TEST_CASE(midtones_transfer_follows_its_formula) {
  // MTF(0.25, 0.5) = (-0.75 * 0.5) / (-0.5 * 0.5 - 0.25) = -0.375 / -0.5 = 0.75
  BOOST_TEST(midtones_transfer(0.25, 0.5) == 0.75, tt::tolerance(1e-15));
  // MTF(0.2, 0.1) = (-0.8 * 0.1) / (-0.6 * 0.1 - 0.2) = 0.08 / 0.26
  BOOST_TEST(midtones_transfer(0.2, 0.1) == 0.3076923076923077, tt::tolerance(1e-15));
  // MTF(0.8, 0.5) = (-0.2 * 0.5) / (0.6 * 0.5 - 0.8) = 0.1 / 0.5: m above 0.5 darkens
  BOOST_TEST(midtones_transfer(0.8, 0.5) == 0.2, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(midtones_transfer_fixed_points) {
  for (double m : {0.001, 0.05, 0.1215556195843904, 0.25, 0.5, 0.75, 0.999}) {
    BOOST_TEST_CONTEXT("m = " << m) {
      BOOST_TEST(midtones_transfer(m, m) == 0.5, tt::tolerance(1e-13));
      BOOST_TEST(midtones_transfer(m, 0.0) == 0.0);
      BOOST_TEST(midtones_transfer(m, 1.0) == 1.0);
      // Outside 0..1 the argument is clipped first.
      BOOST_TEST(midtones_transfer(m, -0.3) == 0.0);
      BOOST_TEST(midtones_transfer(m, 1.7) == 1.0);
      // Monotonic.
      BOOST_TEST(midtones_transfer(m, 0.3) < midtones_transfer(m, 0.31));
    }
  }
  for (double x : {0.0, 0.01, 0.3, 0.99, 1.0})
    BOOST_TEST(midtones_transfer(0.5, x) == x, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(midtones_for_solves_the_target) {
  for (double x : {0.001, 0.05, 0.3, 0.9}) {
    for (double target : {0.1, 0.25, 0.5}) {
      BOOST_TEST_CONTEXT("x = " << x << ", target = " << target) {
        BOOST_TEST(midtones_transfer(midtones_for(x, target), x) == target, tt::tolerance(1e-12));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(autostretch_puts_the_background_median_on_the_target) {
  // median 0.1, MAD 0.01: sigma = 1.4826 * 0.01 = 0.014826; shadows = 0.1 - 2.8 * 0.014826 = 0.0584872;
  // the median after the shadows clip is x0 = 0.0415128 / 0.9415128 = 0.0440915938689...;
  // m = MTF(0.25, x0) = 0.75 x0 / (0.5 x0 + 0.25) = 3 x0 / (2 x0 + 1) = 0.121555619584...
  const MidtonesStretch stretch = auto_midtones_stretch({0.1}, {0.01});
  BOOST_TEST(stretch.shadows == 0.0584872, tt::tolerance(1e-13));
  BOOST_TEST(stretch.midtones == 0.1215556195843904, tt::tolerance(1e-12));
  BOOST_TEST(apply_midtones_stretch(stretch, 0.1) == 0.25, tt::tolerance(1e-13));
  BOOST_TEST(apply_midtones_stretch(stretch, 0.0584872) == 0.0, tt::tolerance(1e-13));
  BOOST_TEST(apply_midtones_stretch(stretch, 0.01) == 0.0);  // below the shadows: black
  BOOST_TEST(apply_midtones_stretch(stretch, 1.0) == 1.0);
  BOOST_TEST(std::isnan(apply_midtones_stretch(stretch, std::numeric_limits<double>::quiet_NaN())));
  // Other constants: shadows_clipping 1, target 0.5.
  const MidtonesStretch custom = auto_midtones_stretch({0.2}, {0.05}, 1.0, 0.5);
  BOOST_TEST(custom.shadows == 0.2 - 1.4826 * 0.05, tt::tolerance(1e-13));
  BOOST_TEST(apply_midtones_stretch(custom, 0.2) == 0.5, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(linked_channels_average_median_and_shadows) {
  // Shadows (0.1 - 0.0415128 + 0.2 - 0.0830256) / 2 = 0.0877308; median (0.1 + 0.2) / 2 = 0.15.
  const MidtonesStretch linked = auto_midtones_stretch({0.1, 0.2}, {0.01, 0.02});
  BOOST_TEST(linked.shadows == 0.0877308, tt::tolerance(1e-13));
  BOOST_TEST(apply_midtones_stretch(linked, 0.15) == 0.25, tt::tolerance(1e-13));
  // A non-finite channel is left out.
  const MidtonesStretch partial =
      auto_midtones_stretch({0.1, std::numeric_limits<double>::quiet_NaN()}, {0.01, 0.01});
  BOOST_TEST(partial.shadows == 0.0584872, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(autostretch_guards) {
  // A MAD of 0 uses sigma 0.001, as Siril does: shadows = 0.5 - 2.8 * 0.001.
  BOOST_TEST(auto_midtones_stretch({0.5}, {0.0}).shadows == 0.4972, tt::tolerance(1e-13));
  // Shadows never go below 0.
  const MidtonesStretch wide = auto_midtones_stretch({0.02}, {0.05});
  BOOST_TEST(wide.shadows == 0.0);
  BOOST_TEST(apply_midtones_stretch(wide, 0.02) == 0.25, tt::tolerance(1e-13));
  // No usable median: the identity.
  for (const MidtonesStretch& identity :
       {auto_midtones_stretch({0.0}, {0.0}), auto_midtones_stretch({1.5}, {0.1}),
        auto_midtones_stretch({}, {}),
        auto_midtones_stretch({std::numeric_limits<double>::quiet_NaN()}, {0.1}),
        auto_midtones_stretch({0.3}, {0.1}, 0.0)}) {
    BOOST_TEST(identity.shadows == 0.0);
    BOOST_TEST(identity.midtones == 0.5);
  }
}

BOOST_AUTO_TEST_SUITE_END()
