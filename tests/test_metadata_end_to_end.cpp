// Metadata end to end through the binary: real Bayer sequences stack to colour with the right
// header keys (checked with astropy, an independent FITS reader), `info`, and ordering by capture time.
#define BOOST_TEST_DYN_LINK
#include <fitsio.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;

// Prints "key=value" lines for the given header keys and the data shape, read by astropy.
CommandResult astropy_header(const std::string& python, const fs::path& path,
                             const std::vector<std::string>& keys) {
  std::string script =
      "import sys\n"
      "from astropy.io import fits\n"
      "data, header = fits.getdata(sys.argv[1], header=True)\n"
      "print('shape=' + 'x'.join(str(n) for n in data.shape))\n"
      "for key in sys.argv[2:]:\n"
      "    print(key + '=' + str(header.get(key)))\n";
  std::vector<std::string> arguments{python, "-c", script, path.string()};
  arguments.insert(arguments.end(), keys.begin(), keys.end());
  return run_command(arguments);
}

void write_fits_at(const fs::path& path, const char* date_obs, unsigned short value) {
  fitsfile* file = nullptr;
  int status = 0;
  long axes[2] = {2, 2};
  fits_create_file(&file, path.c_str(), &status);
  fits_create_img(file, USHORT_IMG, 2, axes, &status);
  fits_write_key(file, TSTRING, "DATE-OBS", const_cast<char*>(date_obs), nullptr, &status);
  double exposure = 30;
  fits_write_key(file, TDOUBLE, "EXPTIME", &exposure, nullptr, &status);
  unsigned short values[4] = {value, value, value, value};
  fits_write_img(file, TUSHORT, 1, 4, values, &status);
  fits_close_file(file, &status);
  BOOST_TEST_REQUIRE(status == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metadata_end_to_end)

BOOST_AUTO_TEST_CASE(real_bayer_sequences_stack_to_colour_with_their_headers, *NeedsOutsideTool()) {
  const std::string python = require_python({"astropy.io.fits"}, "python3-astropy");
  TemporaryDirectory directory;
  struct Case {
    const char* folder;
    const char* instrument;
    double exposure;
    const char* first_date;
    const char* last_end;
  };
  for (const Case& sample : {Case{"data/m27-bayer-fits", "ZWO CCD ASI224MC", 6, "2018-09-07T22:31:45.431",
                                  "2018-09-07T22:43:59.115"},
                             Case{"data/m94-seestar-bayer-fits", "Seestar S50", 10, "2025-03-27T01:20:32.955",
                                  "2025-03-27T01:21:05.514"}}) {
    auto output = directory.path() / (fs::path(sample.folder).filename().string() + ".fits");
    auto result = run_nightstack({"stack", "--method", "mean", "--quiet", "--fits", output.string(),
                                  (source_directory / sample.folder).string() + "/*.fit*"});
    BOOST_TEST_INFO(sample.folder << ": " << result.err);
    BOOST_TEST_REQUIRE(result.exit_code == 0);
    auto header = astropy_header(python, output,
                                 {"NCOMBINE", "STACKCNT", "EXPTIME", "LIVETIME", "DATE-OBS", "DATE-END",
                                  "INSTRUME", "STACKMTH", "ROWORDER"});
    BOOST_TEST_INFO(header.out << header.err);
    BOOST_TEST_REQUIRE(header.exit_code == 0);
    BOOST_TEST(contains(header.out, "shape=3x"));
    BOOST_TEST(contains(header.out, "NCOMBINE=3\n"));
    BOOST_TEST(contains(header.out, "STACKCNT=3\n"));
    BOOST_TEST(contains(header.out, "EXPTIME=" + std::to_string(static_cast<int>(sample.exposure)) + ".0\n"));
    BOOST_TEST(
        contains(header.out, "LIVETIME=" + std::to_string(static_cast<int>(3 * sample.exposure)) + ".0\n"));
    BOOST_TEST(contains(header.out, std::string("DATE-OBS=") + sample.first_date));
    BOOST_TEST(contains(header.out, std::string("DATE-END=") + sample.last_end));
    BOOST_TEST(contains(header.out, std::string("INSTRUME=") + sample.instrument));
    BOOST_TEST(contains(header.out, "STACKMTH=mean"));
  }
}

BOOST_AUTO_TEST_CASE(a_sum_records_the_total_exposure_as_exptime, *NeedsOutsideTool()) {
  const std::string python = require_python({"astropy.io.fits"}, "python3-astropy");
  TemporaryDirectory directory;
  write_fits_at(directory.path() / "a.fits", "2024-01-01T00:00:00", 100);
  write_fits_at(directory.path() / "b.fits", "2024-01-01T00:01:00", 200);
  auto output = directory.path() / "sum.fits";
  BOOST_TEST_REQUIRE(run_nightstack({"stack", "--method", "sum", "--quiet", "--fits", output.string(),
                                     directory.path().string()})
                         .exit_code == 0);
  auto header =
      astropy_header(python, output, {"EXPTIME", "LIVETIME", "DATE-END", "EXPSTART", "INPHASH", "CFGHASH"});
  BOOST_TEST_INFO(header.out << header.err);
  BOOST_TEST(contains(header.out, "EXPTIME=60.0\n"));
  BOOST_TEST(contains(header.out, "LIVETIME=60.0\n"));
  BOOST_TEST(contains(header.out, "DATE-END=2024-01-01T00:01:30.000"));
  BOOST_TEST(contains(header.out, "EXPSTART=60310.0\n"));  // MJD of 2024-01-01
  BOOST_TEST(!contains(header.out, "INPHASH=None"));
  BOOST_TEST(!contains(header.out, "CFGHASH=None"));
}

BOOST_AUTO_TEST_CASE(frames_can_be_ordered_by_capture_time, *NeedsOutsideTool()) {
  const std::string python = require_python({"astropy.io.fits"}, "python3-astropy");
  TemporaryDirectory directory;
  // Names and times disagree: a.fits was taken last.
  write_fits_at(directory.path() / "a.fits", "2024-01-01T03:00:00", 10);
  write_fits_at(directory.path() / "b.fits", "2024-01-01T01:00:00", 20);
  write_fits_at(directory.path() / "c.fits", "2024-01-01T02:00:00", 30);
  auto config = directory.path() / "time.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, sort: time, paths: ['"
                        << directory.path().string()
                        << "/*.fits']}\n"
                           "  - {id: stack, type: stack, input: lights, method: mean}\n"
                           "  - {id: out, type: write, input: stack, fits: '"
                        << (directory.path() / "out.fits").string() << "'}\n";
  BOOST_TEST_REQUIRE(run_nightstack({"run", config.string(), "--quiet"}).exit_code == 0);
  auto header = astropy_header(python, directory.path() / "out.fits", {"FIRSTFRM", "LASTFRM"});
  BOOST_TEST(contains(header.out, "FIRSTFRM=b.fits"));
  BOOST_TEST(contains(header.out, "LASTFRM=a.fits"));
}

BOOST_AUTO_TEST_CASE(info_describes_each_file_or_says_why_not) {
  auto result = run_nightstack({"info", (source_directory / "data/m27-bayer-fits/Light_1069.fits").string(),
                                (source_directory / "data/night-jpeg/DXM_8338.JPG").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "Light_1069.fits: FITS 1304x976, 1 channel, 16-bit, CFA "));
  BOOST_TEST(contains(result.out, "exposure 6 s, gain 180, 2018-09-07T22:31:45.431 UTC, ZWO CCD ASI224MC"));
  BOOST_TEST(contains(result.out, "DXM_8338.JPG: JPEG 2880x1920, 1 channel"));

  auto json = run_nightstack(
      {"info", "--json", (source_directory / "data/m13-mono-fits/M13_blue_0001.fits").string()});
  BOOST_TEST(contains(json.out, "\"width\": 1392"));
  BOOST_TEST(contains(json.out, "\"exposure_seconds\": 5"));

  auto missing = run_nightstack({"info", (source_directory / "README.md").string()});
  BOOST_TEST(missing.exit_code == 4);
  BOOST_TEST(contains(missing.err, "README.md"));
}

BOOST_AUTO_TEST_SUITE_END()
