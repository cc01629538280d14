// Star trails beyond lighten, through the binary on frames generated here with known truth: comet
// trails (brightness rising toward the star's last position; trail_length against the frames held
// whole), the time-lapse (ceil(N/K) images, each at least the one before, the last equal to the
// final stack, one stretch for all), a flash left out by itself and named, and the foreground
// blend (landscape from the mean, sky from the max).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "imaging/sky_mask.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int width = 40, height = 12;
constexpr double sky = 0.02;

// A star moving 3 pixels right per frame along row 5, exposed for 2 of them (a gap of 1).
std::vector<ImageD> write_moving_star(const fs::path& directory, int count) {
  fs::create_directories(directory);
  std::vector<ImageD> frames;
  for (int index = 0; index < count; ++index) {
    ImageD frame(width, height, 1, sky);
    for (int step = 0; step < 2; ++step) frame.at(0, 5, 1 + 3 * index + step) = 0.8;
    write_reference_fits(
        directory / ("f" + std::string(index < 9 ? "0" : "") + std::to_string(index + 1) + ".fits"), frame,
        -32);
    frames.push_back(frame);
  }
  return frames;
}

void write_config(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string ingest(const fs::path& frames, const std::string& extra = "") {
  return "stages:\n  - id: lights\n    type: ingest\n    paths: [" + frames.string() + "/]\n" + extra;
}

CommandResult run(const fs::path& config, unsigned threads = 2) {
  return run_nightstack({"run", config.string(), "--report", "none", "--threads", std::to_string(threads)});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(comet_trails)

BOOST_AUTO_TEST_CASE(brightness_rises_toward_the_last_position) {
  TemporaryDirectory directory;
  const int count = 12;
  write_moving_star(directory.path() / "frames", count);
  const fs::path config = directory.path() / "comet.yaml", output = directory.path() / "comet.fits";
  for (const std::string fading : {"decay: 0.8", "trail_length: 6"}) {
    write_config(config, ingest(directory.path() / "frames") +
                             "  - id: comets\n    type: fade\n    input: lights\n    " + fading +
                             "\n  - id: last\n    type: stack\n    input: comets\n    method: last\n"
                             "  - id: out\n    type: write\n    input: last\n    fits: " +
                             output.string() + "\n");
    const auto result = run(config);
    BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
    const ImageD comet = read_reference_fits(output);
    // Along the trail (row 5, the star's pixels in frame order), strictly brighter toward its end.
    std::vector<double> along;
    for (int index = 0; index < count; ++index)
      for (int step = 0; step < 2; ++step) along.push_back(comet.at(0, 5, 1 + 3 * index + step));
    const bool linear = fading.starts_with("trail");
    const std::size_t faded_out = linear ? 2 * (count - 6) : 0;  // 6 frames old or older: sky again
    for (std::size_t i = 0; i < along.size(); ++i) {
      if (i < faded_out) {
        BOOST_TEST(along[i] == static_cast<float>(sky), fading << " sample " << i);
      } else if (i + 1 < along.size() && i % 2 == 1) {
        BOOST_TEST(along[i] < along[i + 1], fading << " sample " << i);
      }
    }
    BOOST_TEST(along.back() == 0.8f);
    // The reference: each pixel the brightest of the frames' values, j frames old, times the fade.
    for (int column = 0; column < width; ++column) {
      double expected = sky;
      for (int age = 0; age < count; ++age) {
        const int index = count - 1 - age;
        const bool lit = column == 1 + 3 * index || column == 2 + 3 * index;
        const double value = lit ? 0.8 : sky;
        const double factor = linear
                                  ? (age < 6 ? static_cast<double>(static_cast<float>(1.0 - age / 6.0)) : 0.0)
                                  : std::pow(0.8, age);
        expected = std::max(expected, value * factor);
      }
      BOOST_TEST(comet.at(0, 5, column) == expected, boost::test_tools::tolerance(1e-5));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timelapse_output)

BOOST_AUTO_TEST_CASE(ceil_n_over_k_images_growing_to_the_final_stack_with_one_stretch) {
  TemporaryDirectory directory;
  const int count = 7, every = 3;  // images after frames 3, 6 and 7
  write_moving_star(directory.path() / "frames", count);
  const fs::path config = directory.path() / "timelapse.yaml", final_stack = directory.path() / "final.fits";
  const fs::path video = directory.path() / "video";
  write_config(config, ingest(directory.path() / "frames") +
                           "  - id: growing\n    type: timelapse\n    input: lights\n    every: 3\n"
                           "  - id: raw\n    type: write\n    input: growing\n    fits: " +
                           (video / "raw_{index}.fits").string() +
                           "\n  - id: display\n    type: normalize\n    input: growing\n    hold: first\n"
                           "    low: 10\n    high: 99\n"
                           "  - id: shown\n    type: write\n    input: display\n    fits: " +
                           (video / "shown_{index}.fits").string() +
                           "\n    tiff: " + (video / "trails_{index}.tif").string() +
                           "\n    jpeg: " + (video / "trails_{index}.jpg").string() +
                           "\n  - id: trails\n    type: stack\n    input: lights\n    method: max\n"
                           "  - id: out\n    type: write\n    input: trails\n    fits: " +
                           final_stack.string() + "\n");
  const auto result = run(config);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  const int images = (count + every - 1) / every;
  BOOST_TEST(!fs::exists(video / "raw_0004.fits"));
  std::vector<ImageD> raw, shown;
  std::vector<std::vector<std::string>> headers;
  for (int image = 1; image <= images; ++image) {
    const std::string number = "000" + std::to_string(image);
    raw.push_back(read_reference_fits(video / ("raw_" + number + ".fits")));
    headers.emplace_back();
    shown.push_back(read_reference_fits(video / ("shown_" + number + ".fits"), &headers.back()));
    BOOST_TEST(fs::exists(video / ("trails_" + number + ".tif")));
    BOOST_TEST(fs::exists(video / ("trails_" + number + ".jpg")));
  }
  for (int image = 1; image < images; ++image)
    for (std::size_t i = 0; i < raw[0].samples().size(); ++i)
      BOOST_TEST(raw[image].samples()[i] >= raw[image - 1].samples()[i]);
  BOOST_TEST(same_bits(raw.back(), read_reference_fits(final_stack)));
  // One stretch: the first image's black and white points, applied to every image.
  const double black = std::stod(header_value(headers[0], "NORMBLK"));
  const double white = std::stod(header_value(headers[0], "NORMWHT"));
  BOOST_TEST(white > black);
  for (int image = 0; image < images; ++image) {
    BOOST_TEST(header_value(headers[image], "NORMBLK") == header_value(headers[0], "NORMBLK"));
    BOOST_TEST(header_value(headers[image], "NORMWHT") == header_value(headers[0], "NORMWHT"));
    for (std::size_t i = 0; i < raw[image].samples().size(); ++i)
      BOOST_TEST(shown[image].samples()[i] ==
                     static_cast<float>((raw[image].samples()[i] - black) / (white - black)),
                 boost::test_tools::tolerance(1e-5f));
  }
  // The video's command is printed (ffmpeg is optional).
  BOOST_TEST(contains(result.err, "ffmpeg"), result.err);
  BOOST_TEST(contains(result.err, (video / "trails_%04d.jpg").string()), result.err);
}

BOOST_AUTO_TEST_CASE(quick_form_flags_build_the_same_steps) {
  TemporaryDirectory directory;
  write_moving_star(directory.path() / "frames", 5);
  const auto printed = run_nightstack(
      {"stack", "--method", "max", "--gap-fill", "--comet-fade", "0.9", "--reject-flashes", "6",
       "--timelapse", (directory.path() / "tl").string(), "--every", "2", "--fits",
       (directory.path() / "s.fits").string(), "--print-config", (directory.path() / "frames").string()});
  BOOST_TEST_REQUIRE(printed.exit_code == 0, printed.err);
  for (const char* part : {"type: gap_fill", "type: fade", "decay: 0.9", "method: last", "reject_flashes: 6",
                           "type: timelapse", "every: 2", "hold: first", "trails_{index}.jpg"})
    BOOST_TEST(contains(printed.out, part), part << " in\n" << printed.out);
  const auto ran =
      run_nightstack({"stack", "--method", "max", "--timelapse", (directory.path() / "tl").string(),
                      "--every", "2", "--timelapse-format", "tiff", "--report", "none", "--fits",
                      (directory.path() / "s.fits").string(), (directory.path() / "frames").string()});
  BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.err);
  for (const char* name : {"trails_0001.tif", "trails_0002.tif", "trails_0003.tif"})
    BOOST_TEST(fs::exists(directory.path() / "tl" / name), name);
  BOOST_TEST(!fs::exists(directory.path() / "tl" / "trails_0004.tif"));
  const auto refused =
      run_nightstack({"stack", "--method", "median", "--comet-fade", "0.9", "--fits",
                      (directory.path() / "m.fits").string(), (directory.path() / "frames").string()});
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(contains(refused.err, "--comet-fade"), refused.err);
}

BOOST_AUTO_TEST_CASE(video_made_by_ffmpeg_when_asked, *NeedsOutsideTool()) {
  require_program("ffmpeg", "ffmpeg");
  const std::string ffprobe = require_program("ffprobe", "ffmpeg");
  TemporaryDirectory directory;
  write_moving_star(directory.path() / "frames", 5);
  const fs::path video = directory.path() / "tl" / "trails.mp4";
  const auto made = run_nightstack(
      {"stack", "--method", "max", "--timelapse", (directory.path() / "tl").string(), "--video", "--report",
       "none", "--fits", (directory.path() / "s.fits").string(), (directory.path() / "frames").string()});
  BOOST_TEST_REQUIRE(made.exit_code == 0, made.err);
  BOOST_TEST(contains(made.err, "video " + video.string() + " made by: ffmpeg"), made.err);
  BOOST_TEST(!fs::exists(video.string() + ".partial"));
  // One video frame per image of the sequence (40x12 padded to even sizes: 40x12).
  const auto probed =
      run_command({ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                   "stream=nb_read_frames,width,height,codec_name", "-of", "default=nw=1", video.string()});
  BOOST_TEST_REQUIRE(probed.exit_code == 0, probed.err);
  BOOST_TEST(contains(probed.out, "codec_name=h264"), probed.out);
  BOOST_TEST(contains(probed.out, "nb_read_frames=5"), probed.out);
  BOOST_TEST(contains(probed.out, "width=40"), probed.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flash_frames)

BOOST_AUTO_TEST_CASE(a_flash_is_left_out_and_named_but_a_slow_dawn_is_not) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  std::mt19937 generator(3);
  std::normal_distribution<double> noise(0.0, 0.002);
  const int count = 11, flash = 6;
  for (int index = 0; index < count; ++index) {
    // The sky brightens slowly all along (dawn: 0.03 to 0.08), and frame 6 has headlights below.
    ImageD frame(width, height, 1);
    for (auto& value : frame.samples()) value = 0.03 + 0.005 * index + noise(generator);
    if (index == flash)
      for (int row = height / 2; row < height; ++row)
        for (int column = 0; column < width; ++column) frame.at(0, row, column) = 0.6;
    write_reference_fits(
        frames / ("f" + std::string(index < 9 ? "0" : "") + std::to_string(index + 1) + ".fits"), frame, -32);
  }
  const fs::path config = directory.path() / "flash.yaml", output = directory.path() / "max.fits";
  write_config(config, ingest(frames, "    reject_flashes: 5\n") +
                           "  - id: trails\n    type: stack\n    input: lights\n    method: max\n"
                           "  - id: out\n    type: write\n    input: trails\n    fits: " +
                           output.string() + "\n");
  const fs::path report = directory.path() / "report";
  const auto result = run_nightstack({"run", config.string(), "--report", report.string(), "--threads", "2"});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  const std::string flash_name = "f07.fits";
  BOOST_TEST(contains(result.err, "leaving out " + (frames / flash_name).string()), result.err);
  BOOST_TEST(contains(result.err, "above its neighbours'"), result.err);
  BOOST_TEST(contains(result.out, "10 frames"), result.out);
  BOOST_TEST(contains(result.out, "1 frames rejected"), result.out);
  const std::string json = file_text(report.string() + ".json");
  BOOST_TEST(contains(json, "above its neighbours'"), json);
  const ImageD stacked = read_reference_fits(output);
  for (double value : stacked.samples()) BOOST_TEST(value < 0.2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(foreground_blend)

BOOST_AUTO_TEST_CASE(weights_from_a_horizon_and_feathering) {
  // Sky 0.1 over a landscape of 0.01 whose top edge is row 8 on the left half and row 10 on the right.
  ImageD image(20, 16, 1, 0.1);
  for (int column = 0; column < 20; ++column)
    for (int row = column < 10 ? 8 : 10; row < 16; ++row) image.at(0, row, column) = 0.01;
  BrightnessHorizon horizon;
  const SkyWeights found = horizon_by_brightness(image, horizon);
  BOOST_TEST(horizon.level_used > 0.01);
  BOOST_TEST(horizon.level_used < 0.1);
  for (int row = 0; row < 16; ++row)
    for (int column = 0; column < 20; ++column) {
      // The running median across columns may move the step by a column at most.
      if (column == 9 || column == 10) continue;
      const bool ground = row >= (column < 10 ? 8 : 10);
      BOOST_TEST(found[static_cast<std::size_t>(row) * 20 + column] == (ground ? 0.0 : 1.0),
                 "row " << row << " column " << column);
    }
  // No higher than asked: a quarter of the height, 4 rows.
  BrightnessHorizon capped{std::nullopt, 0.25, 0};
  const SkyWeights low = horizon_by_brightness(image, capped);
  for (int row = 0; row < 16; ++row)
    BOOST_TEST(low[static_cast<std::size_t>(row) * 20 + 2] == (row >= 12 ? 0.0 : 1.0));
  SkyWeights level = horizon_at_height(20, 16, 0.25);
  BOOST_TEST(level[11 * 20] == 1.0);
  BOOST_TEST(level[12 * 20] == 0.0);
  feather(level, 20, 16, 2);
  // A tent across the edge: far from it unchanged, across it falling steadily, symmetric about it.
  BOOST_TEST(level[5 * 20 + 3] == 1.0, boost::test_tools::tolerance(1e-12));
  for (int row = 8; row < 15; ++row) BOOST_TEST(level[row * 20 + 3] >= level[(row + 1) * 20 + 3]);
  BOOST_TEST(level[11 * 20 + 3] + level[12 * 20 + 3] == 1.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(landscape_from_the_mean_sky_from_the_max) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "frames";
  fs::create_directories(frames);
  // Sky 0.1 with a star moving along row 2; landscape rows 9-11 at 0.01, lit by a car in frame 2.
  std::vector<ImageD> inputs;
  for (int index = 0; index < 5; ++index) {
    ImageD frame(width, height, 1, 0.1);
    for (int row = 9; row < height; ++row)
      for (int column = 0; column < width; ++column) frame.at(0, row, column) = 0.01 + 0.001 * index;
    frame.at(0, 2, 5 + 4 * index) = 0.9;
    if (index == 2) frame.at(0, 10, 20) = 0.7;
    write_reference_fits(frames / ("f" + std::to_string(index + 1) + ".fits"), frame, -32);
    inputs.push_back(frame);
  }
  const fs::path config = directory.path() / "blend.yaml", output = directory.path() / "blend.fits";
  auto write_blend = [&](const std::string& how) {
    write_config(config, ingest(frames) +
                             "  - id: trails\n    type: stack\n    input: lights\n    method: max\n"
                             "  - id: ground\n    type: stack\n    input: lights\n    method: mean\n"
                             "  - id: both\n    type: blend\n    input: [trails, ground]\n    feather: 0\n" +
                             how + "  - id: out\n    type: write\n    input: both\n    fits: " +
                             output.string() + "\n");
  };
  auto check = [&](const ImageD& blended) {
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        double maximum = -1, sum = 0;
        for (const auto& input : inputs) {
          maximum = std::max(maximum, input.at(0, row, column));
          sum += input.at(0, row, column);
        }
        const double expected = row >= 9 ? sum / 5 : maximum;
        BOOST_TEST(blended.at(0, row, column) == expected, boost::test_tools::tolerance(1e-6));
      }
  };
  for (const std::string how : {"", "    horizon: height\n    horizon_height: 0.25\n"}) {
    write_blend(how);
    const auto result = run(config);
    BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
    check(read_reference_fits(output));
  }
  // A mask file: white sky above row 9.
  ImageD mask(width, height, 1, 65535.0);
  for (int row = 9; row < height; ++row)
    for (int column = 0; column < width; ++column) mask.at(0, row, column) = 0;
  write_reference_fits(directory.path() / "mask.fits", mask, 16);
  write_blend("    mask: " + (directory.path() / "mask.fits").string() + "\n");
  auto result = run(config);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  check(read_reference_fits(output));
  // One input where two are needed; a mask of another size.
  write_config(config, ingest(frames) +
                           "  - id: trails\n    type: stack\n    input: lights\n    method: max\n"
                           "  - id: both\n    type: blend\n    input: trails\n"
                           "  - id: out\n    type: write\n    input: both\n    fits: " +
                           output.string() + "\n");
  result = run_nightstack({"validate", config.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "takes 2 inputs, in this order: sky, foreground"), result.err);
  // A sequence cannot be blended; a mask that is not there is named before any frame is read.
  write_config(config, ingest(frames) +
                           "  - id: growing\n    type: timelapse\n    input: lights\n"
                           "  - id: ground\n    type: stack\n    input: lights\n    method: mean\n"
                           "  - id: both\n    type: blend\n    input: [growing, ground]\n"
                           "  - id: out\n    type: write\n    input: both\n    fits: " +
                           (directory.path() / "b_{index}.fits").string() + "\n");
  result = run_nightstack({"validate", config.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "combines single images, but its input 'growing' gives a sequence"),
             result.err);
  write_blend("    mask: " + (directory.path() / "no-such-mask.png").string() + "\n");
  result = run_nightstack({"validate", config.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "no-such-mask.png is not a file"), result.err);
  fs::remove(directory.path() / "mask.fits");
  write_reference_fits(directory.path() / "mask.fits", ImageD(5, 5, 1, 0.0), 16);
  write_blend("    mask: " + (directory.path() / "mask.fits").string() + "\n");
  result = run(config);
  BOOST_TEST(result.exit_code != 0);
  BOOST_TEST(contains(result.err, "mask.fits"), result.err);
  BOOST_TEST(contains(result.err, "is 5x5"), result.err);
}

BOOST_AUTO_TEST_SUITE_END()
