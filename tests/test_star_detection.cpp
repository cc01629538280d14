// Star detection on generated fields whose stars, background and noise are known: centroids,
// widths, background and noise measured against the truth; hot pixels, saturated stars and
// starless frames; the 2x2 luminance of a CFA mosaic.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/star_detection.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

struct Found {
  std::size_t matched = 0;
  double rms = 0;  // of the matched stars' position errors
};

// Pairs every true star inside the frame (away from its edge) with the nearest detection within
// half a pixel; positions in frame pixels.
Found compare(const std::vector<FieldStar>& truth, const std::vector<Star>& stars, int width, int height,
              double brightest_only = 0) {
  Found found;
  double sum = 0;
  for (const FieldStar& star : truth) {
    if (star.x < 6 || star.y < 6 || star.x > width - 7 || star.y > height - 7 || star.flux < brightest_only)
      continue;
    // Blended pairs pull each other's centroids (the same in every frame, so registration does not
    // mind): only isolated stars measure the centroid's accuracy.
    bool isolated = true;
    for (const FieldStar& other : truth)
      if (&other != &star && std::hypot(other.x - star.x, other.y - star.y) < 8) isolated = false;
    if (!isolated) continue;
    double best = 0.5;
    for (const Star& detected : stars)
      best = std::min(best, std::hypot(detected.x - star.x, detected.y - star.y));
    if (best < 0.5) {
      ++found.matched;
      sum += best * best;
    }
  }
  found.rms = found.matched ? std::sqrt(sum / static_cast<double>(found.matched)) : 0;
  return found;
}

std::size_t inside(const std::vector<FieldStar>& truth, int width, int height, double brightest_only = 0) {
  std::size_t count = 0;
  for (const FieldStar& star : truth) {
    bool isolated = true;
    for (const FieldStar& other : truth)
      if (&other != &star && std::hypot(other.x - star.x, other.y - star.y) < 8) isolated = false;
    if (isolated && star.x >= 6 && star.y >= 6 && star.x <= width - 7 && star.y <= height - 7 &&
        star.flux >= brightest_only)
      ++count;
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(star_detection)

BOOST_AUTO_TEST_CASE(finds_the_stars_of_a_generated_field_at_their_true_positions) {
  const int size = 400;
  const auto truth = random_star_field(120, 0, 0, size, size, 600, 7);
  FieldLook look;  // sigma 1.3 px, background 100, noise 2
  const ImageF frame = render_star_field(size, size, truth, Eigen::Matrix3d::Identity(), look);
  const StarDetection detection = detect_stars(luminance_for_detection(frame, false), {});
  // The faintest stars peak at about 600 / (2 pi 1.3^2) = 56 counts, 28 noise sigmas.
  const Found all = compare(truth, detection.stars, size, size);
  BOOST_TEST(all.matched >= inside(truth, size, size) * 9 / 10);
  BOOST_TEST(detection.stars.size() <= truth.size() + 2);  // hardly anything false
  const Found bright = compare(truth, detection.stars, size, size, 3000);
  BOOST_TEST(bright.matched >= 10u);
  BOOST_TEST(bright.rms < 0.03);
  BOOST_TEST(all.rms < 0.06);
  const StarShapeSummary shape = summarise_star_shapes(detection.stars);
  BOOST_TEST(std::abs(shape.fwhm - 2.35482 * 1.3) < 0.05 * 2.35482 * 1.3);
  BOOST_TEST(shape.roundness > 0.9);
  BOOST_TEST(std::abs(detection.background - 100) < 0.5);
  BOOST_TEST(std::abs(detection.noise - 2) < 0.2);
  // Brightest first.
  for (std::size_t i = 1; i < detection.stars.size(); ++i)
    BOOST_TEST(detection.stars[i - 1].flux >= detection.stars[i].flux);
}

BOOST_AUTO_TEST_CASE(measures_the_width_and_elongation_of_a_single_star) {
  for (double sigma : {1.0, 2.0, 3.0}) {
    FieldLook look;
    look.sigma = sigma;
    look.noise = 0;
    const ImageF frame = render_star_field(64, 64, {{31.3, 30.8, 20000}}, Eigen::Matrix3d::Identity(), look);
    const auto detection = detect_stars(luminance_for_detection(frame, false), {});
    BOOST_TEST_REQUIRE(detection.stars.size() == 1u);
    const Star& star = detection.stars.front();
    BOOST_TEST(std::abs(star.x - 31.3) < 0.01);
    BOOST_TEST(std::abs(star.y - 30.8) < 0.01);
    BOOST_TEST(std::abs(star.fwhm - 2.35482 * sigma) < 0.05 * 2.35482 * sigma);
    BOOST_TEST(star.roundness > 0.97);
    BOOST_TEST(std::abs(star.flux - 20000) < 0.03 * 20000);
  }
  // An elongated star (tracking error): a 2:1 Gaussian.
  ImageF frame(64, 64, 1, 10.0f);
  for (int row = 0; row < 64; ++row)
    for (int column = 0; column < 64; ++column) {
      const double dx = column - 32.0, dy = row - 32.0;
      frame.at(0, row, column) +=
          static_cast<float>(1000 * std::exp(-dx * dx / (2 * 4.0) - dy * dy / (2 * 1.0)));
    }
  const auto detection = detect_stars(luminance_for_detection(frame, false), {});
  BOOST_TEST_REQUIRE(detection.stars.size() == 1u);
  BOOST_TEST(std::abs(detection.stars.front().roundness - 0.5) < 0.05);
}

BOOST_AUTO_TEST_CASE(refuses_hot_pixels_and_saturated_stars) {
  FieldLook look;
  ImageF frame =
      render_star_field(128, 128, {{40, 40, 5000}, {90, 70, 400000}}, Eigen::Matrix3d::Identity(), look);
  frame.at(0, 100, 20) = 3000;  // a hot pixel
  frame.at(0, 20, 100) = 900;
  DetectionSettings settings;
  settings.saturation = 4000;
  for (int row = 60; row < 80; ++row)
    for (int column = 80; column < 100; ++column)
      frame.at(0, row, column) = std::min(frame.at(0, row, column), 4000.0f);
  const auto detection = detect_stars(luminance_for_detection(frame, false), settings);
  BOOST_TEST_REQUIRE(detection.stars.size() == 1u);
  BOOST_TEST(std::abs(detection.stars.front().x - 40) < 0.05);
  BOOST_TEST(detection.refused_hot_pixels == 2u);
  BOOST_TEST(detection.refused_saturated >= 1u);
}

BOOST_AUTO_TEST_CASE(a_starless_frame_has_no_stars) {
  FieldLook look;
  const ImageF frame = render_star_field(300, 300, {}, Eigen::Matrix3d::Identity(), look);
  const auto detection = detect_stars(luminance_for_detection(frame, false), {});
  BOOST_TEST(detection.stars.size() <= 1u);
  BOOST_TEST(std::abs(detection.noise - 2) < 0.2);
}

BOOST_AUTO_TEST_CASE(colour_frames_and_cfa_mosaics_are_searched_on_their_luminance) {
  const int size = 256;
  const auto truth = random_star_field(60, 0, 0, size, size, 1500, 11);
  FieldLook look;
  look.sigma = 1.6;
  look.channels = 3;
  const ImageF colour = render_star_field(size, size, truth, Eigen::Matrix3d::Identity(), look);
  const auto in_colour = detect_stars(luminance_for_detection(colour, false), {});
  BOOST_TEST(compare(truth, in_colour.stars, size, size).matched >= inside(truth, size, size) * 9 / 10);

  // A mosaic: one plane whose 2x2 cells hold a colour pattern (red x2, greens x1, blue x0.5).
  look.channels = 1;
  ImageF mosaic = render_star_field(size, size, truth, Eigen::Matrix3d::Identity(), look);
  for (int row = 0; row < size; ++row)
    for (int column = 0; column < size; ++column)
      mosaic.at(0, row, column) *= (row % 2 == 0 && column % 2 == 0) ? 2.0f
                                   : (row % 2 && column % 2)         ? 0.5f
                                                                     : 1.0f;
  const LuminancePlane binned = luminance_for_detection(mosaic, true);
  BOOST_TEST(binned.width == size / 2);
  const auto in_mosaic = detect_stars(binned, {});
  const Found found = compare(truth, in_mosaic.stars, size, size);
  BOOST_TEST(found.matched >= inside(truth, size, size) * 8 / 10);
  BOOST_TEST(found.rms < 0.15);
  // The pattern itself is not taken for stars.
  BOOST_TEST(in_mosaic.stars.size() <= truth.size() + 2);
}

BOOST_AUTO_TEST_SUITE_END()
