// The calibrate stage on generated FITS sessions with a known bias, dark current, hot pixels and
// vignetting: calibrated frames match the truth within the noise; dark scaling; the master cache;
// mismatches; sections, overscan and cosmetic correction on small frames with known answers.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "io/fits_reader.hpp"
#include "io/fits_writer.hpp"
#include "pipeline/errors.hpp"
#include "stages/cosmetic_correction.hpp"
#include "stages/image_section.hpp"
#include "stages/overscan.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int width = 40, height = 32;
constexpr double noise = 2.0;       // ADU, read noise of every frame
constexpr double dark_rate = 1.5;   // ADU per second, every pixel
constexpr double hot_rate = 120.0;  // ADU per second, hot pixels
const std::vector<std::pair<int, int>> hot_pixels = {{5, 7}, {20, 33}, {27, 12}};

double bias_at(int row, int column) { return 300 + 4 * std::sin(column * 0.5) + 0.1 * row; }
double vignetting_at(int row, int column) {
  const double dy = (row - height / 2.0) / height, dx = (column - width / 2.0) / width;
  return 1.0 - 1.2 * (dx * dx + dy * dy);
}
double sky_at(int row, int column) {
  return 800 + 10 * row + ((row - 12) * (row - 12) + (column - 25) * (column - 25) < 5 ? 2000 : 0);
}
bool is_hot(int row, int column) {
  for (auto [hot_row, hot_column] : hot_pixels)
    if (hot_row == row && hot_column == column) return true;
  return false;
}
double dark_current_at(int row, int column, double seconds) {
  return (is_hot(row, column) ? hot_rate : dark_rate) * seconds;
}

struct Session {
  TemporaryDirectory directory;
  std::mt19937 random{20261126};
  std::vector<std::string> paths(const std::string& kind, int count) const {
    std::vector<std::string> result;
    for (int index = 0; index < count; ++index)
      result.push_back((directory.path() / kind / (kind + "_" + std::to_string(index) + ".fits")).string());
    return result;
  }
  // Writes `count` frames of `kind` whose value at each pixel is `model` plus Gaussian noise.
  template <class Model>
  std::vector<std::string> write(const std::string& kind, int count, double seconds, Model model) {
    fs::create_directories(directory.path() / kind);
    std::normal_distribution<double> gaussian(0.0, noise);
    auto names = paths(kind, count);
    for (int index = 0; index < count; ++index) {
      ImageD pixels(width, height, 1);
      for (int row = 0; row < height; ++row)
        for (int column = 0; column < width; ++column)
          pixels.at(0, row, column) = model(index, row, column) + gaussian(random);
      Provenance cards;
      cards.set("EXPTIME", seconds, "");
      write_fits(names[index], pixels, cards, {});
    }
    return names;
  }
  std::vector<std::string> biases() {
    return write("bias", 7, 0.0, [](int, int row, int column) { return bias_at(row, column); });
  }
  std::vector<std::string> darks(double seconds, int count = 7) {
    return write("dark_" + std::to_string(static_cast<int>(seconds)), count, seconds,
                 [seconds](int, int row, int column) {
                   return bias_at(row, column) + dark_current_at(row, column, seconds);
                 });
  }
  // Flats at different lamp levels; their short exposure adds no dark current worth modelling.
  std::vector<std::string> flats() {
    return write("flat", 7, 0.01, [](int index, int row, int column) {
      return bias_at(row, column) + (20000 + 1500 * index) * vignetting_at(row, column);
    });
  }
  std::vector<std::string> lights(double seconds, int count = 2) {
    return write("light_" + std::to_string(static_cast<int>(seconds)), count, seconds,
                 [seconds](int, int row, int column) {
                   return bias_at(row, column) + dark_current_at(row, column, seconds) +
                          sky_at(row, column) * vignetting_at(row, column);
                 });
  }
};

double mean_vignetting() {
  double sum = 0;
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column) sum += vignetting_at(row, column);
  return sum / (width * height);
}

// The light read and calibrated by a stage as the runner would: prepare, then transform.
struct Calibrated {
  std::vector<Frame> frames;
  std::string log;
};

Calibrated calibrate(const std::vector<std::string>& lights,
                     std::map<std::string, ParameterValue> parameters) {
  auto stage = build_stage<FrameTransform>("calibrate", std::move(parameters));
  std::ostringstream log_text;
  Log log(log_text, false);
  stage->prepare(log);
  auto ingest = build_stage<FrameSource>("ingest", {{"paths", lights}});
  ingest->prepare(log);
  Calibrated result;
  for (std::size_t index = 0; index < ingest->frame_count(); ++index)
    result.frames.push_back(stage->transform(ingest->read_frame(index)));
  result.log = log_text.str();
  return result;
}

struct Errors {
  double rms = 0, largest = 0, largest_at_hot_pixels = 0;
};

// Against sky x mean vignetting: the flat is normalized to its mean, so that is what is left.
Errors compare_with_truth(const Frame& frame) {
  const double scale = mean_vignetting();
  Errors errors;
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column) {
      const double error = std::abs(frame.pixels.at(0, row, column) - sky_at(row, column) * scale);
      errors.rms += error * error;
      errors.largest = std::max(errors.largest, error);
      if (is_hot(row, column)) errors.largest_at_hot_pixels = std::max(errors.largest_at_hot_pixels, error);
    }
  errors.rms = std::sqrt(errors.rms / (width * height));
  return errors;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(calibration)

BOOST_AUTO_TEST_CASE(sections_use_fits_coordinates) {
  // BIASSEC of a8280271.fits: columns 4..13, every row of 520.
  auto section = parse_image_section("[   4:  13,   1: 520]", 536, 520);
  BOOST_TEST(section.first_column == 3);
  BOOST_TEST(section.end_column == 13);
  BOOST_TEST(section.first_row == 0);
  BOOST_TEST(section.end_row == 520);
  // FITS row 1 is the bottom row: rows 1..10 of 100 are frame rows 90..99.
  section = parse_image_section("[*,1:10]", 50, 100);
  BOOST_TEST(section.first_row == 90);
  BOOST_TEST(section.end_row == 100);
  BOOST_TEST(section.columns() == 50);
  BOOST_TEST(to_fits_section(section, 100) == "[1:50,1:10]");
  for (const char* bad : {"4:13,1:520", "[4:13]", "[13:4,1:5]", "[1:600,1:5]", "[a:3,1:5]", "[0:3,1:5]"})
    BOOST_CHECK_THROW(parse_image_section(bad, 536, 520), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(overscan_is_subtracted_per_row_then_the_frame_is_trimmed) {
  Frame frame;
  frame.pixels = ImageF(6, 3, 1);
  // Columns 0-1 are overscan: per row levels 10 (median of 9, 11), 20, 31 (mean would be 32).
  const float rows[3][6] = {{9, 11, 50, 51, 52, 53}, {20, 20, 60, 61, 62, 63}, {30, 32, 70, 71, 72, 73}};
  for (int row = 0; row < 3; ++row)
    for (int column = 0; column < 6; ++column) frame.pixels.at(0, row, column) = rows[row][column];
  subtract_overscan(frame.pixels, parse_image_section("[1:2,1:3]", 6, 3), OverscanCombine::median,
                    OverscanAxis::row);
  frame.info.cfa_pattern = "RGGB";
  trim_frame(frame, parse_image_section("[3:6,1:2]", 6, 3));  // FITS rows 1-2: frame rows 1-2
  BOOST_TEST(frame.pixels.width() == 4);
  BOOST_TEST(frame.pixels.height() == 2);
  BOOST_TEST(frame.pixels.at(0, 0, 0) == 40.0f);  // 60 - 20
  BOOST_TEST(frame.pixels.at(0, 1, 3) == 42.0f);  // 73 - 31
  BOOST_TEST(frame.info.cfa_pattern == "GBRG");   // origin moved one row (and two columns)
}

BOOST_AUTO_TEST_CASE(cosmetic_repair_uses_neighbours_of_the_same_colour) {
  // An RGGB mosaic with very different colour levels: a hot red pixel must come back to the red level.
  const auto pattern = BayerPattern::parse("RGGB");
  ImageF mosaic(8, 8, 1);
  const float level[3] = {100, 500, 900};
  for (int row = 0; row < 8; ++row)
    for (int column = 0; column < 8; ++column)
      mosaic.at(0, row, column) =
          level[pattern->channel_at(row, column)] + static_cast<float>((row * 3 + column) % 5);
  ImageF dark(8, 8, 1, 1.0f);
  dark.at(0, 4, 4) = 60000;  // red position
  dark.at(0, 3, 4) = -200;   // green position, cold
  const auto defects = find_defects_in_dark(dark, pattern, 5.0, 5.0);
  BOOST_TEST(count_defects(defects) == 2u);
  BOOST_TEST(count_defects(find_defects_in_dark(dark, pattern, 5.0, std::nullopt)) == 1u);
  mosaic.at(0, 4, 4) = 60000;
  mosaic.at(0, 3, 4) = 0;
  BOOST_TEST(repair_defects(mosaic, defects, pattern) == 2u);
  // Red neighbours two pixels away: values 100 + (row*3+column)%5 at rows 2,4,6 and columns 2,4,6.
  std::vector<float> red;
  for (int row : {2, 4, 6})
    for (int column : {2, 4, 6})
      if (row != 4 || column != 4) red.push_back(100 + static_cast<float>((row * 3 + column) % 5));
  std::sort(red.begin(), red.end());
  BOOST_TEST(mosaic.at(0, 4, 4) == (red[3] + red[4]) / 2);
  BOOST_TEST(std::abs(mosaic.at(0, 3, 4) - 502) <= 2.0f);

  // Found in the frame itself, without a dark.
  ImageF frame(8, 8, 1);
  for (int row = 0; row < 8; ++row)
    for (int column = 0; column < 8; ++column)
      frame.at(0, row, column) =
          level[pattern->channel_at(row, column)] + static_cast<float>((row + column) % 3);
  frame.at(0, 5, 2) = 5000;
  const auto found = find_defects_in_frame(frame, pattern, 8.0, std::nullopt);
  BOOST_TEST(count_defects(found) == 1u);
  BOOST_TEST(found[5 * 8 + 2] == 1);
}

BOOST_AUTO_TEST_CASE(a_full_session_matches_the_truth_within_the_noise) {
  Session session;
  const auto lights = session.lights(30);
  const auto masters = session.directory.path() / "masters";
  auto result = calibrate(lights, {{"bias", session.biases()},
                                   {"darks", session.darks(30)},
                                   {"flats", session.flats()},
                                   {"masters_directory", masters.string()}});
  for (const auto& frame : result.frames) {
    const auto errors = compare_with_truth(frame);
    BOOST_TEST_MESSAGE("rms " << errors.rms << ", largest " << errors.largest << ", at hot pixels "
                              << errors.largest_at_hot_pixels);
    // Light noise 2 ADU, masters of 7 frames add ~1 ADU, the flat divides by up to ~1.4.
    BOOST_TEST(errors.rms < 3.5);
    BOOST_TEST(errors.largest < 6 * 3.5);
    BOOST_TEST(errors.largest_at_hot_pixels < 6 * 3.5);
    BOOST_TEST(contains(frame.info.calibration, "dark 30 s master (7 frames) subtracted"));
  }
  // Without calibration the same frame is off by the bias and dark, more at the corners (vignetting).
  Calibrated raw = calibrate(lights, {{"bias_level", 0.0}});
  BOOST_TEST(compare_with_truth(raw.frames[0]).largest_at_hot_pixels > 3000);

  // The masters carry their provenance.
  std::vector<std::string> cards;
  read_reference_fits(masters / "under_test-dark.fits", &cards);
  BOOST_TEST(header_value(cards, "NCOMBINE").find("7") != std::string::npos);
  BOOST_TEST(header_value(cards, "IMAGETYP").find("Master Dark") != std::string::npos);
  BOOST_TEST(header_value(cards, "EXPTIME").find("30") != std::string::npos);
  BOOST_TEST(header_value(cards, "STACKMTH").find("median") != std::string::npos);
  BOOST_TEST(header_value(cards, "MASTKEY").size() > 64);
}

BOOST_AUTO_TEST_CASE(darks_of_another_exposure_are_scaled_or_refused) {
  Session session;
  const auto lights = session.lights(60);
  const auto biases = session.biases();
  const auto darks = session.darks(30);
  const auto masters = (session.directory.path() / "masters").string();
  for (const char* scaling : {"exposure", "optimize"}) {
    auto result = calibrate(lights, {{"bias", biases},
                                     {"darks", darks},
                                     {"dark_scaling", std::string(scaling)},
                                     {"masters_directory", masters}});
    // No flat here: the truth is the vignetted sky.
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        const double expected = sky_at(row, column) * vignetting_at(row, column);
        BOOST_TEST(std::abs(result.frames[0].pixels.at(0, row, column) - expected) < 16.0,
                   scaling << " at " << row << "," << column);
      }
  }
  try {
    calibrate(lights, {{"bias", biases}, {"darks", darks}, {"masters_directory", masters}});
    BOOST_FAIL("darks of 30 s were subtracted from lights of 60 s without scaling");
  } catch (const InputError& error) {
    BOOST_TEST(contains(error.what(), lights[0]));
    BOOST_TEST(contains(error.what(), "dark_scaling: exposure"));
  }
}

BOOST_AUTO_TEST_CASE(masters_are_reused_until_their_frames_change) {
  Session session;
  const auto lights = session.lights(30, 1);
  auto darks = session.darks(30, 4);
  const auto masters = (session.directory.path() / "masters").string();
  const auto master_file = fs::path(masters) / "under_test-dark.fits";
  std::map<std::string, ParameterValue> parameters{
      {"bias_level", 0.0}, {"darks", darks}, {"masters_directory", masters}};

  auto first = calibrate(lights, parameters);
  BOOST_TEST(contains(first.log, "building master dark from 4 frames (no master yet)"));
  const auto key = FitsReader().read(master_file).info.header_keys.at("MASTKEY");
  const auto written = fs::last_write_time(master_file);

  auto second = calibrate(lights, parameters);
  BOOST_TEST(contains(second.log, "reusing master dark"));
  BOOST_TEST(!contains(second.log, "building"));
  BOOST_TEST((fs::last_write_time(master_file) == written));
  BOOST_TEST(second.frames[0].pixels.samples() == first.frames[0].pixels.samples());

  darks.pop_back();
  parameters["darks"] = darks;
  auto third = calibrate(lights, parameters);
  BOOST_TEST(contains(third.log, "building master dark from 3 frames (its frames or parameters changed"));
  BOOST_TEST(FitsReader().read(master_file).info.header_keys.at("MASTKEY") != key);

  parameters["master_method"] = std::string("sigma_clip");
  BOOST_TEST(contains(calibrate(lights, parameters).log, "building master dark"));
}

BOOST_AUTO_TEST_CASE(a_ready_master_is_used_as_it_is) {
  Session session;
  const auto lights = session.lights(30, 1);
  // A master dark made elsewhere, in float FITS: the bias and dark current exactly.
  ImageD dark(width, height, 1);
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column)
      dark.at(0, row, column) = bias_at(row, column) + dark_current_at(row, column, 30);
  Provenance cards;
  cards.set("IMAGETYP", std::string("Master Dark"), "");
  cards.set("EXPTIME", 30.0, "");
  const auto master = session.directory.path() / "master_dark.fits";
  write_fits(master, dark, cards, {});
  const auto masters = session.directory.path() / "masters";
  auto result = calibrate(lights, {{"darks", std::vector<std::string>{master.string()}},
                                   {"masters_directory", masters.string()}});
  BOOST_TEST(contains(result.log, "using " + master.string() + " as the master dark as it is"));
  BOOST_TEST(!fs::exists(masters));
  // What is left is the vignetted sky and the light's own noise.
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column)
      BOOST_TEST(std::abs(result.frames[0].pixels.at(0, row, column) -
                          sky_at(row, column) * vignetting_at(row, column)) < 6 * noise);
}

BOOST_AUTO_TEST_CASE(cosmetic_correction_from_the_master_dark_removes_hot_pixels_without_subtracting_it) {
  Session session;
  const auto lights = session.lights(30, 1);
  const auto darks = session.darks(30);
  // Only the hot pixels are repaired here, so compare them with their neighbourhood.
  auto stage_result = calibrate(lights, {{"bias_level", 0.0},
                                         {"darks", darks},
                                         {"cosmetic", std::string("dark")},
                                         {"masters_directory", (session.directory.path() / "m").string()}});
  BOOST_TEST(
      contains(stage_result.frames[0].info.calibration, "3 hot/cold pixels from the master dark repaired"));
  for (auto [row, column] : hot_pixels) {
    const double neighbour = stage_result.frames[0].pixels.at(0, row, column + 1);
    BOOST_TEST(std::abs(stage_result.frames[0].pixels.at(0, row, column) - neighbour) < 60.0);
  }
}

BOOST_AUTO_TEST_CASE(cosmetic_correction_per_frame_removes_hot_pixels_and_spares_the_star) {
  Session session;
  const auto lights = session.lights(30, 1);
  auto result = calibrate(lights, {{"bias_level", 0.0}, {"cosmetic", std::string("frame")}});
  auto plain = calibrate(lights, {{"bias_level", 0.0}});
  std::size_t changed = 0;
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column) {
      const float before = plain.frames[0].pixels.at(0, row, column),
                  after = result.frames[0].pixels.at(0, row, column);
      if (before == after) continue;
      ++changed;
      BOOST_TEST(is_hot(row, column), "pixel " << row << "," << column << " changed but is not hot");
    }
  BOOST_TEST(changed == hot_pixels.size());
  for (auto [row, column] : hot_pixels)
    BOOST_TEST(std::abs(result.frames[0].pixels.at(0, row, column) -
                        result.frames[0].pixels.at(0, row, column + 1)) < 60.0);
}

BOOST_AUTO_TEST_CASE(mismatched_frames_are_named_in_the_error) {
  Session session;
  const auto lights = session.lights(30, 1);
  const auto darks = session.darks(30, 3);
  // A light of another size.
  const auto odd = session.directory.path() / "odd.fits";
  Provenance cards;
  cards.set("EXPTIME", 30.0, "");
  write_fits(odd, ImageD(width + 2, height, 1, 500.0), cards, {});
  try {
    calibrate({odd.string()},
              {{"darks", darks}, {"masters_directory", (session.directory.path() / "m").string()}});
    BOOST_FAIL("a light of another size was calibrated");
  } catch (const InputError& error) {
    BOOST_TEST(contains(error.what(), odd.string()));
    BOOST_TEST(contains(error.what(), darks[0]));
    BOOST_TEST(contains(error.what(), "42x32"));
  }
  // A dark frame of another size within the darks.
  auto mixed = darks;
  mixed.push_back(odd.string());
  try {
    calibrate(lights, {{"darks", mixed}, {"masters_directory", (session.directory.path() / "m").string()}});
    BOOST_FAIL("darks of two sizes were combined");
  } catch (const InputError& error) {
    BOOST_TEST(contains(error.what(), odd.string()));
    BOOST_TEST(contains(error.what(), darks[0]));
  }
  // Parameters that cannot work together are refused when the stage is built.
  BOOST_CHECK_THROW(
      build_stage<FrameTransform>("calibrate", {{"darks", darks}, {"dark_scaling", std::string("exposure")}}),
      ParameterError);
  BOOST_CHECK_THROW(build_stage<FrameTransform>("calibrate", {{"overscan", std::string("[4:13]")}}),
                    ParameterError);
  BOOST_CHECK_THROW(build_stage<FrameTransform>("calibrate", {}), ParameterError);
}

// Missing samples (NaN): a missing light pixel stays missing, a master pixel missing in every frame
// of the master makes the lights missing there (bias or flat alike), one missing in some frames
// only is combined from the others; nothing else changes.
BOOST_AUTO_TEST_CASE(missing_pixels_stay_missing_through_calibration) {
  Session session;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto lights = session.write("light_missing", 2, 30.0, [nan](int index, int row, int column) {
    if (index == 0 && row == 8 && column == 9) return nan;
    return bias_at(row, column) + dark_current_at(row, column, 30.0) +
           sky_at(row, column) * vignetting_at(row, column);
  });
  const auto biases = session.write("bias_missing", 7, 0.0, [nan](int index, int row, int column) {
    if ((row == 10 && column == 10) || (index == 0 && row == 3 && column == 4)) return nan;
    return bias_at(row, column);
  });
  const auto flats = session.write("flat_missing", 7, 0.01, [nan](int index, int row, int column) {
    if (row == 2 && column == 2) return nan;
    return bias_at(row, column) + (20000 + 1500 * index) * vignetting_at(row, column);
  });
  const auto masters = session.directory.path() / "masters";
  auto result = calibrate(lights, {{"bias", biases},
                                   {"darks", session.darks(30)},
                                   {"flats", flats},
                                   {"cosmetic", std::string("frame")},
                                   {"masters_directory", masters.string()}});
  const double scale = mean_vignetting();
  for (std::size_t index = 0; index < result.frames.size(); ++index) {
    const Frame& frame = result.frames[index];
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        const double value = frame.pixels.at(0, row, column);
        const bool missing = (index == 0 && row == 8 && column == 9) || (row == 10 && column == 10) ||
                             (row == 2 && column == 2);
        BOOST_TEST_CONTEXT("frame " << index << " at " << row << ", " << column) {
          BOOST_TEST(std::isnan(value) == missing);
          if (!missing) BOOST_TEST(std::abs(value - sky_at(row, column) * scale) < 6 * 3.5);
        }
      }
  }
}

BOOST_AUTO_TEST_CASE(missing_pixels_are_neither_repaired_nor_neighbours) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ImageF frame(5, 5, 1, 100.0f);
  frame.at(0, 2, 2) = nan;     // missing and flagged: stays missing
  frame.at(0, 0, 1) = 900.0f;  // hot, next to two missing neighbours
  frame.at(0, 0, 0) = nan;
  frame.at(0, 1, 1) = nan;
  DefectMap defects(25, 0);
  defects[2 * 5 + 2] = defects[0 * 5 + 1] = 1;
  BOOST_TEST(repair_defects(frame, defects, std::nullopt) == 1u);
  BOOST_TEST(std::isnan(frame.at(0, 2, 2)));
  BOOST_TEST(frame.at(0, 0, 1) == 100.0f);  // the median of its valid neighbours only

  ImageF sky(6, 6, 1);
  for (int row = 0; row < 6; ++row)
    for (int column = 0; column < 6; ++column)
      sky.at(0, row, column) = 100.0f + static_cast<float>((row + 2 * column) % 3);
  sky.at(0, 3, 3) = nan;
  sky.at(0, 1, 4) = 5000.0f;
  const auto found = find_defects_in_frame(sky, std::nullopt, 8.0, 8.0);
  BOOST_TEST(count_defects(found) == 1u);
  BOOST_TEST(found[1 * 6 + 4] == 1);
}

BOOST_AUTO_TEST_CASE(overscan_levels_leave_missing_values_out) {
  ImageF pixels(4, 2, 1);
  const float rows[2][4] = {{9, std::numeric_limits<float>::quiet_NaN(), 13, 50}, {20, 22, 24, 60}};
  for (int row = 0; row < 2; ++row)
    for (int column = 0; column < 4; ++column) pixels.at(0, row, column) = rows[row][column];
  subtract_overscan(pixels, parse_image_section("[1:3,1:2]", 4, 2), OverscanCombine::median,
                    OverscanAxis::row);
  BOOST_TEST(pixels.at(0, 1, 3) == 38.0f);  // 60 - median(20, 22, 24)
  BOOST_TEST(pixels.at(0, 0, 3) == 39.0f);  // 50 - nanmedian(9, NaN, 13) = 50 - 11
}

BOOST_AUTO_TEST_SUITE_END()
