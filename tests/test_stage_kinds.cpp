// The stage kinds beyond plain transforms, through the real binary on generated FITS frames: a
// sequence step (fade) sees frames in order whatever the thread count, and a prepared transform
// (match_background) gets every frame in a first pass before the stacking pass applies it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int width = 7;
constexpr int height = 5;

void write_config(const fs::path& path, const fs::path& frames, const std::string& middle_stage,
                  const std::string& method, const fs::path& output) {
  std::ofstream config(path);
  config << "stages:\n"
            "  - id: lights\n"
            "    type: ingest\n"
            "    paths: ["
         << frames.string() << "/]\n"
         << middle_stage
         << "  - id: stacked\n"
            "    type: stack\n"
            "    input: step\n"
            "    method: "
         << method
         << "\n"
            "  - id: out\n"
            "    type: write\n"
            "    input: stacked\n"
            "    fits: "
         << output.string() << "\n";
}

ImageD run_and_read(const fs::path& config, const fs::path& output, unsigned threads) {
  const auto result = run_nightstack(
      {"run", config.string(), "--quiet", "--report", "none", "--threads", std::to_string(threads)});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  ImageD image = read_reference_fits(output);
  fs::remove(output);
  return image;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stage_kinds)

BOOST_AUTO_TEST_CASE(fade_sees_the_frames_in_order_for_any_thread_count) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  // A star moving one pixel to the right per frame over a dim sky; 16-bit codes stay exact.
  std::vector<ImageD> inputs;
  for (int frame = 0; frame < 6; ++frame) {
    ImageD image(width, height, 1, 100.0);
    image.at(0, 2, frame) = 60000.0;
    write_reference_fits(frames / ("f" + std::to_string(frame) + ".fits"), image, 16);
    inputs.push_back(image);
  }
  const fs::path config = directory.path() / "fade.yaml";
  const fs::path output = directory.path() / "fade.fits";
  write_config(config, frames, "  - id: step\n    type: fade\n    input: lights\n    decay: 0.5\n", "sum",
               output);
  // The reference, in float as the stage computes: each frame the brighter of itself and half the
  // previous result; the sum of those results depends on their order.
  std::vector<float> previous, sum(width * height, 0.0f);
  std::vector<double> expected(width * height, 0.0);
  for (const auto& input : inputs) {
    std::vector<float> current(input.samples().begin(), input.samples().end());
    if (!previous.empty())
      for (std::size_t i = 0; i < current.size(); ++i) current[i] = std::max(current[i], 0.5f * previous[i]);
    for (std::size_t i = 0; i < current.size(); ++i) expected[i] += static_cast<double>(current[i]);
    previous = current;
  }
  for (unsigned threads : {1u, 2u, 3u}) {
    const ImageD stacked = run_and_read(config, output, threads);
    BOOST_TEST(stacked.samples() == expected, boost::test_tools::per_element());
  }
  // The tail: the star of frame 0 has faded to 60000 / 2^5 by the last frame.
  BOOST_TEST(previous[2 * width + 0] == 60000.0f / 32.0f);
}

BOOST_AUTO_TEST_CASE(match_background_measures_every_frame_before_stacking) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  // One pattern under three sky levels: 1000, 1300 and 1100 ADU.
  const std::vector<double> sky = {1000, 1300, 1100};
  ImageD pattern(width, height, 1);
  for (std::size_t i = 0; i < pattern.samples().size(); ++i)
    pattern.samples()[i] = static_cast<double>((i * 37) % 11);
  for (std::size_t frame = 0; frame < sky.size(); ++frame) {
    ImageD image = pattern;
    for (double& value : image.samples()) value += sky[frame];
    write_reference_fits(frames / ("f" + std::to_string(frame) + ".fits"), image, 16);
  }
  const fs::path config = directory.path() / "match.yaml";
  const fs::path output = directory.path() / "match.fits";
  for (const std::string method : {"max", "min"}) {
    // The median sky (1100) is the reference: every frame becomes pattern + 1100, so max == min.
    write_config(config, frames, "  - id: step\n    type: match_background\n    input: lights\n", method,
                 output);
    for (unsigned threads : {1u, 2u}) {
      const ImageD stacked = run_and_read(config, output, threads);
      for (std::size_t i = 0; i < stacked.samples().size(); ++i)
        BOOST_TEST(stacked.samples()[i] == pattern.samples()[i] + 1100.0);
    }
  }
  // A named reference.
  write_config(config, frames,
               "  - id: step\n    type: match_background\n    input: lights\n    reference: 1\n", "max",
               output);
  const ImageD stacked = run_and_read(config, output, 2);
  for (std::size_t i = 0; i < stacked.samples().size(); ++i)
    BOOST_TEST(stacked.samples()[i] == pattern.samples()[i] + 1300.0);
  // A reference beyond the frames is a usage error naming the stage.
  write_config(config, frames,
               "  - id: step\n    type: match_background\n    input: lights\n    reference: 9\n", "max",
               output);
  const auto refused = run_nightstack({"run", config.string(), "--quiet", "--report", "none"});
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(contains(refused.err, "reference frame 9"), refused.err);
  BOOST_TEST(!fs::exists(output));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sequence_reducer)

BOOST_AUTO_TEST_CASE(timelapse_emits_numbered_images_of_the_growing_stack) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  std::vector<ImageD> inputs;
  for (int frame = 0; frame < 5; ++frame) {
    ImageD image(width, height, 1, 100.0 + frame);
    image.at(0, 1, frame) = 50000.0;
    write_reference_fits(frames / ("f" + std::to_string(frame) + ".fits"), image, 16);
    inputs.push_back(image);
  }
  const fs::path config = directory.path() / "timelapse.yaml";
  auto write_timelapse_config = [&](const std::string& output_line) {
    std::ofstream file(config);
    file << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << frames.string()
         << "/]\n  - id: growing\n    type: timelapse\n    input: lights\n    every: 2\n"
            "  - id: stretched\n    type: normalize\n    input: growing\n    method: max\n"
            "  - id: raw\n    type: write\n    input: growing\n"
         << output_line << "  - id: display\n    type: write\n    input: stretched\n    png: "
         << (directory.path() / "tl_{index}.png").string() << "\n";
  };
  write_timelapse_config("    fits: " + (directory.path() / "tl_{index}.fits").string() + "\n");
  for (unsigned threads : {1u, 3u}) {
    const auto result = run_nightstack(
        {"run", config.string(), "--quiet", "--report", "none", "--threads", std::to_string(threads)});
    BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
    // Every 2 frames and after the last: after frames 2, 4 and 5.
    for (int image = 1; image <= 3; ++image) {
      const std::string number = "000" + std::to_string(image);
      const ImageD stacked = read_reference_fits(directory.path() / ("tl_" + number + ".fits"));
      BOOST_TEST(fs::exists(directory.path() / ("tl_" + number + ".png")));
      const int frames_so_far = std::min(2 * image, 5);
      for (std::size_t i = 0; i < stacked.samples().size(); ++i) {
        double expected = -1;
        for (int frame = 0; frame < frames_so_far; ++frame)
          expected = std::max(expected, inputs[static_cast<std::size_t>(frame)].samples()[i]);
        BOOST_TEST(stacked.samples()[i] == expected);
      }
    }
    BOOST_TEST(!fs::exists(directory.path() / "tl_0004.fits"));
    BOOST_TEST(contains(result.out, "tl_0003.fits"), result.out);
  }
  // A sink given a sequence must number its files; a single image must not.
  write_timelapse_config("    fits: " + (directory.path() / "tl.fits").string() + "\n");
  const auto unnumbered = run_nightstack({"validate", config.string()});
  BOOST_TEST(unnumbered.exit_code == 3);
  BOOST_TEST(contains(unnumbered.err, "put {index} in"), unnumbered.err);
}

BOOST_AUTO_TEST_SUITE_END()
