// End to end: the real nightstack binary on frames generated here with known truth; outputs read
// back through CFITSIO and libtiff directly and compared with references computed in the test.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "imaging/transfer_curve.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Sky-like 8-bit frames: dark noisy background, a few bright "stars" that move between frames.
std::vector<fs::path> write_jpeg_sequence(const fs::path& directory, int count, int width, int height,
                                          int channels, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<double> noise(12.0, 4.0);
  std::vector<fs::path> paths;
  for (int index = 0; index < count; ++index) {
    PlanarImage<std::uint8_t> image(width, height, channels);
    for (auto& value : image.samples())
      value = static_cast<std::uint8_t>(std::clamp(noise(generator), 0.0, 255.0));
    for (int star = 0; star < 5; ++star) {
      int row = (star * 7 + 3) % height, column = (star * 11 + index * 2) % width;
      for (int channel = 0; channel < channels; ++channel) image.at(channel, row, column) = 250;
    }
    paths.push_back(directory / ("frame_" + std::to_string(index + 1) + ".jpg"));
    write_reference_jpeg(paths.back(), image, 90);
  }
  return paths;
}

std::vector<ImageD> linearized_references(const std::vector<fs::path>& paths) {
  std::vector<ImageD> frames;
  for (const auto& path : paths) {
    auto codes = decode_reference_jpeg(path);
    ImageD linear(codes.width(), codes.height(), codes.channels());
    for (std::size_t i = 0; i < codes.samples().size(); ++i) {
      // nightstack's frames are float: the reference rounds the same way.
      linear.samples()[i] = static_cast<float>(srgb_to_linear(codes.samples()[i] / 255.0));
    }
    frames.push_back(std::move(linear));
  }
  return frames;
}

void require_success(const CommandResult& result) {
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
}

bool fitsverify_clean(const fs::path& path) {
  auto result = run_command({"fitsverify", path.string()});
  BOOST_TEST_INFO("fitsverify: " << result.out << result.err);
  return result.exit_code == 0 &&
         result.out.find("Verification found 0 warning(s) and 0 error(s)") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(end_to_end)

BOOST_AUTO_TEST_CASE(max_of_jpegs_equals_the_max_of_linearized_inputs_exactly) {
  TemporaryDirectory directory;
  auto paths = write_jpeg_sequence(directory.path(), 6, 40, 30, 3, 1);
  auto output = directory.path() / "out" / "max.fits";
  require_success(run_nightstack({"stack", "--method", "max", "--transfer", "srgb", "--fits", output.string(),
                                  "--quiet", directory.path().string()}));
  auto frames = linearized_references(paths);
  std::vector<std::string> cards;
  ImageD result = read_reference_fits(output, &cards);
  BOOST_TEST_REQUIRE(result.channels() == 3);
  BOOST_TEST_REQUIRE(result.width() == 40);
  BOOST_TEST_REQUIRE(result.height() == 30);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < result.samples().size(); ++i) {
    double expected = frames[0].samples()[i];
    for (const auto& frame : frames) expected = std::max(expected, frame.samples()[i]);
    if (result.samples()[i] != expected) ++mismatches;
  }
  BOOST_TEST(mismatches == 0u);
  BOOST_TEST(header_value(cards, "NCOMBINE").find(" 6") != std::string::npos);
  BOOST_TEST(header_value(cards, "STACKMTH").find("max") != std::string::npos);
  BOOST_TEST(header_value(cards, "TRANSFER").find("srgb") != std::string::npos);
  BOOST_TEST(header_value(cards, "CREATOR").find("nightstack") != std::string::npos);
}

// Apart from the case above, so that it runs where fitsverify is missing.
BOOST_AUTO_TEST_CASE(a_stacked_fits_passes_fitsverify, *NeedsOutsideTool()) {
  require_program("fitsverify", "fitsverify");
  TemporaryDirectory directory;
  write_jpeg_sequence(directory.path(), 3, 40, 30, 3, 1);
  auto output = directory.path() / "out" / "max.fits";
  require_success(run_nightstack({"stack", "--method", "max", "--transfer", "srgb", "--fits", output.string(),
                                  "--quiet", directory.path().string()}));
  BOOST_TEST(fitsverify_clean(output));
}

BOOST_AUTO_TEST_CASE(mean_and_sum_match_a_float64_reference) {
  TemporaryDirectory directory;
  auto paths = write_jpeg_sequence(directory.path(), 7, 33, 21, 1, 2);
  auto frames = linearized_references(paths);
  for (std::string method : {"mean", "sum"}) {
    auto output = directory.path() / (method + ".fits");
    require_success(run_nightstack({"stack", "--method", method, "--fits", output.string(), "--quiet",
                                    (directory.path() / "*.jpg").string()}));
    ImageD result = read_reference_fits(output);
    double worst = 0;
    for (std::size_t i = 0; i < result.samples().size(); ++i) {
      double sum = 0;
      for (const auto& frame : frames) sum += frame.samples()[i];
      double expected = method == "mean" ? sum / frames.size() : sum;
      if (expected != 0)
        worst = std::max(worst, std::abs(result.samples()[i] - expected) / std::abs(expected));
    }
    BOOST_TEST_INFO(method);
    BOOST_TEST(worst < 1e-6);
  }
}

BOOST_AUTO_TEST_CASE(thread_count_does_not_change_a_single_bit) {
  TemporaryDirectory directory;
  write_jpeg_sequence(directory.path(), 9, 64, 48, 3, 3);
  std::vector<ImageD> results;
  for (std::string threads : {"1", "2", "3"}) {
    // Outside the frames' folder, or the next run would stack this one's output too.
    auto output = directory.path() / "out" / ("mean_" + threads + ".fits");
    require_success(run_nightstack({"stack", "--method", "mean", "--threads", threads, "--fits",
                                    output.string(), "--quiet", directory.path().string()}));
    results.push_back(read_reference_fits(output));
  }
  BOOST_TEST(results[0].samples() == results[1].samples());
  BOOST_TEST(results[0].samples() == results[2].samples());
}

BOOST_AUTO_TEST_CASE(fits_frames_keep_their_values_and_orientation) {
  TemporaryDirectory directory;
  std::vector<ImageD> frames;
  for (int index = 0; index < 3; ++index) {
    ImageD frame(5, 4, 1);
    for (int row = 0; row < 4; ++row) {
      for (int column = 0; column < 5; ++column) frame.at(0, row, column) = 1000 * row + 10 * column + index;
    }
    write_reference_fits(directory.path() / ("light_" + std::to_string(index) + ".fits"), frame, 16);
    frames.push_back(frame);
  }
  auto output = directory.path() / "sum.fits";
  require_success(run_nightstack({"stack", "--method", "sum", "--transfer", "linear", "--fits",
                                  output.string(), "--quiet", directory.path().string()}));
  ImageD result = read_reference_fits(output);
  for (int row = 0; row < 4; ++row) {
    for (int column = 0; column < 5; ++column) {
      double expected = (3 * (1000.0 * row + 10 * column) + 0 + 1 + 2) / 65535.0;
      BOOST_TEST(result.at(0, row, column) == expected, boost::test_tools::tolerance(1e-6));
    }
  }
}

BOOST_AUTO_TEST_CASE(tiff_output_is_16_bit_and_normalized, *NeedsOutsideTool()) {
  require_program("tiffinfo", "libtiff-tools");
  TemporaryDirectory directory;
  write_jpeg_sequence(directory.path(), 3, 20, 10, 3, 4);
  auto tiff = directory.path() / "trails.tif";
  require_success(run_nightstack({"stack", "--method", "max", "--normalize", "max", "--fits",
                                  (directory.path() / "trails.fits").string(), "--tiff", tiff.string(),
                                  "--quiet", directory.path().string()}));
  auto info = run_command({"tiffinfo", tiff.string()});
  BOOST_TEST(info.out.find("Bits/Sample: 16") != std::string::npos);
  std::string description;
  auto pixels = read_reference_tiff16(tiff, &description);
  BOOST_TEST(pixels.channels() == 3);
  BOOST_TEST(*std::max_element(pixels.samples().begin(), pixels.samples().end()) == 65535);
  BOOST_TEST(description.find("NORMMETH") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_stray_text_file_is_skipped_with_one_warning) {
  TemporaryDirectory directory;
  write_jpeg_sequence(directory.path(), 3, 16, 16, 1, 5);
  std::ofstream(directory.path() / "notes.txt") << "shot at 23:10, ISO 3200\n";
  auto output = directory.path() / "max.fits";
  auto result = run_nightstack(
      {"stack", "--method", "max", "--fits", output.string(), "--quiet", directory.path().string()});
  require_success(result);
  std::size_t warnings = 0;
  for (std::size_t at = result.err.find("warning:"); at != std::string::npos;
       at = result.err.find("warning:", at + 1)) {
    ++warnings;
  }
  BOOST_TEST(warnings == 1u);
  BOOST_TEST(result.err.find("notes.txt") != std::string::npos);
  BOOST_TEST(result.out.find("stacked 3 frames (1 files skipped)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(several_stacks_and_outputs_from_one_config) {
  TemporaryDirectory directory;
  auto paths = write_jpeg_sequence(directory.path(), 4, 12, 8, 1, 6);
  auto config = directory.path() / "both.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, paths: ['"
                        << directory.path().string()
                        << "/*.jpg']}\n"
                           "  - {id: linear, type: linearize, input: lights}\n"
                           "  - {id: trails, type: stack, input: linear, method: max}\n"
                           "  - {id: sky, type: stack, input: linear, method: sum}\n"
                           "  - {id: out1, type: write, input: trails, fits: '"
                        << (directory.path() / "t.fits").string()
                        << "'}\n"
                           "  - {id: out2, type: write, input: sky, fits: '"
                        << (directory.path() / "s.fits").string() << "'}\n";
  auto result = run_nightstack({"run", config.string(), "--quiet"});
  require_success(result);
  BOOST_TEST(result.out.find("stacked 4 frames") != std::string::npos);
  auto frames = linearized_references(paths);
  ImageD trails = read_reference_fits(directory.path() / "t.fits");
  ImageD sky = read_reference_fits(directory.path() / "s.fits");
  double sum0 = 0, max0 = 0;
  for (const auto& frame : frames) {
    sum0 += frame.samples()[0];
    max0 = std::max(max0, frame.samples()[0]);
  }
  BOOST_TEST(trails.samples()[0] == max0);
  BOOST_TEST(sky.samples()[0] == sum0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
