// Drizzle through the binary: generated 16-bit frames, undersampled, dithered and one of them
// turned, registered and drizzled x2 by `nightstack stack --register --drizzle 2`: a frame twice the
// size whose stars sit where the sky has them, the weight map written beside it as planned (the drop
// area per output pixel), the same bits on 1 and 2 threads; crop intersection; bad drizzle parameters
// and the runs that cannot write the weight map (shards, a resumed run) refused with a clear message.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "imaging/star_detection.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const int width = 160, height = 120;

void write_frame(const fs::path& path, const ImageF& frame) {
  ImageD codes(frame.width(), frame.height(), frame.channels());
  for (std::size_t i = 0; i < codes.samples().size(); ++i)
    codes.samples()[i] = std::clamp(std::round(frame.samples()[i]), 0.0f, 65535.0f);
  write_reference_fits(path, codes, 16);
}

ImageF to_float(const ImageD& image) {
  ImageF result(image.width(), image.height(), image.channels());
  for (std::size_t i = 0; i < image.samples().size(); ++i)
    result.samples()[i] = static_cast<float>(image.samples()[i]);
  return result;
}

// The sky of the generated frames; frame 0 sees it as it is, so it is the reference's pixel grid.
std::vector<FieldStar> dithered_sky() {
  return random_star_field(90, -40, -40, width + 80, height + 80, 4000, 5);
}

// Six dithered frames (sub-pixel shifts, one turned by a degree) of the sky, undersampled (stars of
// FWHM 1.2 px, the case drizzle is for); their paths.
std::vector<std::string> write_dithered_frames(const fs::path& directory) {
  const auto sky = dithered_sky();
  const double poses[6][3] = {{0, 0, 0},       {0.5, 0.25, 0},    {-0.25, 0.5, 0},
                              {1.75, -0.5, 0}, {-1.3, -1.6, 1.0}, {0.3, 1.2, -0.6}};
  std::vector<std::string> paths;
  for (int i = 0; i < 6; ++i) {
    FieldLook look;
    look.sigma = 1.2 / 2.3548;
    look.seed = static_cast<std::uint32_t>(60 + i);
    const fs::path path = directory / ("frame_" + std::to_string(i) + ".fits");
    write_frame(path,
                render_star_field(
                    width, height, sky,
                    sky_to_frame(poses[i][0], poses[i][1], poses[i][2], width / 2.0, height / 2.0), look));
    paths.push_back(path.string());
  }
  return paths;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(drizzle_end_to_end)

BOOST_AUTO_TEST_CASE(stack_register_drizzle_2_writes_a_frame_twice_the_size_and_its_weight_map) {
  TemporaryDirectory directory;
  const auto frames = write_dithered_frames(directory.path());
  auto run = [&](const std::string& name, const std::string& threads) {
    std::vector<std::string> arguments{"stack",
                                       "--register",
                                       "--reference",
                                       "0",
                                       "--drizzle",
                                       "2",
                                       "--pixfrac",
                                       "0.7",
                                       "--drizzle-weights",
                                       (directory.path() / name).string(),
                                       "--method",
                                       "mean",
                                       "--fits",
                                       (directory.path() / (name + ".fits")).string(),
                                       "--threads",
                                       threads,
                                       "--report",
                                       "none",
                                       "--quiet"};
    arguments.insert(arguments.end(), frames.begin(), frames.end());
    return run_nightstack(arguments);
  };
  const auto result = run("two", "2");
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  BOOST_TEST(contains(result.out, "two_drizzle_weights.fits"), result.out);

  std::vector<std::string> cards;
  const ImageD stack = read_reference_fits(directory.path() / "two.fits", &cards);
  BOOST_TEST(stack.width() == 2 * width);
  BOOST_TEST(stack.height() == 2 * height);
  BOOST_TEST(contains(header_value(cards, "CALIBRAT"), "drizzle x2, pixfrac 0.7"),
             header_value(cards, "CALIBRAT"));

  std::vector<std::string> weight_cards;
  const ImageD weights = read_reference_fits(directory.path() / "two_drizzle_weights.fits", &weight_cards);
  BOOST_TEST(weights.width() == 2 * width);
  BOOST_TEST(weights.height() == 2 * height);
  BOOST_TEST(weights.channels() == 1);
  BOOST_TEST(contains(header_value(weight_cards, "DRIZZLE"), "2"));
  BOOST_TEST(contains(header_value(weight_cards, "PIXFRAC"), "0.7"));
  BOOST_TEST(contains(header_value(weight_cards, "NCOMBINE"), "6"));
  // Drops of side 0.7 cover 0.49 of the plane: 6 x 0.49 output pixels on average where every frame
  // reaches (away from the edges), and at most 6 anywhere.
  double interior = 0, largest = 0;
  std::size_t count = 0;
  for (int row = 20; row < 2 * height - 20; ++row)
    for (int column = 20; column < 2 * width - 20; ++column) {
      interior += weights.at(0, row, column);
      largest = std::max(largest, weights.at(0, row, column));
      ++count;
    }
  BOOST_TEST(interior / static_cast<double>(count) == 6 * 0.49, boost::test_tools::tolerance(0.01));
  BOOST_TEST(largest <= 6.0);

  // The drizzled stack's stars where the sky has them (frame 0, the reference, sees the sky as it
  // is), closer than the reference frame's own undersampled stars are.
  auto rms_from_truth = [](const std::vector<Star>& found, double scale, std::size_t& paired) {
    double sum = 0;
    paired = 0;
    for (const Star& star : found) {
      // Output pixel (u, v) is centred on reference ((u + 0.5) / scale - 0.5, ...).
      const double x = (star.x + 0.5) / scale - 0.5, y = (star.y + 0.5) / scale - 0.5;
      double best = 1.0;
      for (const FieldStar& truth : dithered_sky())
        best = std::min(best, std::hypot(x - truth.x, y - truth.y));
      if (best < 1.0) {
        sum += best * best;
        ++paired;
      }
    }
    return paired ? std::sqrt(sum / static_cast<double>(paired)) : 1e9;
  };
  std::size_t paired = 0, reference_paired = 0;
  const double stacked_rms =
      rms_from_truth(detect_stars(luminance_for_detection(to_float(stack), false), {}).stars, 2, paired);
  const double reference_rms = rms_from_truth(
      detect_stars(luminance_for_detection(to_float(read_reference_fits(frames[0])), false), {}).stars, 1,
      reference_paired);
  BOOST_TEST_MESSAGE("star positions from the truth: drizzled stack "
                     << stacked_rms << " px RMS (" << paired << " stars), reference frame " << reference_rms
                     << " px RMS (" << reference_paired << ")");
  // Not nearer: the transforms come from the frames' undersampled stars, whose centroids lean
  // towards pixel centres (measured: 0.06-0.07 px RMS, scales 4-6e-4 short); the drizzle unit test
  // checks positions within 0.05 px with the true transforms.
  BOOST_TEST(paired >= 20u);
  BOOST_TEST(stacked_rms < 0.1);
  BOOST_TEST(stacked_rms < 0.75 * reference_rms);

  // The same bits on one thread, the stack and the weight map.
  BOOST_TEST_REQUIRE(run("one", "1").exit_code == 0);
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "one.fits"), stack));
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "one_drizzle_weights.fits"), weights));
}

BOOST_AUTO_TEST_CASE(crop_intersection_is_chosen_in_reference_pixels_and_drizzled) {
  // Whole drops (pixfrac 1) tile the plane, so the part every frame covers has no missing pixel.
  TemporaryDirectory directory;
  const auto frames = write_dithered_frames(directory.path());
  std::vector<std::string> arguments{
      "stack",    "--register",   "--reference", "0",    "--drizzle", "2",
      "--crop",   "intersection", "--method",    "mean", "--fits",    (directory.path() / "x2.fits").string(),
      "--report", "none"};
  arguments.insert(arguments.end(), frames.begin(), frames.end());
  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  // The log names the canvas in reference pixels and the drizzled size, twice it.
  const auto canvas_at = result.err.find("canvas ");
  BOOST_TEST_REQUIRE(canvas_at != std::string::npos, result.err);
  int canvas_width = 0, canvas_height = 0;
  BOOST_TEST_REQUIRE(
      std::sscanf(result.err.c_str() + canvas_at, "canvas %dx%d", &canvas_width, &canvas_height) == 2);
  BOOST_TEST(canvas_width < width);
  BOOST_TEST(canvas_width > width - 10);
  BOOST_TEST(contains(result.err, "frames of " + std::to_string(2 * canvas_width) + "x" +
                                      std::to_string(2 * canvas_height)),
             result.err);
  const ImageD stack = read_reference_fits(directory.path() / "x2.fits");
  BOOST_TEST(stack.width() == 2 * canvas_width);
  BOOST_TEST(stack.height() == 2 * canvas_height);
  BOOST_TEST(
      std::none_of(stack.samples().begin(), stack.samples().end(), [](double v) { return std::isnan(v); }));
}

BOOST_AUTO_TEST_CASE(bad_drizzle_parameters_are_refused_clearly) {
  TemporaryDirectory directory;
  const fs::path frame = directory.path() / "frame.fits";
  write_frame(frame, render_star_field(40, 30, {}, Eigen::Matrix3d::Identity(), FieldLook{}));
  auto run = [&](std::vector<std::string> options) {
    std::vector<std::string> arguments{"stack",  "--register", "--method",
                                       "mean",   "--fits",     (directory.path() / "out.fits").string(),
                                       "--quiet"};
    arguments.insert(arguments.end(), options.begin(), options.end());
    arguments.push_back(frame.string());
    return run_nightstack(arguments);
  };
  for (const auto& [options, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--drizzle", "2", "--pixfrac", "0"}, "pixfrac must be above 0"},
           {{"--drizzle", "2", "--pixfrac", "1.5"}, "pixfrac"},
           {{"--drizzle", "4"}, "drizzle"},
           {{"--drizzle", "0"}, "drizzle"},
           {{"--drizzle-weights", (directory.path() / "w").string()},
            "drizzle_weights needs drizzle: 2 or 3"}}) {
    const auto result = run(options);
    BOOST_TEST(result.exit_code != 0, options.front() << " " << options.back());
    BOOST_TEST(contains(result.err, expected), result.err);
    BOOST_TEST(!fs::exists(directory.path() / "out.fits"));
  }
  const auto out_of_range = run({"--drizzle", "4"});
  BOOST_TEST(contains(out_of_range.err, "[1, 3]"), out_of_range.err);
  const auto too_large = run({"--drizzle", "2", "--pixfrac", "1.5"});
  BOOST_TEST(contains(too_large.err, "[0, 1]"), too_large.err);

  // A shard sees part of the frames: its weight map would be partial, so it is refused.
  const fs::path config = directory.path() / "drizzle.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: frames, type: ingest, paths: ["
                        << frame.string()
                        << "]}\n"
                           "  - {id: aligned, type: register, input: frames, drizzle: 2, drizzle_weights: "
                        << (directory.path() / "w").string()
                        << "}\n"
                           "  - {id: stack, type: stack, input: aligned, method: mean}\n"
                           "  - {id: out, type: write, input: stack, fits: "
                        << (directory.path() / "out.fits").string() << "}\n";
  const auto sharded = run_nightstack({"run", config.string(), "--shard", "0/2", "--partial",
                                       (directory.path() / "part0").string(), "--quiet"});
  BOOST_TEST(sharded.exit_code != 0);
  BOOST_TEST(contains(sharded.err, "shards cannot split"), sharded.err);
}

BOOST_AUTO_TEST_CASE(a_resumed_run_cannot_finish_the_weight_map_and_is_refused) {
  // A run that stops at frame 3 of 6 leaves a checkpoint of frames 0-2; resumed, it would drizzle
  // frames 3-5 only into the weight map. To stop it there: the star cache spares the first pass
  // every decoding, then frame 3's header is broken with its size and time kept, so only the
  // stacking pass meets it.
  TemporaryDirectory directory;
  const auto frames = write_dithered_frames(directory.path());
  const fs::path config = directory.path() / "drizzle.yaml";
  {
    std::ofstream yaml(config);
    yaml << "stages:\n  - {id: frames, type: ingest, paths: [";
    for (std::size_t i = 0; i < frames.size(); ++i) yaml << (i ? ", " : "") << frames[i];
    yaml << "]}\n  - {id: aligned, type: register, input: frames, reference: 0, drizzle: 2, star_cache: "
         << (directory.path() / "stars").string()
         << ", drizzle_weights: " << (directory.path() / "w").string()
         << "}\n  - {id: stack, type: stack, input: aligned, method: mean, checkpoint: 1}\n"
            "  - {id: out, type: write, input: stack, fits: "
         << (directory.path() / "out.fits").string() << "}\n";
  }
  fs::create_directory(directory.path() / "stars");
  const std::vector<std::string> run{"run", config.string(), "--threads", "1", "--quiet", "--report", "none"};
  const auto first = run_nightstack(run);
  BOOST_TEST_REQUIRE(first.exit_code == 0, first.err);

  const fs::path broken = frames[3];
  const auto written = fs::last_write_time(broken);
  std::string bytes = file_text(broken);
  const auto bitpix = bytes.find("BITPIX  =                   16");
  BOOST_TEST_REQUIRE(bitpix != std::string::npos);
  bytes[bitpix + 29] = '7';  // BITPIX 17: no such type
  std::ofstream(broken, std::ios::binary) << bytes;
  fs::last_write_time(broken, written);
  const auto stopped = run_nightstack(run);
  BOOST_TEST_REQUIRE(stopped.exit_code != 0);
  BOOST_TEST(contains(stopped.err, "frame_3.fits"), stopped.err);

  std::vector<std::string> resume = run;
  resume.push_back("--resume");
  const auto refused = run_nightstack(resume);
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(contains(refused.err, "w_drizzle_weights.fits from every frame, which checkpoints do not keep"),
             refused.err);
}

BOOST_AUTO_TEST_SUITE_END()
