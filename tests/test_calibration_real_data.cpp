// Calibration on real frames: the overscan strip and trim region of a raw SAAO CCD frame
// (data/fits-single/a8280271.fits) against ccdproc's own results (tests/reference/), and the
// MaxIm DL frames of M13 (PEDESTAL = -500, already calibrated once) as master and light.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <sstream>

#include "tests/reference/ccdproc_overscan_reference.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;
const fs::path saao_frame = source_directory / "data/fits-single/a8280271.fits";

Frame calibrate_one(const fs::path& light, std::map<std::string, ParameterValue> parameters,
                    std::string* log_text = nullptr) {
  auto stage = build_stage<FrameTransform>("calibrate", std::move(parameters));
  std::ostringstream stream;
  Log log(stream, false);
  stage->prepare(log);
  auto ingest = build_stage<FrameSource>("ingest", {{"paths", std::vector<std::string>{light.string()}}});
  ingest->prepare(log);
  Frame frame = stage->transform(ingest->read_frame(0));
  if (log_text) *log_text = stream.str();
  return frame;
}

void check_against_ccdproc(const Frame& frame, bool median) {
  using namespace ccdproc_reference;
  BOOST_TEST_REQUIRE(frame.pixels.width() == width);
  BOOST_TEST_REQUIRE(frame.pixels.height() == height);
  double sum = 0, squares = 0;
  for (float value : frame.pixels.samples()) sum += value, squares += static_cast<double>(value) * value;
  const double tolerance = 1e-4;  // float32 frame values against ccdproc's float64
  BOOST_TEST(sum == (median ? median_sum : mean_sum), boost::test_tools::tolerance(1e-7));
  BOOST_TEST(squares == (median ? median_sum_of_squares : mean_sum_of_squares),
             boost::test_tools::tolerance(1e-7));
  for (const auto& sample : samples) {
    // FITS (x, y) from the bottom-left; frame rows run top to bottom.
    const double value = frame.pixels.at(0, height - sample.y, sample.x - 1);
    BOOST_TEST(std::abs(value - (median ? sample.median_value : sample.mean_value)) < tolerance,
               "at FITS (" << sample.x << ", " << sample.y << ")");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(calibration_real_data)

BOOST_AUTO_TEST_CASE(overscan_and_trim_from_the_header_match_ccdproc) {
  const Frame frame =
      calibrate_one(saao_frame, {{"overscan", std::string("header")}, {"trim", std::string("header")}});
  check_against_ccdproc(frame, true);
  BOOST_TEST(frame.info.calibration == "overscan BIASSEC median per row subtracted; trimmed to TRIMSEC");
}

BOOST_AUTO_TEST_CASE(overscan_and_trim_given_as_sections_match_ccdproc_with_the_mean) {
  const Frame frame = calibrate_one(saao_frame, {{"overscan", std::string(ccdproc_reference::biassec)},
                                                 {"trim", std::string(ccdproc_reference::trimsec)},
                                                 {"overscan_combine", std::string("mean")}});
  check_against_ccdproc(frame, false);
}

BOOST_AUTO_TEST_CASE(a_frame_without_biassec_is_named_when_the_header_is_asked_for) {
  const fs::path m13 = source_directory / "data/m13-mono-fits/M13_blue_0001.fits";
  try {
    calibrate_one(m13, {{"overscan", std::string("header")}});
    BOOST_FAIL("a frame without BIASSEC was calibrated with overscan: header");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()).find("M13_blue_0001.fits") != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("BIASSEC") != std::string::npos);
  }
}

// The M13 frames were calibrated by MaxIm DL, which then added 500 ADU and wrote PEDESTAL = -500.
// A master combined from them with pedestal: true is their per-pixel median minus 500, and a light
// calibrated against it is the light minus that median: both checked against the files as CFITSIO
// reads them, with the median computed here.
BOOST_AUTO_TEST_CASE(m13_frames_give_a_median_master_with_the_pedestal_undone) {
  TemporaryDirectory directory;
  std::vector<std::string> frames;
  std::vector<ImageD> pixels;
  std::vector<std::string> cards;
  for (int index = 1; index <= 5; ++index) {
    frames.push_back(
        (source_directory / ("data/m13-mono-fits/M13_blue_000" + std::to_string(index) + ".fits")).string());
    pixels.push_back(read_reference_fits(frames.back(), index == 1 ? &cards : nullptr));
  }
  BOOST_TEST_REQUIRE(std::stod(header_value(cards, "PEDESTAL")) == -500.0);

  std::string log;
  const fs::path masters = directory.path() / "masters";
  const std::map<std::string, ParameterValue> parameters{
      {"darks", frames}, {"pedestal", true}, {"masters_directory", masters.string()}};
  const Frame light = calibrate_one(frames[0], parameters, &log);
  BOOST_TEST(log.find("building master dark from 5 frames") != std::string::npos);

  std::vector<std::string> master_cards;
  const ImageD master = read_reference_fits(masters / "under_test-dark.fits", &master_cards);
  BOOST_TEST(std::stoi(header_value(master_cards, "NCOMBINE")) == 5);
  BOOST_TEST(std::stod(header_value(master_cards, "EXPTIME")) == 5.0);
  BOOST_TEST(header_value(master_cards, "INSTRUME").find("Orion SSDSI") != std::string::npos);

  const auto& first = pixels[0];
  std::size_t mismatches = 0;
  double residual_sum = 0;
  for (std::size_t index = 0; index < first.samples().size(); ++index) {
    double values[5];
    for (int frame = 0; frame < 5; ++frame) values[frame] = pixels[frame].samples()[index];
    std::nth_element(values, values + 2, values + 5);
    const double median = values[2];
    // read_reference_fits stores rows as FITS does relative to the frame: compare by the same index.
    if (master.samples()[index] != median - 500) ++mismatches;
    residual_sum += first.samples()[index] - median;
  }
  BOOST_TEST(mismatches == 0u);
  // The light minus the master: the same per-pixel difference, frame for frame.
  double calibrated_sum = 0;
  for (float value : light.pixels.samples()) calibrated_sum += value;
  BOOST_TEST(calibrated_sum == residual_sum, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(light.info.calibration.find("PEDESTAL added") != std::string::npos);

  // Without darks, the pedestal alone brings the sky from about 510 to about 10 ADU.
  const Frame pedestal_only = calibrate_one(frames[0], {{"pedestal", true}});
  for (std::size_t index = 0; index < first.samples().size(); index += 997)
    BOOST_TEST(pedestal_only.pixels.samples()[index] == first.samples()[index] - 500);

  // A second run reuses the master.
  calibrate_one(frames[0], parameters, &log);
  BOOST_TEST(log.find("reusing master dark") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
