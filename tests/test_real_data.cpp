// The real sample frames in data/ (see each folder's PROVENANCE.txt) through the real binary and
// the shipped configs, checked against references computed here from the same files.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/transfer_curve.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;

std::vector<fs::path> files_in(const fs::path& directory, const std::string& extension) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() == extension) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(real_data)

BOOST_AUTO_TEST_CASE(startrails_config_on_the_night_jpegs, *NeedsOutsideTool()) {
  require_program("fitsverify", "fitsverify");
  require_program("tiffinfo", "libtiff-tools");
  TemporaryDirectory directory;
  auto fits = directory.path() / "trails.fits";
  auto tiff = directory.path() / "trails.tif";
  auto result =
      run_nightstack({"run", (source_directory / "configs/startrails.yaml").string(), "--quiet", "--set",
                      "lights.paths=[" + (source_directory / "data/night-jpeg").string() + "]", "--set",
                      "trails_fits.fits=" + fits.string(), "--set", "trails_display.tiff=" + tiff.string(),
                      "--set", "trails_display.jpeg=" + (directory.path() / "trails.jpg").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);

  auto frames = files_in(source_directory / "data/night-jpeg", ".JPG");
  BOOST_TEST_REQUIRE(frames.size() == 10u);
  // Max of codes, then linearized: the sRGB curve is monotone, so this is the max of linear values.
  auto maximum = decode_reference_jpeg(frames[0]);
  for (const auto& frame : frames) {
    auto codes = decode_reference_jpeg(frame);
    for (std::size_t i = 0; i < codes.samples().size(); ++i) {
      maximum.samples()[i] = std::max(maximum.samples()[i], codes.samples()[i]);
    }
  }
  std::vector<std::string> cards;
  ImageD stacked = read_reference_fits(fits, &cards);
  BOOST_TEST_REQUIRE(stacked.width() == 2880);
  BOOST_TEST_REQUIRE(stacked.height() == 1920);
  BOOST_TEST_REQUIRE(stacked.channels() == 1);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < stacked.samples().size(); ++i) {
    float expected = static_cast<float>(srgb_to_linear(maximum.samples()[i] / 255.0));
    if (stacked.samples()[i] != expected) ++mismatches;
  }
  BOOST_TEST(mismatches == 0u);
  BOOST_TEST(header_value(cards, "NCOMBINE").find("10") != std::string::npos);
  auto verify = run_command({"fitsverify", fits.string()});
  BOOST_TEST(verify.out.find("Verification found 0 warning(s) and 0 error(s)") != std::string::npos);
  BOOST_TEST(run_command({"tiffinfo", tiff.string()}).out.find("Bits/Sample: 16") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mean_of_the_m13_fits_frames) {
  TemporaryDirectory directory;
  auto output = directory.path() / "m13.fits";
  auto result = run_nightstack({"stack", "--method", "mean", "--quiet", "--fits", output.string(),
                                (source_directory / "data/m13-mono-fits").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  auto frames = files_in(source_directory / "data/m13-mono-fits", ".fits");
  BOOST_TEST_REQUIRE(frames.size() == 5u);
  std::vector<ImageD> inputs;
  for (const auto& frame : frames) inputs.push_back(read_reference_fits(frame));
  ImageD stacked = read_reference_fits(output);
  BOOST_TEST_REQUIRE(stacked.samples().size() == inputs[0].samples().size());
  double worst = 0;
  for (std::size_t i = 0; i < stacked.samples().size(); ++i) {
    double sum = 0;
    for (const auto& input : inputs) sum += input.samples()[i];
    double expected = sum / inputs.size() / 65535.0;  // 16-bit unsigned FITS: 65535 is full scale
    worst = std::max(worst, std::abs(stacked.samples()[i] - expected) / expected);
  }
  BOOST_TEST(worst < 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
