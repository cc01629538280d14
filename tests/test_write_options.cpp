// The write stage's format choices through the binary: FITS BITPIX -64 and 16, float TIFF with an ICC
// profile, and PNG previews, each read back by an independent reader.
#define BOOST_TEST_DYN_LINK
#include <tiffio.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>

#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Two 3x2 float frames whose mean is known exactly.
void write_frames(const fs::path& directory) {
  for (int index = 0; index < 2; ++index) {
    ImageD frame(3, 2, 1);
    for (int i = 0; i < 6; ++i) frame.samples()[i] = 0.125 * i + 0.0625 * index;
    write_reference_fits(directory / ("f" + std::to_string(index) + ".fits"), frame, -64);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(write_options)

BOOST_AUTO_TEST_CASE(fits_bitpix_tiff_bits_and_png, *NeedsOutsideTool()) {
  require_program("fitsverify", "fitsverify");
  require_program("tiffinfo", "libtiff-tools");
  const std::string python = require_python({"zlib", "struct"}, "python3");
  TemporaryDirectory directory;
  auto frames = directory.path() / "frames";
  fs::create_directories(frames);
  write_frames(frames);
  auto out = directory.path();
  auto config = out / "formats.yaml";
  std::ofstream(config)
      << "stages:\n"
         "  - {id: lights, type: ingest, paths: ['"
      << frames.string()
      << "']}\n"
         "  - {id: mean, type: stack, input: lights, method: mean}\n"
         "  - {id: f64, type: write, input: mean, fits_bitpix: '-64', fits: '"
      << (out / "mean64.fits").string()
      << "'}\n"
         "  - {id: f16, type: write, input: mean, fits_bitpix: '16', fits: '"
      << (out / "mean16.fits").string()
      << "'}\n"
         "  - {id: display, type: write, input: mean, tiff_bits: '32', encoding: linear, tiff: '"
      << (out / "mean.tif").string() << "', png: '" << (out / "mean.png").string() << "'}\n";
  auto result = run_nightstack({"run", config.string(), "--quiet", "--report", "none"});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);

  // Mean of 0.125 i and 0.125 i + 0.0625: exact in binary, so -64 keeps it exactly.
  ImageD exact = read_reference_fits(out / "mean64.fits");
  for (int i = 0; i < 6; ++i) BOOST_TEST(exact.samples()[i] == 0.125 * i + 0.03125);
  // 16-bit: round(value x 65535), clipped at 1 (values 0.65625 and above stay under 1 here).
  ImageD counts = read_reference_fits(out / "mean16.fits");
  for (int i = 0; i < 6; ++i) {
    double expected = std::min(65535.0, std::round((0.125 * i + 0.03125) * 65535));
    BOOST_TEST(counts.samples()[i] == expected);
  }
  auto verify = run_command({"fitsverify", "-q", (out / "mean16.fits").string()});
  BOOST_TEST(contains(verify.out, "verification OK"));

  auto tiff = run_command({"tiffinfo", (out / "mean.tif").string()});
  BOOST_TEST(contains(tiff.out, "Bits/Sample: 32"));
  BOOST_TEST(contains(tiff.out, "IEEE floating point"));
  BOOST_TEST(contains(tiff.out, "ICC Profile: <present>"));

  auto png = run_command({python, "-c",
                          "import sys, zlib, struct\n"
                          "data = open(sys.argv[1], 'rb').read()\n"
                          "assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
                          "width, height, depth = struct.unpack('>IIB', data[16:25])\n"
                          "print(width, height, depth)\n",
                          (out / "mean.png").string()});
  BOOST_TEST_INFO(png.err);
  BOOST_TEST(contains(png.out, "3 2 8"));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

void write_tiff_frame(const fs::path& path, const std::vector<std::uint16_t>& values, int width) {
  TIFF* tiff = TIFFOpen(path.c_str(), "w");
  BOOST_TEST_REQUIRE(tiff != nullptr);
  const int height = static_cast<int>(values.size()) / width;
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, height);
  std::vector<std::uint16_t> row(values);
  for (int y = 0; y < height; ++y)
    TIFFWriteScanline(tiff, row.data() + static_cast<std::size_t>(y) * width, y, 0);
  TIFFClose(tiff);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tiff_frames)

BOOST_AUTO_TEST_CASE(sixteen_bit_tiff_frames_stack_in_linear_light) {
  TemporaryDirectory directory;
  write_tiff_frame(directory.path() / "a.tif", {0, 1000, 65535, 30000}, 2);
  write_tiff_frame(directory.path() / "b.tif", {500, 200, 0, 40000}, 2);
  auto output = directory.path() / "max.fits";
  auto result = run_nightstack({"stack", "--method", "max", "--transfer", "linear", "--quiet", "--fits",
                                output.string(), (directory.path() / "*.tif").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  ImageD stacked = read_reference_fits(output);
  std::vector<double> expected{500 / 65535.0, 1000 / 65535.0, 1.0, 40000 / 65535.0};
  for (int i = 0; i < 4; ++i)
    BOOST_TEST(stacked.samples()[i] == expected[i], boost::test_tools::tolerance(1e-7));
}

BOOST_AUTO_TEST_SUITE_END()
