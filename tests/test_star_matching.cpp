// Transform fits on exact point sets, and star matching against known transforms: shifted and
// rotated fields (180 degrees too), a 30 % overlap, a mirrored frame and an unrelated field refused,
// and the whole chain (rendered frames, detection, matching) within 0.05 px.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "imaging/star_matching.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

// RMS distance between two transforms' images of a grid over a width x height frame.
double transform_difference(const Eigen::Matrix3d& a, const Eigen::Matrix3d& b, int width, int height,
                            int left = 0) {
  double sum = 0;
  int count = 0;
  for (int y = 0; y <= height; y += height / 8)
    for (int x = left; x <= left + width; x += width / 8) {
      const Point p = apply(a, {double(x), double(y)}), q = apply(b, {double(x), double(y)});
      sum += (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y);
      ++count;
    }
  return std::sqrt(sum / count);
}

// Stars seen through `sky_to_frame`, inside a width x height frame, with position jitter.
std::vector<Star> observed(const std::vector<FieldStar>& sky, const Eigen::Matrix3d& sky_to_frame, int width,
                           int height, double jitter, std::uint32_t seed, bool mirror = false) {
  std::mt19937 random(seed);
  std::normal_distribution<double> error(0, jitter > 0 ? jitter : 1);
  std::vector<Star> stars;
  for (const FieldStar& s : sky) {
    Point p = apply(sky_to_frame, {s.x, s.y});
    if (mirror) p.x = width - 1 - p.x;
    if (p.x < 0 || p.y < 0 || p.x > width - 1 || p.y > height - 1) continue;
    Star star;
    star.x = p.x + (jitter > 0 ? error(random) : 0);
    star.y = p.y + (jitter > 0 ? error(random) : 0);
    star.flux = s.flux;
    stars.push_back(star);
  }
  std::sort(stars.begin(), stars.end(), [](const Star& a, const Star& b) { return a.flux > b.flux; });
  return stars;
}

Eigen::Matrix3d truth_between(const Eigen::Matrix3d& reference, const Eigen::Matrix3d& frame) {
  return frame * reference.inverse();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(geometric_transform)

BOOST_AUTO_TEST_CASE(every_kind_is_recovered_from_exact_points) {
  Eigen::Matrix3d shift = Eigen::Matrix3d::Identity(), similarity, affine, homography;
  shift(0, 2) = 12.25;
  shift(1, 2) = -3.5;
  similarity = sky_to_frame(5.5, -7.25, 37, 500, 400);
  similarity.block<2, 2>(0, 0) *= 1.02;
  affine << 1.01, 0.03, 4.0, -0.02, 0.98, -6.0, 0, 0, 1;
  homography << 1.01, 0.02, 3.0, -0.01, 0.99, 2.0, 2e-6, -1e-6, 1;
  const std::vector<std::pair<TransformKind, Eigen::Matrix3d>> cases{{TransformKind::shift, shift},
                                                                     {TransformKind::similarity, similarity},
                                                                     {TransformKind::affine, affine},
                                                                     {TransformKind::homography, homography}};
  std::mt19937 random(3);
  std::uniform_real_distribution<double> coordinate(0, 2000);
  std::vector<Point> from;
  for (int i = 0; i < 30; ++i) from.push_back({coordinate(random), coordinate(random)});
  for (const auto& [kind, truth] : cases) {
    std::vector<Point> to;
    for (const Point& p : from) to.push_back(apply(truth, p));
    const auto fitted = fit_transform(kind, from, to);
    BOOST_TEST_REQUIRE(fitted.has_value(), to_string(kind));
    BOOST_TEST(transform_difference(*fitted, truth, 2000, 2000) < 1e-8, to_string(kind));
    // The minimum number of points suffices.
    const std::size_t needed = minimum_points(kind);
    const std::vector<Point> few_from(from.begin(), from.begin() + needed),
        few_to(to.begin(), to.begin() + needed);
    const auto from_few = fit_transform(kind, few_from, few_to);
    BOOST_TEST_REQUIRE(from_few.has_value(), to_string(kind));
    BOOST_TEST(transform_difference(*from_few, truth, 2000, 2000) < 1e-6, to_string(kind));
  }
  // A less general kind fits the best it can: a similarity to a pure shift's points is that shift.
  std::vector<Point> shifted;
  for (const Point& p : from) shifted.push_back(apply(shift, p));
  BOOST_TEST(transform_difference(*fit_transform(TransformKind::affine, from, shifted), shift, 2000, 2000) <
             1e-8);
}

BOOST_AUTO_TEST_CASE(too_few_or_degenerate_points_give_no_transform) {
  const std::vector<Point> one{{1, 2}}, same{{5, 5}, {5, 5}, {5, 5}, {5, 5}},
      line{{0, 0}, {1, 1}, {2, 2}, {3, 3}};
  BOOST_TEST(!fit_transform(TransformKind::similarity, one, one));
  BOOST_TEST(fit_transform(TransformKind::shift, one, one).has_value());
  BOOST_TEST(!fit_transform(TransformKind::similarity, same, same));
  BOOST_TEST(!fit_transform(TransformKind::affine, line, line));
  BOOST_TEST(!fit_transform(TransformKind::homography, line, line));
  BOOST_TEST((parse_transform_kind("similarity") == TransformKind::similarity));
  BOOST_TEST(!parse_transform_kind("rigid"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(star_matching)

BOOST_AUTO_TEST_CASE(shifted_and_rotated_star_lists_match_within_their_jitter) {
  const auto sky = random_star_field(400, -300, -300, 1600, 1600, 100, 5);
  const Eigen::Matrix3d reference = Eigen::Matrix3d::Identity();
  const auto reference_stars = observed(sky, reference, 1000, 800, 0.02, 1);
  struct Case {
    double dx, dy, degrees;
  };
  for (const Case c : {Case{12.3, -7.9, 0}, Case{-30.5, 22.1, 3}, Case{4, 4, 180}, Case{-50, 10, -25}}) {
    const Eigen::Matrix3d frame = sky_to_frame(c.dx, c.dy, c.degrees, 500, 400);
    const auto frame_stars = observed(sky, frame, 1000, 800, 0.02, 2);
    for (TransformKind kind : {TransformKind::similarity, TransformKind::affine, TransformKind::homography}) {
      MatchSettings settings;
      settings.kind = kind;
      const MatchOutcome outcome = match_stars(reference_stars, frame_stars, settings);
      BOOST_TEST_REQUIRE(outcome.match.has_value(), outcome.failure);
      BOOST_TEST(transform_difference(outcome.match->reference_to_frame, truth_between(reference, frame),
                                      1000, 800) < 0.05,
                 "rotation " << c.degrees << ", " << to_string(kind));
      BOOST_TEST(outcome.match->matched > 50u);
    }
  }
  // A shift fit of a shifted frame.
  const Eigen::Matrix3d shifted = sky_to_frame(8.25, -3.5, 0, 0, 0);
  MatchSettings settings;
  settings.kind = TransformKind::shift;
  const MatchOutcome outcome =
      match_stars(reference_stars, observed(sky, shifted, 1000, 800, 0.02, 3), settings);
  BOOST_TEST_REQUIRE(outcome.match.has_value(), outcome.failure);
  BOOST_TEST(transform_difference(outcome.match->reference_to_frame, shifted, 1000, 800) < 0.05);
}

BOOST_AUTO_TEST_CASE(a_change_of_scale_beyond_the_limit_is_refused) {
  const auto sky = random_star_field(300, 0, 0, 1000, 800, 100, 5);
  const auto reference_stars = observed(sky, Eigen::Matrix3d::Identity(), 1000, 800, 0.02, 1);
  for (const double scale : {1.05, 1.5}) {
    Eigen::Matrix3d zoom = sky_to_frame(4, -3, 2, 500, 400);
    zoom.block<2, 2>(0, 0) *= scale;
    zoom(0, 2) += (1 - scale) * 500;
    zoom(1, 2) += (1 - scale) * 400;
    const auto frame_stars = observed(sky, zoom, 1000, 800, 0.02, 2);
    const auto limited = match_stars(reference_stars, frame_stars, {});
    BOOST_TEST(limited.match.has_value() == (scale < 1.1), scale << ": " << limited.failure);
    MatchSettings settings;
    settings.max_scale_change = 1;
    const auto free = match_stars(reference_stars, frame_stars, settings);
    BOOST_TEST_REQUIRE(free.match.has_value(), free.failure);
    BOOST_TEST(transform_difference(free.match->reference_to_frame, zoom, 1000, 800) < 0.05);
  }
}

BOOST_AUTO_TEST_CASE(frames_overlapping_by_thirty_percent_still_match) {
  const auto sky = random_star_field(700, 0, 0, 2000, 1000, 100, 9);
  const Eigen::Matrix3d reference = Eigen::Matrix3d::Identity();
  // 1000 x 1000 frames, the second moved 700 px right: 30 % of the area in common.
  const Eigen::Matrix3d frame = sky_to_frame(-700, 0, 2, 1200, 500);
  const auto outcome = match_stars(observed(sky, reference, 1000, 1000, 0.02, 1),
                                   observed(sky, frame, 1000, 1000, 0.02, 2), {});
  BOOST_TEST_REQUIRE(outcome.match.has_value(), outcome.failure);
  BOOST_TEST(transform_difference(outcome.match->reference_to_frame, truth_between(reference, frame), 300,
                                  1000, 700) < 0.05);
}

BOOST_AUTO_TEST_CASE(mirrored_unrelated_and_starless_frames_are_refused_with_their_reason) {
  const auto sky = random_star_field(300, 0, 0, 1000, 800, 100, 5);
  const auto reference_stars = observed(sky, Eigen::Matrix3d::Identity(), 1000, 800, 0.02, 1);
  const auto mirrored = match_stars(
      reference_stars, observed(sky, sky_to_frame(3, 2, 10, 500, 400), 1000, 800, 0.02, 2, true), {});
  BOOST_TEST(!mirrored.match);
  BOOST_TEST(mirrored.failure.find("mirrored") != std::string::npos, mirrored.failure);

  const auto other_sky = random_star_field(300, 0, 0, 1000, 800, 100, 77);
  const auto unrelated =
      match_stars(reference_stars, observed(other_sky, Eigen::Matrix3d::Identity(), 1000, 800, 0.02, 2), {});
  BOOST_TEST(!unrelated.match);
  BOOST_TEST(unrelated.failure.find("no consistent match") != std::string::npos, unrelated.failure);

  const auto starless = match_stars(reference_stars, {}, {});
  BOOST_TEST(!starless.match);
  BOOST_TEST(starless.failure.find("only 0 stars found") != std::string::npos, starless.failure);
}

BOOST_AUTO_TEST_CASE(rendered_frames_register_to_five_hundredths_of_a_pixel) {
  const auto sky = random_star_field(250, -100, -100, 700, 600, 800, 21);
  FieldLook look;
  const Eigen::Matrix3d reference = Eigen::Matrix3d::Identity();
  const auto reference_stars =
      detect_stars(luminance_for_detection(render_star_field(500, 400, sky, reference, look), false), {})
          .stars;
  look.seed = 2;
  for (const double degrees : {0.0, 1.5, 180.0}) {
    const Eigen::Matrix3d frame = sky_to_frame(17.37, -9.61, degrees, 250, 200);
    const auto frame_stars =
        detect_stars(luminance_for_detection(render_star_field(500, 400, sky, frame, look), false), {}).stars;
    const auto outcome = match_stars(reference_stars, frame_stars, {});
    BOOST_TEST_REQUIRE(outcome.match.has_value(), outcome.failure);
    const double error =
        transform_difference(outcome.match->reference_to_frame, truth_between(reference, frame), 500, 400);
    BOOST_TEST_MESSAGE("rotation " << degrees << ": " << error << " px RMS, " << outcome.match->matched
                                   << " stars");
    BOOST_TEST(error < 0.05);
  }
}

BOOST_AUTO_TEST_SUITE_END()
