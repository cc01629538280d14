// FITS written by nightstack as astropy reads it: shape, values (astropy's row 0 is FITS row 1, our
// bottom row), header keys and checksums, for BITPIX -32, -64 and 16, mono and 3-plane colour.
// Uses python3 with python3-astropy (installed by scripts/setup); where python3 cannot import
// astropy the case is reported to CTest as skipped (tests/support/outside_tools.hpp).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "io/fits_writer.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using nightstack::testing::TemporaryDirectory;

namespace {

// argv: the FITS file, then header keys to print. Checksums and the header are verified with
// every warning an error; then getdata and getheader report what a user would see.
const char* const astropy_script = R"(
import sys, warnings
from astropy.io import fits
path = sys.argv[1]
with warnings.catch_warnings():
    warnings.simplefilter("error")
    with fits.open(path, checksum=True) as hdus:
        hdus.verify("exception")
        hdus[0].data
header = fits.getheader(path)
data = fits.getdata(path)
print("shape", " ".join(str(size) for size in data.shape))
print("dtype", data.dtype.name)
for key in sys.argv[2:]:
    print("key", key, repr(header[key]))
for value in data.ravel().tolist():
    print("value", repr(value))
)";

struct AstropyView {
  std::string shape;
  std::string dtype;
  std::map<std::string, std::string> keys;  // repr of each value
  std::vector<double> values;               // in astropy's order: plane, FITS row, column
};

AstropyView read_with_astropy(const std::string& python, const std::filesystem::path& path,
                              const std::vector<std::string>& keys) {
  std::vector<std::string> arguments = {python, "-c", astropy_script, path.string()};
  arguments.insert(arguments.end(), keys.begin(), keys.end());
  const auto result = nightstack::testing::run_command(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, "astropy failed on " << path << ":\n" << result.err);
  AstropyView view;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    std::string rest;
    std::getline(words >> std::ws, rest);
    if (kind == "shape") {
      view.shape = rest;
    } else if (kind == "dtype") {
      view.dtype = rest;
    } else if (kind == "key") {
      const auto space = rest.find(' ');
      view.keys[rest.substr(0, space)] = rest.substr(space + 1);
    } else if (kind == "value") {
      view.values.push_back(std::strtod(rest.c_str(), nullptr));  // repr round-trips exactly
    }
  }
  return view;
}

// Distinct values at every position; for 16-bit, exact multiples of 1/65535 plus clipped ones.
ImageD test_image(int channels, int bitpix) {
  ImageD image(5, 4, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    image.samples()[index] = bitpix == 16 ? static_cast<double>(index * 997 % 65536) / 65535.0
                                          : static_cast<double>(index) * 0.37 - 3.0 + 1.0 / 3.0;
  }
  if (bitpix == 16) {
    image.samples()[1] = -0.5;
    image.samples()[2] = 2.0;
  }
  return image;
}

double stored(double value, int bitpix) {
  if (bitpix == -32) return static_cast<float>(value);
  if (bitpix == -64) return value;
  return value <= 0 ? 0.0 : (value >= 1 ? 65535.0 : std::round(value * 65535.0));
}

}  // namespace

BOOST_AUTO_TEST_CASE(astropy_reads_what_write_fits_writes, *nightstack::testing::NeedsOutsideTool()) {
  const std::string python = nightstack::testing::require_python({"astropy.io.fits"}, "python3-astropy");
  TemporaryDirectory directory;
  const std::map<int, std::string> dtype = {{-32, "float32"}, {-64, "float64"}, {16, "uint16"}};
  for (const int bitpix : {-32, -64, 16}) {
    for (const int channels : {1, 3}) {
      BOOST_TEST_CONTEXT("BITPIX " << bitpix << ", " << channels << " channels") {
        const ImageD image = test_image(channels, bitpix);
        Provenance provenance;
        provenance.set("NCOMBINE", std::int64_t{12}, "number of frames combined");
        provenance.set("STACKMTH", std::string("mean"), "stack method");
        provenance.set("CONFIG", std::string(150, 'c'), "a value longer than one card");
        if (channels == 1) provenance.set("BAYERPAT", std::string("RGGB"), "from the top-left pixel");
        const auto path = directory.path() /
                          ("astropy" + std::to_string(bitpix) + "_" + std::to_string(channels) + ".fits");
        write_fits(path, image, provenance, {"stages:", "  - id: lights"}, {.bitpix = bitpix});

        std::vector<std::string> keys = {"BITPIX", "NAXIS", "ROWORDER", "NCOMBINE", "STACKMTH", "CONFIG"};
        if (channels == 1) keys.push_back("BAYERPAT");
        if (bitpix == 16) keys.insert(keys.end(), {"BZERO", "BSCALE", "VALSCALE", "NCLIPLO", "NCLIPHI"});
        const AstropyView view = read_with_astropy(python, path, keys);

        BOOST_TEST(view.shape == (channels == 3 ? "3 4 5" : "4 5"));
        BOOST_TEST(view.dtype == dtype.at(bitpix));
        BOOST_TEST(view.keys.at("BITPIX") == std::to_string(bitpix));
        BOOST_TEST(view.keys.at("NAXIS") == (channels == 3 ? "3" : "2"));
        BOOST_TEST(view.keys.at("ROWORDER") == "'BOTTOM-UP'");
        BOOST_TEST(view.keys.at("NCOMBINE") == "12");
        BOOST_TEST(view.keys.at("STACKMTH") == "'mean'");
        BOOST_TEST(view.keys.at("CONFIG") == "'" + std::string(150, 'c') + "'");  // CONTINUE cards joined
        // Height 4 is even: FITS pixel (1,1) is on the second row of the top-left pattern.
        if (channels == 1) BOOST_TEST(view.keys.at("BAYERPAT") == "'GBRG'");
        if (bitpix == 16) {
          BOOST_TEST(view.keys.at("BZERO") == "32768");
          BOOST_TEST(view.keys.at("BSCALE") == "1");
          BOOST_TEST(view.keys.at("VALSCALE") == "65535");
          BOOST_TEST(view.keys.at("NCLIPLO") == "1");
          BOOST_TEST(view.keys.at("NCLIPHI") == "1");
        }

        std::vector<double> expected;
        for (int channel = 0; channel < channels; ++channel) {
          for (int fits_row = 0; fits_row < image.height(); ++fits_row) {
            for (int column = 0; column < image.width(); ++column) {
              expected.push_back(stored(image.at(channel, image.height() - 1 - fits_row, column), bitpix));
            }
          }
        }
        BOOST_TEST(view.values == expected, boost::test_tools::per_element());
      }
    }
  }
}
