// The shipped calibration configs (configs/raw-session.yaml, configs/startrails-darks.yaml) run by
// the real binary on a RAW session generated here as DNG files: a known bias, dark current, hot
// pixels, vignetting and per-colour sky and flat levels. The calibrated, demosaiced stack must
// match the truth within the noise, and the hot pixels that trail in an uncalibrated max stack
// must be gone.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "imaging/bayer.hpp"
#include "tests/support/dng_writer.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;
constexpr int width = 48, height = 40;
constexpr double noise = 3.0;      // ADU per frame
constexpr double exposure = 30.0;  // seconds, lights and darks
constexpr double full_scale = 65535.0;
const BayerPattern pattern = *BayerPattern::parse("RGGB");
const double sky_level[3] = {900, 1500, 1100};  // per colour, before vignetting
const double flat_level[3] = {12000, 20000, 15000};
// A red, a green and a blue pixel that are hot, far from each other and from the border.
const std::vector<std::pair<int, int>> hot_pixels = {{10, 12}, {20, 31}, {29, 17}};

double bias_at(int row, int column) { return 600 + 6 * std::cos(column * 0.4) + 0.2 * row; }
double vignetting_at(int row, int column) {
  const double dy = (row - height / 2.0) / height, dx = (column - width / 2.0) / width;
  return 1.0 - 1.1 * (dx * dx + dy * dy);
}
bool is_hot(int row, int column) {
  for (auto [hot_row, hot_column] : hot_pixels)
    if (hot_row == row && hot_column == column) return true;
  return false;
}
double dark_at(int row, int column, double seconds) { return (is_hot(row, column) ? 150.0 : 2.0) * seconds; }

class RawSession {
 public:
  RawSession() {
    write("biases", 5, 1.0 / 4000, [](int row, int column, int) { return bias_at(row, column); });
    write("darks", 5, exposure,
          [](int row, int column, int) { return bias_at(row, column) + dark_at(row, column, exposure); });
    write("flats", 5, 0.01, [](int row, int column, int index) {
      return bias_at(row, column) +
             (1.0 + 0.05 * index) * flat_level[pattern.channel_at(row, column)] * vignetting_at(row, column);
    });
    write("lights", 3, exposure, [](int row, int column, int) {
      return bias_at(row, column) + dark_at(row, column, exposure) +
             sky_level[pattern.channel_at(row, column)] * vignetting_at(row, column);
    });
  }
  fs::path path(const std::string& part) const { return directory_.path() / part; }
  std::string folder(const std::string& kind) const { return "[" + path(kind).string() + "]"; }

  // The calibrated value of colour c: the sky divided by the flat normalized to its mean, whose
  // vignetting cancels: sky_c * mean(flat) / flat_c, relative to full scale.
  static double truth(int channel) {
    double flat_sum = 0;
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column)
        flat_sum += flat_level[pattern.channel_at(row, column)] * vignetting_at(row, column);
    const double flat_mean = flat_sum / (width * height);
    return sky_level[channel] * flat_mean / flat_level[channel] / full_scale;
  }

 private:
  template <class Model>
  void write(const std::string& kind, int count, double seconds, Model model) {
    fs::create_directories(path(kind));
    std::normal_distribution<double> gaussian(0.0, noise);
    for (int index = 0; index < count; ++index) {
      DngSettings settings;
      settings.mosaic = PlanarImage<std::uint16_t>(width, height, 1);
      for (int row = 0; row < height; ++row)
        for (int column = 0; column < width; ++column)
          settings.mosaic.at(0, row, column) =
              static_cast<std::uint16_t>(std::lround(model(row, column, index) + gaussian(random_)));
      settings.cfa_pattern = pattern.name();
      settings.exposure_seconds = seconds;
      settings.iso = 800;
      write_test_dng(path(kind) / (kind + "_" + std::to_string(index) + ".dng"), settings);
    }
    // Folders hold notes too; they are skipped with a warning.
    std::ofstream(path(kind) / "notes.txt") << "taken with the lens capped\n";
  }

  TemporaryDirectory directory_;
  std::mt19937 random_{42};
};

CommandResult run_config(const std::string& config, const RawSession& session,
                         std::vector<std::string> settings) {
  std::vector<std::string> arguments{
      "run",   (source_directory / "configs" / config).string(),
      "--set", "lights.paths=" + session.folder("lights"),
      "--set", "calibrated.masters_directory=" + session.path("masters").string()};
  for (auto& setting : settings) arguments.insert(arguments.end(), {"--set", setting});
  return run_nightstack(arguments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(calibration_end_to_end)

BOOST_AUTO_TEST_CASE(raw_session_config_matches_the_truth_and_reuses_its_masters) {
  RawSession session;
  const auto fits = session.path("sky.fits");
  const std::vector<std::string> settings{
      "calibrated.bias=" + session.folder("biases"), "calibrated.darks=" + session.folder("darks"),
      "calibrated.flats=" + session.folder("flats"), "sky_fits.fits=" + fits.string(),
      "sky_display.tiff=" + session.path("sky.tif").string()};
  auto result = run_config("raw-session.yaml", session, settings);
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  BOOST_TEST(result.err.find("building master flat from 5 frames") != std::string::npos);
  BOOST_TEST(result.err.find("notes.txt") != std::string::npos);

  std::vector<std::string> cards;
  const ImageD stacked = read_reference_fits(fits, &cards);
  BOOST_TEST_REQUIRE(stacked.channels() == 3);
  BOOST_TEST_REQUIRE(stacked.width() == width);
  // The first card of the long CALIBRAT string (it continues over CONTINUE cards).
  BOOST_TEST(header_value(cards, "CALIBRAT").find("bias master (5 frames) subtracted; dark 30 s") !=
             std::string::npos);
  BOOST_TEST(header_value(cards, "COLORPRC").find("Malvar-He-Cutler") != std::string::npos);
  double squared = 0, largest = 0;
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        const double error = (stacked.at(channel, row, column) - RawSession::truth(channel)) * full_scale;
        squared += error * error;
        largest = std::max(largest, std::abs(error));
      }
  const double rms = std::sqrt(squared / (3.0 * width * height));
  BOOST_TEST_MESSAGE("raw session: rms " << rms << " ADU, largest " << largest << " ADU");
  // One frame's noise is 3 ADU, divided by the flat (about 0.5-1.1) and averaged over 3 frames.
  BOOST_TEST(rms < 4.0);
  BOOST_TEST(largest < 25.0);

  // The second run reuses every master.
  auto again = run_config("raw-session.yaml", session, settings);
  BOOST_TEST_REQUIRE(again.exit_code == 0);
  BOOST_TEST(again.err.find("building") == std::string::npos);
  for (const char* kind : {"bias", "dark", "flat"})
    BOOST_TEST(again.err.find(std::string("reusing master ") + kind) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(startrails_with_darks_has_no_hot_pixel_trails) {
  RawSession session;
  const auto calibrated_fits = session.path("trails.fits");
  auto result = run_config(
      "startrails-darks.yaml", session,
      {"calibrated.darks=" + session.folder("darks"), "trails_fits.fits=" + calibrated_fits.string(),
       "trails_display.tiff=" + session.path("trails.tif").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);

  // The same frames without calibration, for comparison: the hot pixels must show there.
  const auto uncalibrated_config = session.path("uncalibrated.yaml");
  const auto uncalibrated_fits = session.path("uncalibrated.fits");
  std::ofstream(uncalibrated_config) << "stages:\n"
                                     << "  - {id: lights, type: ingest, paths: " << session.folder("lights")
                                     << ", raw_mode: cfa}\n"
                                     << "  - {id: colour, type: demosaic, input: lights}\n"
                                     << "  - {id: linear, type: linearize, input: colour, transfer: linear}\n"
                                     << "  - {id: trails, type: stack, input: linear, method: max}\n"
                                     << "  - {id: out, type: write, input: trails, fits: "
                                     << uncalibrated_fits.string() << "}\n";
  auto plain = run_nightstack({"run", uncalibrated_config.string(), "--quiet"});
  BOOST_TEST_INFO(plain.err);
  BOOST_TEST_REQUIRE(plain.exit_code == 0);

  const ImageD calibrated = read_reference_fits(calibrated_fits);
  const ImageD uncalibrated = read_reference_fits(uncalibrated_fits);
  // Without flats the sky keeps its vignetting; the darks take away the bias and dark current.
  for (auto [row, column] : hot_pixels) {
    const int channel = pattern.channel_at(row, column);
    const double sky = sky_level[channel] * vignetting_at(row, column);
    const double hot_before = uncalibrated.at(channel, row, column) * full_scale - sky;
    const double hot_after = calibrated.at(channel, row, column) * full_scale - sky;
    BOOST_TEST_MESSAGE("hot pixel " << row << "," << column << ": " << hot_before
                                    << " ADU above the sky before, " << hot_after << " after");
    BOOST_TEST(hot_before > 4000.0);
    BOOST_TEST(std::abs(hot_after) < 20.0);
    // Its neighbours in the other colours are clean too (demosaicing spreads an uncorrected hot pixel).
    for (int other = 0; other < 3; ++other) {
      const double level = sky_level[other] * vignetting_at(row, column);
      BOOST_TEST(std::abs(calibrated.at(other, row, column) * full_scale - level) < 25.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(lights_read_as_rgb_are_refused_with_advice) {
  RawSession session;
  auto result = run_config("startrails-darks.yaml", session,
                           {"calibrated.darks=" + session.folder("darks"), "lights.raw_mode=rgb",
                            "trails_fits.fits=" + session.path("t.fits").string(),
                            "trails_display.tiff=" + session.path("t.tif").string()});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(result.err.find("lights_0.dng") != std::string::npos);
  BOOST_TEST(result.err.find("raw_mode: cfa") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
