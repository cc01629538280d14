// End to end through the nightstack binary: rejection methods on FITS frames generated here with
// known truth (a satellite streak in one of nine frames), several stacks from one decode pass,
// results bit-identical across thread counts and memory limits, the scratch cache gone after
// success and after an error, and the errors a user can make.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int frame_count = 9, width = 40, height = 24, streak_frame = 4;
constexpr double streak_value = 0.9;

bool on_streak(int row, int column) { return row == (column * height) / width; }

// Sky 0.1 (plus `level_step` per frame) with Gaussian noise of 0.01; frame 4 has a satellite
// streak (a diagonal line of 0.9) in every channel. Written as 32-bit float FITS.
std::vector<ImageD> write_frames(const fs::path& directory, int channels, double level_step = 0.0) {
  fs::create_directories(directory);
  std::mt19937 generator(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<ImageD> frames;
  for (int index = 0; index < frame_count; ++index) {
    ImageD frame(width, height, channels);
    for (auto& value : frame.samples())
      value = static_cast<float>(0.1 + level_step * index + noise(generator));  // what the FITS holds
    if (index == streak_frame) {
      for (int channel = 0; channel < channels; ++channel)
        for (int column = 0; column < width; ++column)
          frame.at(channel, (column * height) / width, column) = static_cast<float>(streak_value);
    }
    write_reference_fits(directory / ("light_" + std::to_string(index + 1) + ".fits"), frame, -32);
    frames.push_back(std::move(frame));
  }
  return frames;
}

void require_success(const CommandResult& result) {
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
}

long header_integer(const std::vector<std::string>& cards, const std::string& key) {
  return std::stol(header_value(cards, key));
}

// The mean of every frame but the streak frame: what a perfect rejection gives on the streak.
double mean_without_streak(const std::vector<ImageD>& frames, std::size_t sample) {
  double sum = 0.0;
  for (int index = 0; index < frame_count; ++index)
    if (index != streak_frame) sum += frames[index].samples()[sample];
  return sum / (frame_count - 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stacking_end_to_end)

BOOST_AUTO_TEST_CASE(a_satellite_vanishes_from_the_sigma_clipped_stack_but_shows_in_the_mean) {
  TemporaryDirectory directory;
  const auto frames = write_frames(directory.path() / "lights", 3);
  const fs::path cache = directory.path() / "cache";
  fs::create_directories(cache);
  const auto clipped = directory.path() / "clipped.fits", mean = directory.path() / "mean.fits";
  const auto maps = directory.path() / "maps" / "sky";
  require_success(run_nightstack({"stack", "--method", "sigma_clip", "--sigma-low", "3", "--sigma-high", "3",
                                  "--max-iters", "5", "--memory-limit", "1MiB", "--cache-directory",
                                  cache.string(), "--rejection-maps", maps.string(), "--fits",
                                  clipped.string(), "--quiet", (directory.path() / "lights").string()}));
  require_success(run_nightstack({"stack", "--method", "mean", "--fits", mean.string(), "--quiet",
                                  (directory.path() / "lights").string()}));
  BOOST_TEST(directory_entries(cache).empty());  // the scratch cache is gone

  std::vector<std::string> cards;
  const ImageD clipped_image = read_reference_fits(clipped, &cards);
  const ImageD mean_image = read_reference_fits(mean);
  const ImageD low_map = read_reference_fits(maps.string() + "_low.fits");
  const ImageD high_map = read_reference_fits(maps.string() + "_high.fits");
  double worst_streak_in_clip = 0, weakest_streak_in_mean = 1;
  std::size_t streak_samples = 0, streak_not_rejected = 0, rejected_elsewhere = 0;
  double low_total = 0, high_total = 0;
  for (int channel = 0; channel < 3; ++channel) {
    for (int row = 0; row < height; ++row) {
      for (int column = 0; column < width; ++column) {
        const std::size_t sample = (static_cast<std::size_t>(channel) * height + row) * width + column;
        const bool streak = on_streak(row, column);
        low_total += low_map.samples()[sample];
        high_total += high_map.samples()[sample];
        if (!streak) {
          rejected_elsewhere += low_map.samples()[sample] + high_map.samples()[sample] > 0 ? 1 : 0;
          continue;
        }
        if (high_map.samples()[sample] != 1 || low_map.samples()[sample] != 0) ++streak_not_rejected;
        ++streak_samples;
        // Clipped: the mean of the eight clean frames (to float32 rounding of the output).
        worst_streak_in_clip = std::max(worst_streak_in_clip, std::abs(clipped_image.samples()[sample] -
                                                                       mean_without_streak(frames, sample)));
        weakest_streak_in_mean = std::min(weakest_streak_in_mean, mean_image.samples()[sample]);
      }
    }
  }
  BOOST_TEST(worst_streak_in_clip < 1e-7);
  BOOST_TEST(weakest_streak_in_mean > 0.1 + 0.8 / frame_count - 0.02);  // the streak, diluted 9 times
  // Every streak value was rejected as too high. Elsewhere, with nine values and the median as centre,
  // pure noise is occasionally clipped too (one value far from eight close ones is 3.18 sigma away).
  BOOST_TEST(streak_not_rejected == 0u);
  BOOST_TEST(rejected_elsewhere < 3u * width * height / 100);
  BOOST_TEST(header_value(cards, "STACKMTH").find("sigma_clip") != std::string::npos);
  BOOST_TEST(header_integer(cards, "REJHIGH") == static_cast<long>(high_total));
  BOOST_TEST(header_integer(cards, "REJLOW") == static_cast<long>(low_total));
  BOOST_TEST(high_total >= static_cast<double>(streak_samples));
  BOOST_TEST(header_value(cards, "STACKPAR").find("sigma_low=3 sigma_high=3 max_iters=5") !=
             std::string::npos);
  BOOST_TEST(header_integer(cards, "NCOMBINE") == frame_count);
}

BOOST_AUTO_TEST_CASE(a_max_and_a_clipped_stack_share_one_decoding_pass) {
  TemporaryDirectory directory;
  const auto frames = write_frames(directory.path() / "lights", 1);
  const auto config = directory.path() / "two.yaml";
  const auto trails = directory.path() / "trails.fits", sky = directory.path() / "sky.fits";
  std::ofstream(config)
      << "stages:\n"
         "  - {id: lights, type: ingest, paths: ["
      << (directory.path() / "lights").string()
      << "]}\n"
         "  - {id: trails, type: stack, input: lights, method: max}\n"
         "  - {id: sky, type: stack, input: lights, method: sigma_clip, memory_limit: 64MiB}\n"
         "  - {id: trails_out, type: write, input: trails, fits: "
      << trails.string()
      << "}\n"
         "  - {id: sky_out, type: write, input: sky, fits: "
      << sky.string() << "}\n";
  const auto result = run_nightstack({"run", config.string(), "--quiet", "--threads", "2"});
  require_success(result);
  // One source read once: 9 frames decoded, not 18, feeding both stacks.
  BOOST_TEST(result.out.find("stacked 9 frames") != std::string::npos, result.out);
  const ImageD maximum = read_reference_fits(trails), clipped = read_reference_fits(sky);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < maximum.samples().size(); ++i) {
    double expected = frames[0].samples()[i];
    for (const auto& frame : frames) expected = std::max(expected, frame.samples()[i]);
    if (maximum.samples()[i] != expected) ++wrong;
    const int row = static_cast<int>(i) / width, column = static_cast<int>(i) % width;
    if (on_streak(row, column) && std::abs(clipped.samples()[i] - mean_without_streak(frames, i)) > 1e-7)
      ++wrong;
  }
  BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(results_are_bit_identical_across_threads_and_memory_limits) {
  TemporaryDirectory directory;
  write_frames(directory.path() / "lights", 3, 0.002);
  ImageD reference;
  for (const std::string method : {"median", "gesd"}) {
    reference = ImageD();
    for (const std::string threads : {"1", "2", "3"}) {
      for (const std::string limit : {"32KiB", "1GiB"}) {  // 32 KiB: blocks of one row
        const auto output = directory.path() / (method + threads + limit + ".fits");
        require_success(run_nightstack({"stack", "--method", method, "--normalize-frames", "additive_scale",
                                        "--memory-limit", limit, "--threads", threads, "--fits",
                                        output.string(), "--quiet", (directory.path() / "lights").string()}));
        const ImageD result = read_reference_fits(output);
        if (reference.empty()) reference = result;
        BOOST_TEST_INFO(method << ", " << threads << " threads, memory_limit " << limit);
        BOOST_TEST(result.samples() == reference.samples());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_cache_is_gone_after_an_error) {
  TemporaryDirectory directory;
  write_frames(directory.path() / "lights", 1);
  // A frame of another size in the middle of the sequence: an input error after 4 frames were cached.
  write_reference_fits(directory.path() / "lights" / "light_5b.fits", ImageD(8, 8, 1, 0.1), -32);
  const fs::path cache = directory.path() / "cache";
  fs::create_directories(cache);
  const auto result = run_nightstack({"stack", "--method", "median", "--cache-directory", cache.string(),
                                      "--fits", (directory.path() / "out.fits").string(), "--quiet",
                                      (directory.path() / "lights").string()});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(result.err.find("light_5b.fits") != std::string::npos, result.err);
  BOOST_TEST(directory_entries(cache).empty());
  BOOST_TEST(!fs::exists(directory.path() / "out.fits"));
}

BOOST_AUTO_TEST_CASE(user_errors_are_reported_before_or_with_their_cause) {
  TemporaryDirectory directory;
  write_frames(directory.path() / "lights", 1);
  const std::string lights = (directory.path() / "lights").string();
  const std::string output = (directory.path() / "out.fits").string();
  auto run = [&](std::vector<std::string> options) {
    std::vector<std::string> arguments{"stack", "--fits", output, "--quiet"};
    arguments.insert(arguments.end(), options.begin(), options.end());
    arguments.push_back(lights);
    return run_nightstack(arguments);
  };
  auto result = run({"--method", "median", "--memory-limit", "lots"});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(result.err.find("memory_limit") != std::string::npos, result.err);
  result = run({"--method", "median", "--memory-limit", "2KiB"});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(result.err.find("memory_limit 2 KiB is too small") != std::string::npos, result.err);
  BOOST_TEST(result.err.find("set memory_limit to at least") != std::string::npos, result.err);
  result = run({"--method", "sigma_clip", "--cache-directory", "/nonexistent/cache"});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(result.err.find("cache directory /nonexistent/cache does not exist") != std::string::npos,
             result.err);
  result = run({"--method", "max", "--weights", "noise"});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(result.err.find("weights apply to mean and the rejection methods") != std::string::npos,
             result.err);
  result = run({"--method", "median", "--rejection-maps", "x"});
  BOOST_TEST(result.exit_code == 3);
  result = run({"--method", "sigma_clip", "--weights", "exposure"});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(result.err.find("light_1.fits: has no exposure time") != std::string::npos, result.err);
  result = run({"--method", "sigma_clip", "--sigma-low", "-1"});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(!fs::exists(output));
}

BOOST_AUTO_TEST_CASE(additive_normalization_brings_every_frame_to_the_first_level) {
  TemporaryDirectory directory;
  // Sky rising 0.05 per frame: without normalization the clipped mean sits near 0.3.
  const auto frames = write_frames(directory.path() / "lights", 1, 0.05);
  const auto output = directory.path() / "normalized.fits";
  require_success(run_nightstack({"stack", "--method", "sigma_clip", "--normalize-frames", "additive",
                                  "--weights", "noise", "--fits", output.string(), "--quiet",
                                  (directory.path() / "lights").string()}));
  std::vector<std::string> cards;
  const ImageD result = read_reference_fits(output, &cards);
  double sum = 0;
  for (double value : result.samples()) sum += value;
  BOOST_TEST(sum / static_cast<double>(result.samples().size()) == 0.1, boost::test_tools::tolerance(0.01));
  BOOST_TEST(header_value(cards, "FRMNORM").find("additive") != std::string::npos);
  BOOST_TEST(header_value(cards, "WEIGHTS").find("noise") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stages_documents_the_stacking_parameters) {
  const auto result = run_nightstack({"stages"});
  require_success(result);
  for (const char* name :
       {"sigma_clip", "winsorized_sigma_clip", "gesd", "sigma_low", "max_iters", "normalize_frames",
        "weights", "memory_limit", "cache_directory", "cache_format", "rejection_maps"})
    BOOST_TEST(result.out.find(name) != std::string::npos, name);
}

BOOST_AUTO_TEST_SUITE_END()
