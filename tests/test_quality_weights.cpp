// Frame weights from registration quality (stack weights: stars | fwhm): the formula on its own,
// then through the binary on a generated sequence with one blurred frame, its stacked sky checked
// against the weighted mean computed here from the report's measurements, on 1 and 2 threads; and
// the refusal without a register stage.
#define BOOST_TEST_DYN_LINK
#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <cmath>

#include "pipeline/errors.hpp"
#include "stages/frame_normalization.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const int width = 360, height = 280;

FrameInfo registered(double stars, double weighted_fwhm) {
  FrameInfo info;
  info.path = "frame.fits";
  info.quality = FrameQuality{stars, weighted_fwhm, 200, 3.0};
  return info;
}

void write_frame(const fs::path& path, const ImageF& frame) {
  ImageD codes(frame.width(), frame.height(), frame.channels());
  for (std::size_t i = 0; i < codes.samples().size(); ++i)
    codes.samples()[i] = std::clamp(std::round(frame.samples()[i]), 0.0f, 65535.0f);
  write_reference_fits(path, codes, 16);
}

// Mean of the stack over a part of the canvas no star reaches.
double sky_mean(const ImageD& stack) {
  double sum = 0;
  int count = 0;
  for (int y = 20; y < height - 20; ++y)
    for (int x = 260; x < width - 20; ++x) {
      sum += stack.at(0, y, x);
      ++count;
    }
  return sum / count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quality_weights)

BOOST_AUTO_TEST_CASE(weights_are_squared_ratios_to_the_reference_frame) {
  const ImageF pixels(4, 4, 2, 0.5f);
  FrameWeighting stars(FrameNormalization::none, FrameWeights::stars, "sky");
  FrameWeighting fwhm(FrameNormalization::none, FrameWeights::fwhm, "sky");
  for (auto [count, width_px] : {std::pair{200.0, 3.0}, {100.0, 6.0}, {150.0, 4.5}}) {
    stars.add(pixels, registered(count, width_px));
    fwhm.add(pixels, registered(count, width_px));
  }
  // stars: (stars / 200)^2; fwhm: (3 / weighted FWHM)^2, the same for every channel.
  const double expected_stars[] = {1.0, 0.25, 0.5625}, expected_fwhm[] = {1.0, 0.25, 4.0 / 9.0};
  for (std::size_t frame = 0; frame < 3; ++frame)
    for (int channel = 0; channel < 2; ++channel) {
      BOOST_TEST(stars.adjustment(frame, channel).weight == expected_stars[frame]);
      BOOST_TEST(fwhm.adjustment(frame, channel).weight == expected_fwhm[frame],
                 boost::test_tools::tolerance(1e-15));
      BOOST_TEST(fwhm.adjustment(frame, channel).multiply == 1.0);
    }
}

BOOST_AUTO_TEST_CASE(a_frame_without_registration_quality_is_refused_naming_it) {
  FrameWeighting fwhm(FrameNormalization::none, FrameWeights::fwhm, "sky");
  FrameInfo info;
  info.path = "lights/frame_7.fits";
  info.index = 7;
  try {
    fwhm.add(ImageF(2, 2, 1, 1.0f), info);
    BOOST_FAIL("no error");
  } catch (const InputError& error) {
    BOOST_TEST(contains(error.what(), "lights/frame_7.fits"), error.what());
    BOOST_TEST(contains(error.what(), "register"), error.what());
  }
  FrameInfo starless = registered(0, 0);
  BOOST_CHECK_THROW(FrameWeighting(FrameNormalization::none, FrameWeights::stars, "sky")
                        .add(ImageF(2, 2, 1, 1.0f), starless),
                    InputError);
}

BOOST_AUTO_TEST_CASE(a_blurred_frame_weighs_what_its_weighted_fwhm_says_on_any_thread_count) {
  TemporaryDirectory directory;
  // Stars only on the left of the sky, so the right of every frame is bare sky of the frame's level.
  const auto sky = random_star_field(150, -50, -50, 250, height + 100, 2500, 71);
  const double backgrounds[] = {1000, 2000, 4000};
  const double sigmas[] = {1.3, 1.3, 2.6};  // frame 2 blurred (seeing, focus)
  const double shifts[][2] = {{0, 0}, {3.2, -2.1}, {-2.5, 1.7}};
  std::vector<std::string> arguments{"stack",       "--register",
                                     "--reference", "0",
                                     "--method",    "mean",
                                     "--weights",   "fwhm",
                                     "--fits",      (directory.path() / "stack.fits").string(),
                                     "--report",    (directory.path() / "report").string(),
                                     "--quiet"};
  for (int i = 0; i < 3; ++i) {
    FieldLook look;
    look.background = backgrounds[i];
    look.sigma = sigmas[i];
    look.seed = static_cast<std::uint32_t>(80 + i);
    const fs::path path = directory.path() / ("frame_" + std::to_string(i) + ".fits");
    write_frame(
        path, render_star_field(width, height, sky, sky_to_frame(shifts[i][0], shifts[i][1], 0, 0, 0), look));
    arguments.push_back(path.string());
  }
  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);

  // The weights by the formula, from the measurements the report gives: (reference's / own)^2.
  const YAML::Node frames =
      YAML::LoadFile((directory.path() / "report.json").string())["sources"][0]["frames"];
  BOOST_TEST_REQUIRE(frames.size() == 3u);
  const double reference = frames[0]["measurements"]["weighted_fwhm"].as<double>();
  double weighted = 0, weights = 0, equal = 0;
  for (int i = 0; i < 3; ++i) {
    const double weight = std::pow(reference / frames[i]["measurements"]["weighted_fwhm"].as<double>(), 2);
    BOOST_TEST_MESSAGE("frame " << i << ": weight " << weight);
    weighted += weight * backgrounds[i] / 65535;
    weights += weight;
    equal += backgrounds[i] / 65535 / 3;
  }
  const double blurred_weight =
      std::pow(reference / frames[2]["measurements"]["weighted_fwhm"].as<double>(), 2);
  BOOST_TEST(blurred_weight < 0.5);
  const ImageD stack = read_reference_fits(directory.path() / "stack.fits");
  const double expected = weighted / weights;
  BOOST_TEST(std::abs(expected - equal) * 65535 > 100);  // the weights matter here
  BOOST_TEST(std::abs(sky_mean(stack) - expected) * 65535 < 0.2,
             "stacked sky " << sky_mean(stack) * 65535 << " counts, weighted mean " << expected * 65535);
  std::vector<std::string> cards;
  read_reference_fits(directory.path() / "stack.fits", &cards);
  BOOST_TEST(contains(header_value(cards, "WEIGHTS"), "fwhm"));

  // The same bits on one thread.
  arguments[9] = (directory.path() / "one_thread.fits").string();
  arguments.insert(arguments.end(), {"--threads", "1"});
  BOOST_TEST_REQUIRE(run_nightstack(arguments).exit_code == 0);
  arguments[9] = (directory.path() / "two_threads.fits").string();
  arguments.back() = "2";
  BOOST_TEST_REQUIRE(run_nightstack(arguments).exit_code == 0);
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "one_thread.fits"), stack));
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "two_threads.fits"), stack));

  // The rejection methods take the same weights: with limits no value reaches, the weighted mean.
  arguments[5] = "sigma_clip";
  arguments[9] = (directory.path() / "clipped.fits").string();
  arguments.insert(arguments.end(), {"--sigma-low", "100", "--sigma-high", "100"});
  const auto clipped_run = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(clipped_run.exit_code == 0, clipped_run.err);
  std::vector<std::string> clipped_cards;
  const ImageD clipped = read_reference_fits(directory.path() / "clipped.fits", &clipped_cards);
  BOOST_TEST(contains(header_value(clipped_cards, "WEIGHTS"), "fwhm"));
  BOOST_TEST(std::abs(sky_mean(clipped) - expected) * 65535 < 0.2);
}

BOOST_AUTO_TEST_CASE(quality_weights_without_register_are_refused_when_the_graph_is_built) {
  TemporaryDirectory directory;
  const fs::path frame = directory.path() / "frame.fits";
  write_frame(frame, ImageF(16, 16, 1, 100.0f));
  for (const std::string weights : {"stars", "fwhm"}) {
    const auto result = run_nightstack({"stack", "--method", "mean", "--weights", weights, "--fits",
                                        (directory.path() / "out.fits").string(), frame.string()});
    BOOST_TEST(result.exit_code != 0);
    BOOST_TEST(contains(result.err, "weights: " + weights), result.err);
    BOOST_TEST(contains(result.err, "no register stage comes before this stack"), result.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
