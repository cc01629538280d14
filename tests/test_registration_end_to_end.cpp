// Registration through the binary: generated 16-bit frames with known shifts and rotations (one of
// them turned 180 degrees, one starless) registered and stacked, transforms checked against the
// truth in the report, stars of the stack on the reference's and as sharp; the real M27 and M94
// Bayer sequences registered into round single stars; option and placement errors.
#define BOOST_TEST_DYN_LINK
#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <fstream>

#include "imaging/star_detection.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const int width = 360, height = 280;

ImageF to_float(const ImageD& image) {
  ImageF result(image.width(), image.height(), image.channels());
  for (std::size_t i = 0; i < image.samples().size(); ++i)
    result.samples()[i] = static_cast<float>(image.samples()[i]);
  return result;
}

void write_frame(const fs::path& path, const ImageF& frame) {
  ImageD codes(frame.width(), frame.height(), frame.channels());
  for (std::size_t i = 0; i < codes.samples().size(); ++i)
    codes.samples()[i] = std::clamp(std::round(frame.samples()[i]), 0.0f, 65535.0f);
  write_reference_fits(path, codes, 16);
}

std::vector<Star> stars_of(const ImageF& image) {
  return detect_stars(luminance_for_detection(image, false), {}).stars;
}

// For each of the first `count` stars of `a`, the distance to the nearest star of `b`; their RMS.
double position_rms(const std::vector<Star>& a, const std::vector<Star>& b, std::size_t count,
                    std::size_t& paired) {
  double sum = 0;
  paired = 0;
  for (std::size_t i = 0; i < std::min(count, a.size()); ++i) {
    double best = 1.0;
    for (const Star& other : b) best = std::min(best, std::hypot(a[i].x - other.x, a[i].y - other.y));
    if (best < 1.0) {
      sum += best * best;
      ++paired;
    }
  }
  return paired ? std::sqrt(sum / static_cast<double>(paired)) : 1e9;
}

double grid_difference(const std::vector<double>& fitted, const Eigen::Matrix3d& truth) {
  Eigen::Matrix3d m;
  for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = fitted.at(static_cast<std::size_t>(i));
  double sum = 0;
  int count = 0;
  for (int y = 0; y <= height; y += height / 6)
    for (int x = 0; x <= width; x += width / 6) {
      const Eigen::Vector3d p = m * Eigen::Vector3d(x, y, 1), q = truth * Eigen::Vector3d(x, y, 1);
      sum += (p.head<2>() / p(2) - q.head<2>() / q(2)).squaredNorm();
      ++count;
    }
  return std::sqrt(sum / count);
}

std::vector<double> transform_of(const YAML::Node& frame) {
  std::vector<double> values;
  for (const auto& value : frame["transform"]) values.push_back(value.as<double>());
  return values;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registration_end_to_end)

BOOST_AUTO_TEST_CASE(generated_frames_register_to_their_true_transforms_and_stack_sharp) {
  TemporaryDirectory directory;
  const auto sky = random_star_field(220, -150, -150, width + 300, height + 300, 2500, 31);
  struct Pose {
    double dx, dy, degrees;
  };
  const std::vector<Pose> poses{{0, 0, 0}, {7.3, -4.6, 0.8}, {-11.2, 5.4, -1.2}, {3.5, 2.1, 180}};
  std::vector<Eigen::Matrix3d> truths;
  std::vector<std::string> arguments{"stack",       "--register",
                                     "--reference", "0",
                                     "--method",    "mean",
                                     "--fits",      (directory.path() / "stack.fits").string(),
                                     "--report",    (directory.path() / "report").string(),
                                     "--quiet"};
  FieldLook look;
  for (std::size_t i = 0; i < poses.size(); ++i) {
    truths.push_back(sky_to_frame(poses[i].dx, poses[i].dy, poses[i].degrees, width / 2.0, height / 2.0));
    look.seed = static_cast<std::uint32_t>(10 + i);
    const fs::path path = directory.path() / ("frame_" + std::to_string(i) + ".fits");
    write_frame(path, render_star_field(width, height, sky, truths.back(), look));
    arguments.push_back(path.string());
  }
  const fs::path starless = directory.path() / "frame_9_clouds.fits";
  write_frame(starless, render_star_field(width, height, {}, Eigen::Matrix3d::Identity(), look));
  arguments.push_back(starless.string());

  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  BOOST_TEST(contains(result.err, "frame_9_clouds.fits"), result.err);
  BOOST_TEST(contains(result.err, "stars found"), result.err);
  BOOST_TEST(contains(result.out, "stacked 4 frames (0 files skipped, 1 frames left out by registration)"),
             result.out);

  std::vector<std::string> cards;
  const ImageD stack = read_reference_fits(directory.path() / "stack.fits", &cards);
  BOOST_TEST(contains(header_value(cards, "NLEFTOUT"), "1"));

  const YAML::Node report = YAML::LoadFile((directory.path() / "report.json").string());
  const YAML::Node frames = report["sources"][0]["frames"];
  BOOST_TEST_REQUIRE(frames.size() == 5u);
  for (std::size_t i = 0; i < poses.size(); ++i) {
    BOOST_TEST(frames[i]["used"].as<bool>());
    const double error = grid_difference(transform_of(frames[i]), truths[i]);  // reference 0 is the identity
    BOOST_TEST_MESSAGE("frame " << i << ": " << error << " px RMS from the true transform");
    BOOST_TEST(error < 0.05, "frame " << i);
    BOOST_TEST(frames[i]["measurements"]["stars"].as<double>() > 50);
  }
  BOOST_TEST(!frames[4]["used"].as<bool>());
  // The HTML report shows the quality table and its plots over the sequence.
  const std::string html = file_text(directory.path() / "report.html");
  BOOST_TEST(contains(html, "<th>weighted_fwhm</th>"));
  BOOST_TEST(contains(html, "aria-label=\"fwhm per frame\""));
  BOOST_TEST(contains(frames[4]["rejection"].as<std::string>(), "not registered"));

  // The stack's stars sit where the reference frame has them, and are as sharp.
  look.noise = 0;
  const auto reference_stars = stars_of(render_star_field(width, height, sky, truths[0], look));
  const auto stacked_stars = stars_of(to_float(stack));
  std::size_t paired = 0;
  const double rms = position_rms(reference_stars, stacked_stars, 60, paired);
  BOOST_TEST(paired >= 50u);
  BOOST_TEST(rms < 0.1, rms);
  const double reference_fwhm = summarise_star_shapes(reference_stars).fwhm;
  const double stacked_fwhm = summarise_star_shapes(stacked_stars).fwhm;
  BOOST_TEST_MESSAGE("FWHM: reference " << reference_fwhm << " px, stack " << stacked_fwhm << " px");
  BOOST_TEST(stacked_fwhm < 1.1 * reference_fwhm);
  BOOST_TEST(summarise_star_shapes(stacked_stars).roundness > 0.85);

  // The same bits on one thread.
  arguments[7] = (directory.path() / "one_thread.fits").string();
  arguments.push_back("--threads");
  arguments.push_back("1");
  BOOST_TEST_REQUIRE(run_nightstack(arguments).exit_code == 0);
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "one_thread.fits"), stack));
}

BOOST_AUTO_TEST_CASE(crop_intersection_keeps_only_what_every_frame_covers) {
  TemporaryDirectory directory;
  const auto sky = random_star_field(200, -100, -100, width + 200, height + 200, 2500, 41);
  std::vector<std::string> arguments{"stack",           "--register",
                                     "--reference",     "0",
                                     "--crop",          "intersection",
                                     "--transform",     "shift",
                                     "--interpolation", "bicubic",
                                     "--method",        "mean",
                                     "--fits",          (directory.path() / "stack.fits").string(),
                                     "--report",        "none",
                                     "--quiet"};
  FieldLook look;
  for (int i = 0; i < 3; ++i) {
    const fs::path path = directory.path() / ("frame_" + std::to_string(i) + ".fits");
    write_frame(path, render_star_field(width, height, sky, sky_to_frame(-10.0 * i, 6.0 * i, 0, 0, 0), look));
    arguments.push_back(path.string());
  }
  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  const ImageD stack = read_reference_fits(directory.path() / "stack.fits");
  // Frame 2 is moved 20 px left and 12 px down: the common part is 340 x 268 pixel centres.
  BOOST_TEST(stack.width() == width - 20);
  BOOST_TEST(stack.height() == height - 12);
  for (double value : stack.samples()) BOOST_TEST_REQUIRE(std::isfinite(value));
}

BOOST_AUTO_TEST_CASE(quality_filters_leave_out_the_blurred_frames_and_the_star_cache_spares_a_decoding) {
  TemporaryDirectory directory;
  const auto sky = random_star_field(150, -50, -50, width + 100, height + 100, 2500, 51);
  const fs::path cache = directory.path() / "stars";
  std::vector<std::string> arguments{"stack",        "--register",
                                     "--keep-best",  "50",
                                     "--star-cache", cache.string(),
                                     "--method",     "mean",
                                     "--fits",       (directory.path() / "a.fits").string(),
                                     "--report",     (directory.path() / "report").string()};
  std::vector<fs::path> paths;
  for (int i = 0; i < 4; ++i) {
    FieldLook look;
    look.sigma = i % 2 ? 2.2 : 1.2;  // frames 1 and 3 blurred (seeing, focus)
    look.seed = static_cast<std::uint32_t>(60 + i);
    paths.push_back(directory.path() / ("frame_" + std::to_string(i) + ".fits"));
    write_frame(paths.back(), render_star_field(width, height, sky,
                                                sky_to_frame(2.0 * i, -1.5 * i, 0.3 * i, 180, 140), look));
    arguments.push_back(paths.back().string());
  }
  const auto first = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(first.exit_code == 0, first.err);
  const YAML::Node frames =
      YAML::LoadFile((directory.path() / "report.json").string())["sources"][0]["frames"];
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(frames[i]["used"].as<bool>() == (i % 2 == 0), "frame " << i);
    if (i % 2) BOOST_TEST(contains(frames[i]["rejection"].as<std::string>(), "keep_best"));
  }
  BOOST_TEST(!contains(first.err, "from the cache"));

  // Again with another method: every frame's stars come from the cache, and the frames stacked are
  // the same; a frame written anew is read again.
  arguments[9] = (directory.path() / "b.fits").string();
  arguments[7] = "median";
  const auto second = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(second.exit_code == 0, second.err);
  BOOST_TEST(contains(second.err, "stars of 4 of 4 frames from the cache"), second.err);
  fs::last_write_time(paths[2], fs::last_write_time(paths[2]) + std::chrono::seconds(5));
  arguments[9] = (directory.path() / "c.fits").string();
  const auto third = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(third.exit_code == 0, third.err);
  BOOST_TEST(contains(third.err, "stars of 3 of 4 frames from the cache"), third.err);
  // Stars from the cache and stars found again are the same stars: the same stack.
  BOOST_TEST(same_bits(read_reference_fits(directory.path() / "b.fits"),
                       read_reference_fits(directory.path() / "c.fits")));

  // A FWHM threshold instead: the blurred frames (FWHM 2.355 x 2.2 = 5.2 px) are left out, named.
  arguments[3] = "100";
  arguments.push_back("--max-fwhm");
  arguments.push_back("4");
  const auto fourth = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(fourth.exit_code == 0, fourth.err);
  BOOST_TEST(contains(fourth.err, "frame_1.fits: stage 'registered': FWHM 5."), fourth.err);
  BOOST_TEST(contains(fourth.err, "is above max_fwhm 4 px"), fourth.err);
  BOOST_TEST(contains(fourth.err, "frame_3.fits"), fourth.err);
  BOOST_TEST(!contains(fourth.err, "frame_2.fits: stage"), fourth.err);
}

BOOST_AUTO_TEST_CASE(registration_options_and_placement_are_checked) {
  TemporaryDirectory directory;
  const auto result =
      run_nightstack({"stack", "--transform", "affine", "--method", "mean", "--fits",
                      (directory.path() / "x.fits").string(), (directory.path() / "none.fits").string()});
  BOOST_TEST(result.exit_code != 0);
  BOOST_TEST(contains(result.err, "--transform is a registration option: add --register"), result.err);

  // On an undemosaiced mosaic the stage refuses, naming the file and the fix.
  const fs::path config = directory.path() / "cfa.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: frames, type: ingest, paths: ["
                        << NIGHTSTACK_SOURCE_DIR
                        << "/data/m27-bayer-fits/Light_1069.fits], bayer: cfa}\n"
                           "  - {id: aligned, type: register, input: frames}\n"
                           "  - {id: stack, type: stack, input: aligned, method: mean}\n"
                           "  - {id: out, type: write, input: stack, fits: "
                        << (directory.path() / "out.fits").string() << "}\n";
  const auto refused = run_nightstack({"run", config.string(), "--quiet"});
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(contains(refused.err, "place register after demosaic"), refused.err);
  BOOST_TEST(contains(refused.err, "Light_1069.fits"), refused.err);
}

BOOST_AUTO_TEST_CASE(real_bayer_sequences_register_into_round_single_stars) {
  for (const std::string folder : {"m27-bayer-fits", "m94-seestar-bayer-fits"}) {
    TemporaryDirectory directory;
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(fs::path(NIGHTSTACK_SOURCE_DIR) / "data" / folder))
      if (entry.path().extension() != ".txt") inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    std::vector<std::string> arguments{"stack",    "--register",
                                       "--method", "mean",
                                       "--fits",   (directory.path() / "stack.fits").string(),
                                       "--report", (directory.path() / "report").string(),
                                       "--quiet"};
    for (const auto& input : inputs) arguments.push_back(input.string());
    const auto result = run_nightstack(arguments);
    BOOST_TEST_REQUIRE(result.exit_code == 0, folder << ": " << result.err);
    const YAML::Node frames =
        YAML::LoadFile((directory.path() / "report.json").string())["sources"][0]["frames"];
    BOOST_TEST_REQUIRE(frames.size() == inputs.size());
    double best_fwhm = 1e9, roundest = 0;
    std::size_t reference = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      BOOST_TEST(frames[i]["used"].as<bool>(), folder << " frame " << i);
      best_fwhm = std::min(best_fwhm, frames[i]["measurements"]["fwhm"].as<double>());
      roundest = std::max(roundest, frames[i]["measurements"]["roundness"].as<double>());
      if (frames[i]["measurements"]["match_rms"].as<double>() == 0) reference = i;
    }
    // The reference frame alone, as the same pipeline reads it.
    const auto single =
        run_nightstack({"stack", "--method", "mean", "--fits", (directory.path() / "one.fits").string(),
                        "--report", "none", "--quiet", inputs[reference].string()});
    BOOST_TEST_REQUIRE(single.exit_code == 0, single.err);
    const auto reference_stars = stars_of(to_float(read_reference_fits(directory.path() / "one.fits")));
    const auto stacked_stars = stars_of(to_float(read_reference_fits(directory.path() / "stack.fits")));
    std::size_t paired = 0;
    const double rms = position_rms(reference_stars, stacked_stars, 40, paired);
    const auto shape = summarise_star_shapes(stacked_stars);
    BOOST_TEST_MESSAGE(folder << ": " << paired << " of 40 bright stars paired, " << rms
                              << " px RMS; FWHM best frame " << best_fwhm << ", stack " << shape.fwhm
                              << ", roundness " << shape.roundness << " (roundest frame " << roundest << ")");
    BOOST_TEST(paired >= 25u, folder);
    BOOST_TEST(rms < 0.25, folder);
    BOOST_TEST(shape.fwhm < 1.1 * best_fwhm, folder);
    // As round as the frames' stars (the Seestar's are elongated, about 0.62, in every frame).
    BOOST_TEST(shape.roundness > 0.95 * roundest, folder << " roundest frame " << roundest);
  }
}

BOOST_AUTO_TEST_SUITE_END()
