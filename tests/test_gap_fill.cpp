// Gap filling: the stars' motion measured from matched spots (against a known rotation), and
// through the binary on generated rotating-star sequences with gaps between exposures: with
// gap_fill one connected trail per star, without it one dash per star and frame, and no light
// drawn away from the true trails (noise and a static lamp are not smeared).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <optional>

#include "imaging/motion_fill.hpp"
#include "imaging/star_motion.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/star_trail_frames.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int frame_count = 8;

ImageD stack_trails(const fs::path& frames, const fs::path& directory, const std::string& middle,
                    unsigned threads, const std::string& method = "max") {
  const fs::path config = directory / "trails.yaml", output = directory / "trails.fits";
  std::ofstream(config) << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << frames.string()
                        << "/]\n"
                        << middle
                        << "  - id: trails\n    type: stack\n    input: step\n    method: " << method
                        << "\n"
                           "  - id: out\n    type: write\n    input: trails\n    fits: "
                        << output.string() << "\n";
  const auto result = run_nightstack(
      {"run", config.string(), "--quiet", "--report", "none", "--threads", std::to_string(threads)});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  ImageD image = read_reference_fits(output);
  fs::remove(output);
  return image;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(star_motion)

BOOST_AUTO_TEST_CASE(motion_is_the_rotation_about_the_pole) {
  // Spots turned by 0.02 rad about (300, -500), as stars about a pole above the frame; two
  // landscape lights that stay put and a star that vanishes must not disturb the fit.
  const double angle = 0.02, pole_x = 300, pole_y = -500;
  auto turned_x = [&](double x, double y) {
    return pole_x + std::cos(angle) * (x - pole_x) - std::sin(angle) * (y - pole_y);
  };
  auto turned_y = [&](double x, double y) {
    return pole_y + std::sin(angle) * (x - pole_x) + std::cos(angle) * (y - pole_y);
  };
  std::vector<StarSpot> before, after;
  for (int i = 0; i < 40; ++i) {
    const double x = 20 + (i * 137) % 560, y = 15 + (i * 71) % 370;
    before.push_back({x, y, 100.0 - i, 5});
    if (i != 7) after.push_back({turned_x(x, y), turned_y(x, y), 100.0 - i, 5});
  }
  for (const auto& lamp : {std::pair{50.0, 380.0}, std::pair{500.0, 390.0}}) {
    before.push_back({lamp.first, lamp.second, 300, 9});
    after.push_back({lamp.first, lamp.second, 300, 9});
  }
  const auto estimate = estimate_star_motion(before, after, 40);
  BOOST_TEST_REQUIRE(estimate.has_value());
  BOOST_TEST(estimate->matches == 39u);
  BOOST_TEST(estimate->residual < 1e-6);
  for (const auto& corner :
       {std::pair{0.0, 0.0}, std::pair{600.0, 0.0}, std::pair{0.0, 400.0}, std::pair{600.0, 400.0}}) {
    BOOST_TEST(std::abs(estimate->motion.moved_x(corner.first, corner.second) -
                        turned_x(corner.first, corner.second)) < 1e-6);
    BOOST_TEST(std::abs(estimate->motion.moved_y(corner.first, corner.second) -
                        turned_y(corner.first, corner.second)) < 1e-6);
  }
  // Spots that never move give no motion to fill along.
  std::vector<StarSpot> lamps(before.end() - 2, before.end());
  BOOST_TEST(!estimate_star_motion(lamps, lamps, 40).has_value());
}

BOOST_AUTO_TEST_CASE(spots_are_the_bright_groups_with_their_centroids) {
  ImageF frame(20, 10, 1, 0.1f);
  frame.at(0, 2, 3) = 0.9f;  // two pixels: centroid at x 3.5
  frame.at(0, 2, 4) = 0.9f;
  frame.at(0, 7, 15) = 0.5f;  // one pixel: too small to count by default
  const auto lum = luminance(frame);
  const SkyLevel sky = measure_sky_level(lum, 20, 10);
  BOOST_TEST(sky.background == 0.1, boost::test_tools::tolerance(1e-6));
  const auto spots = find_star_spots(lum, 20, 10, sky.bright_level(5));
  BOOST_TEST_REQUIRE(spots.size() == 1u);
  BOOST_TEST(spots[0].x == 3.5, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(spots[0].y == 2.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(spots[0].pixels == 2u);
}

BOOST_AUTO_TEST_CASE(fill_draws_moving_light_along_the_motion_only) {
  // A moving star at x 2 (gone from the later frame) and a lamp at x 10 (in both), motion +4 in x.
  ImageF earlier(16, 3, 1, 0.0f), later(16, 3, 1, 0.0f);
  earlier.at(0, 1, 2) = 0.7f;
  earlier.at(0, 1, 10) = 0.9f;
  later.at(0, 1, 6) = 0.7f;
  later.at(0, 1, 10) = 0.9f;
  AffineMotion motion;
  motion.c[0] = 4;
  const auto earlier_luminance = luminance(earlier), later_luminance = luminance(later);
  const std::size_t carried =
      fill_along_motion({earlier, earlier_luminance, 0.3, later_luminance, 0.3, motion, 50}, later);
  BOOST_TEST(carried == 1u);
  for (int column = 0; column < 16; ++column) {
    const float expected = (column >= 3 && column <= 6) ? 0.7f : column == 10 ? 0.9f : 0.0f;
    BOOST_TEST(later.at(0, 1, column) == expected, "column " << column);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gap_fill)

BOOST_AUTO_TEST_CASE(gap_fill_joins_the_dashes_into_one_trail_per_star) {
  TemporaryDirectory directory;
  const TrailSequence sequence = twelve_star_sequence();
  const fs::path frames = directory.path() / "frames";
  write_trail_frames(sequence, frame_count, frames);
  const double level = 0.2;  // well above the sky (0.02 + noise), below every star (0.4 and up)
  const int stars = static_cast<int>(sequence.stars.size());

  const ImageD dotted = stack_trails(frames, directory.path(),
                                     "  - id: step\n    type: fade\n    input: lights\n    decay: 0\n", 2);
  // Without filling: a dash per star per frame, plus the lamp.
  BOOST_TEST(count_components_above(dotted, level) == stars * frame_count + 1);

  std::optional<ImageD> first_joined;
  for (unsigned threads : {1u, 2u}) {
    const ImageD joined = stack_trails(frames, directory.path(),
                                       "  - id: step\n    type: gap_fill\n    input: lights\n", threads);
    BOOST_TEST(count_components_above(joined, level) == stars + 1, "threads " << threads);
    // Nothing bright away from the true continuous paths: noise and the lamp stay where they were.
    int stray = 0;
    for (int row = 0; row < joined.height(); ++row)
      for (int column = 0; column < joined.width(); ++column)
        if (joined.at(0, row, column) > 0.1 && !sequence.near_truth(column, row, frame_count, 2.5)) ++stray;
    BOOST_TEST(stray == 0);
    // Light is drawn only along the true paths (within the stars' halo above the fill threshold,
    // about 2.7 pixels, drawn to the nearest pixel): the sky elsewhere is as it was without filling.
    int changed_elsewhere = 0;
    for (int row = 0; row < joined.height(); ++row)
      for (int column = 0; column < joined.width(); ++column)
        if (joined.at(0, row, column) != dotted.at(0, row, column) &&
            !sequence.near_truth(column, row, frame_count, 3.5))
          ++changed_elsewhere;
    BOOST_TEST(changed_elsewhere == 0);
    // The same bits whatever the thread count.
    if (first_joined) BOOST_TEST(same_bits(joined, *first_joined));
    first_joined = joined;
  }
}

BOOST_AUTO_TEST_CASE(comet_trails_brighten_toward_each_star_along_the_filled_trail) {
  TemporaryDirectory directory;
  const TrailSequence sequence = twelve_star_sequence();
  const fs::path frames = directory.path() / "frames";
  write_trail_frames(sequence, frame_count, frames);
  const ImageD comets = stack_trails(frames, directory.path(),
                                     "  - id: gaps\n    type: gap_fill\n    input: lights\n"
                                     "  - id: step\n    type: fade\n    input: gaps\n    decay: 0.8\n",
                                     2, "last");
  // One connected comet per star (its tail, faded to 0.8^6 of 0.4 at least, stays above 0.05).
  BOOST_TEST(count_components_above(comets, 0.05) == static_cast<int>(sequence.stars.size()) + 1);
  // The brightest light along each interval between frame starts of a star's path (away from its
  // ends, which the pixel neighbourhood would reach across): rising interval by interval toward the
  // star's last position, by 1/0.8. Filling draws the light of frame k along the whole interval k
  // to k + 1 into frame k + 1, so the last two intervals are equally bright.
  auto brightest_near = [&](double x, double y) {
    double best = -1;
    for (int row = static_cast<int>(std::lround(y)) - 1; row <= static_cast<int>(std::lround(y)) + 1; ++row)
      for (int column = static_cast<int>(std::lround(x)) - 1; column <= static_cast<int>(std::lround(x)) + 1;
           ++column)
        if (row >= 0 && column >= 0 && row < comets.height() && column < comets.width())
          best = std::max(best, comets.at(0, row, column));
    return best;
  };
  for (const auto& star : sequence.stars) {
    std::vector<double> brightest;
    for (int interval = 0; interval < frame_count; ++interval) {
      const double end = interval + (interval + 1 < frame_count ? 1.0 : sequence.exposed_fraction) - 0.15;
      double best = -1;
      for (double time = interval + 0.15; time <= end; time += 0.05)
        best = std::max(best, brightest_near(sequence.x_at(star, time), sequence.y_at(star, time)));
      brightest.push_back(best);
    }
    for (int interval = 0; interval + 2 < frame_count; ++interval)
      BOOST_TEST(brightest[interval] < brightest[interval + 1], "star at radius " << star.radius);
    BOOST_TEST(brightest[frame_count - 2] == brightest[frame_count - 1], boost::test_tools::tolerance(0.08));
  }
}

BOOST_AUTO_TEST_SUITE_END()
