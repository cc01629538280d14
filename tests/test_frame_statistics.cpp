// Per-frame measurements and bad-frame screening: known values by hand, and the binary leaving out a
// frame lit by "headlights" while keeping the rest.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "pipeline/frame_screening.hpp"
#include "pipeline/frame_statistics.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

Frame frame_of_codes(std::vector<float> codes, int width, double white_level) {
  Frame frame;
  frame.pixels = ImageF(width, static_cast<int>(codes.size()) / width, 1);
  frame.pixels.samples() = std::move(codes);
  frame.info.white_level = white_level;
  return frame;
}

FrameStatistics with_background(double background, double noise) {
  return FrameStatistics{{background}, {noise}, {background}, 0};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_statistics)

BOOST_AUTO_TEST_CASE(median_mad_mean_and_saturation_of_8_bit_codes) {
  // One row (row 0 is measured): codes 10, 10, 12, 20, 255. Median 12; deviations 2, 2, 0, 8, 243
  // -> MAD 2; mean 61.4; one saturated sample.
  Frame frame = frame_of_codes({10, 10, 12, 20, 255}, 5, 255);
  FrameStatistics statistics = measure_frame(frame);
  BOOST_TEST(statistics.background[0] == 12.0 / 255, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(statistics.noise[0] == 1.4826 * 2.0 / 255, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(statistics.mean[0] == 61.4 / 255, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(statistics.saturated == 1u);
}

BOOST_AUTO_TEST_CASE(only_every_fourth_row_feeds_the_median_but_all_feed_the_mean) {
  // Rows 0 and 4 hold 100, rows 1-3 hold 200: median over measured rows 100, mean over all 160.
  std::vector<float> codes;
  for (int row = 0; row < 5; ++row) codes.insert(codes.end(), 3, row % 4 == 0 ? 100.0f : 200.0f);
  FrameStatistics statistics = measure_frame(frame_of_codes(codes, 3, 65535));
  BOOST_TEST(statistics.background[0] == 100.0 / 65535, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(statistics.mean[0] == 160.0 / 65535, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(codes_counted_per_code_bin_exactly_as_the_formula_for_every_value) {
  // Integer codes are counted per code and binned afterwards; anything else (a fraction, NaN, out of
  // range) goes through the formula. The reference bins every measured value with the formula:
  // clamp(round(value / white * 65535), 0, 65535), lower median, MAD of the bins.
  for (double white : {255.0, 65535.0, 1000.0}) {
    std::mt19937 generator(7);
    std::uniform_int_distribution<int> code(0, static_cast<int>(white));
    const int width = 23, height = 9;
    std::vector<float> values(static_cast<std::size_t>(width) * height);
    for (auto& value : values) value = static_cast<float>(code(generator));
    values[1] = 12.5f;
    values[2] = NAN;
    values[3] = -4.0f;
    values[4] = static_cast<float>(white) + 3.0f;
    values[5] = static_cast<float>(white) * 0.75f + 0.25f;
    std::vector<long> bins;
    for (int row = 0; row < height; row += 4)
      for (int column = 0; column < width; ++column) {
        const double value = values[static_cast<std::size_t>(row) * width + column];
        if (std::isnan(value)) continue;
        bins.push_back(static_cast<long>(std::clamp(std::round(value / white * 65535), 0.0, 65535.0)));
      }
    std::sort(bins.begin(), bins.end());
    const long median = bins[(bins.size() - 1) / 2];
    std::vector<long> deviations;
    for (long bin : bins) deviations.push_back(std::labs(bin - median));
    std::sort(deviations.begin(), deviations.end());
    const long mad = deviations[(deviations.size() - 1) / 2];

    FrameStatistics statistics = measure_frame(frame_of_codes(values, width, white));
    BOOST_TEST(statistics.background[0] == static_cast<double>(median) / 65535);
    BOOST_TEST(statistics.noise[0] == 1.4826 * static_cast<double>(mad) / 65535);
  }
}

BOOST_AUTO_TEST_CASE(screening_leaves_out_bright_and_noisy_frames_only) {
  std::vector<FrameStatistics> sequence;
  for (int i = 0; i < 9; ++i) sequence.push_back(with_background(0.05 + 0.001 * (i % 3), 0.01));
  sequence.push_back(with_background(0.30, 0.01));   // headlights
  sequence.push_back(with_background(0.05, 0.002));  // a quieter frame is no fault
  sequence.push_back(with_background(0.05, 0.08));   // noisy
  auto verdicts = screen_frames(sequence, 5.0);
  BOOST_TEST_REQUIRE(verdicts.size() == 2u);
  BOOST_TEST(verdicts[0].position == 9u);
  BOOST_TEST(verdicts[0].reason.find("background") != std::string::npos);
  BOOST_TEST(verdicts[1].position == 11u);
  BOOST_TEST(verdicts[1].reason.find("noise") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(short_or_uniform_sequences_reject_nothing) {
  BOOST_TEST(screen_frames({with_background(0.1, 0.01), with_background(0.9, 0.5)}, 3.0).empty());
  std::vector<FrameStatistics> uniform(6, with_background(0.1, 0.01));
  BOOST_TEST(screen_frames(uniform, 3.0).empty());
}

BOOST_AUTO_TEST_CASE(flashes_stand_out_from_their_neighbours_trend) {
  // A night brightening steadily (moonrise: 0.02 + 0.01 per frame) with two flashes side by side
  // (frames 5 and 6) and one at the very end: each stands above the line its neighbours point to,
  // the ends of a steady ramp do not.
  std::vector<FrameStatistics> sequence;
  for (int index = 0; index < 14; ++index) {
    FrameStatistics frame;
    const double level = 0.02 + 0.01 * index + ((index * 7) % 5) * 0.0002;
    frame.mean = {index == 5 || index == 6 || index == 13 ? level + 0.2 : level};
    sequence.push_back(frame);
  }
  const auto verdicts = screen_flashes(sequence, 5.0, 3);
  BOOST_TEST_REQUIRE(verdicts.size() == 3u);
  BOOST_TEST(verdicts[0].position == 5u);
  BOOST_TEST(verdicts[1].position == 6u);
  BOOST_TEST(verdicts[2].position == 13u);
  BOOST_TEST(verdicts[0].reason.find("above its neighbours'") != std::string::npos);
  // Without the last flash, the end of the steady ramp is no flash.
  sequence[13].mean = {0.02 + 0.01 * 13};
  BOOST_TEST(screen_flashes(sequence, 5.0, 3).size() == 2u);
  // Merged with the outlier verdicts: one per frame, in order, reasons joined.
  const auto merged = merge_verdicts({{6, "background"}, {1, "noise"}}, verdicts);
  BOOST_TEST_REQUIRE(merged.size() == 4u);
  BOOST_TEST(merged[0].position == 1u);
  BOOST_TEST(merged[2].position == 6u);
  BOOST_TEST(merged[2].reason.find("background; mean level") == 0u);
}

BOOST_AUTO_TEST_CASE(the_binary_leaves_out_a_bright_frame_and_an_excluded_one) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  std::mt19937 generator(7);
  std::normal_distribution<double> sky(30, 3);
  for (int index = 0; index < 8; ++index) {
    PlanarImage<std::uint8_t> image(32, 32, 1);
    for (auto& value : image.samples())
      value = static_cast<std::uint8_t>(std::clamp(sky(generator), 0.0, 255.0));
    if (index == 5) {
      for (auto& value : image.samples()) value = static_cast<std::uint8_t>(std::min(255, value + 120));
    }
    std::string name = "f";
    name += std::to_string(index);
    name += ".jpg";
    write_reference_jpeg(frames / name, image);
  }
  auto config = directory.path() / "screen.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, reject_outliers: 5, exclude: [f2.jpg], paths: ['"
                        << frames.string()
                        << "']}\n"
                           "  - {id: stack, type: stack, input: lights, method: mean}\n"
                           "  - {id: out, type: write, input: stack, fits: '"
                        << (directory.path() / "mean.fits").string() << "'}\n";
  auto result = run_nightstack({"run", config.string(), "--quiet"});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  BOOST_TEST_INFO(result.out);
  BOOST_TEST(result.out.find("stacked 6 frames (1 files skipped, 1 frames rejected as outliers)") !=
             std::string::npos);
  BOOST_TEST(result.err.find("leaving out " + (frames / "f5.jpg").string()) != std::string::npos);
  std::vector<std::string> cards;
  read_reference_fits(directory.path() / "mean.fits", &cards);
  bool six = false;
  for (const auto& card : cards)
    six = six || (card.rfind("NCOMBINE", 0) == 0 && card.find(" 6 ") != std::string::npos);
  BOOST_TEST(six);
}

BOOST_AUTO_TEST_SUITE_END()
