// 16-bit TIFF writing against direct libtiff reads and tiffinfo, plus failure clean-up.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "io/tiff_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::TemporaryDirectory;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Pseudo-random values over the whole 16-bit range (a hash of the position), so neither the
// predictor nor Deflate can shrink the file much and a misplaced sample cannot go unnoticed.
PlanarImage<std::uint16_t> pattern(int width, int height, int channels) {
  PlanarImage<std::uint16_t> image(width, height, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    std::uint64_t hash = (index + 1) * 0x9E3779B97F4A7C15ull;
    hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ull;
    hash ^= hash >> 31;
    image.samples()[index] = static_cast<std::uint16_t>(hash >> 48);
  }
  image.at(0, 0, 0) = 0;
  image.at(channels - 1, height - 1, width - 1) = 65535;
  return image;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gray_and_rgb_round_trip_exactly) {
  TemporaryDirectory directory;
  // 300 RGB pixels make 1800-byte rows, so 100 rows span several 64 KiB strips.
  for (auto [width, height, channels] : {std::tuple{7, 5, 1}, std::tuple{9, 4, 3}, std::tuple{300, 100, 3}}) {
    const auto path =
        directory.path() / ("out" + std::to_string(width) + "_" + std::to_string(channels) + ".tif");
    const auto image = pattern(width, height, channels);
    write_tiff16(path, image, "stacked by a test", "nightstack test");
    std::string description;
    const auto read = nightstack::testing::read_reference_tiff16(path, &description);
    BOOST_TEST(read.width() == width);
    BOOST_TEST(read.height() == height);
    BOOST_TEST(read.channels() == channels);
    BOOST_TEST(read.samples() == image.samples(), boost::test_tools::per_element());
    BOOST_TEST(description == "stacked by a test");
  }
}

BOOST_AUTO_TEST_CASE(tiffinfo_sees_16_bit_deflate_with_predictor) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "stack.tif";
  write_tiff16(path, pattern(40, 30, 3), "M13, 40 frames, caf\xC3\xA9", "nightstack 0.1.0");
  const auto result = nightstack::testing::run_command({"tiffinfo", path.string()});
  BOOST_TEST_MESSAGE("tiffinfo: " << result.out << result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "Bits/Sample: 16"));
  BOOST_TEST(contains(result.out, "Samples/Pixel: 3"));
  BOOST_TEST(contains(result.out, "Compression Scheme: AdobeDeflate"));
  BOOST_TEST(contains(result.out, "Predictor: horizontal differencing"));
  BOOST_TEST(contains(result.out, "Photometric Interpretation: RGB color"));
  BOOST_TEST(contains(result.out, "Planar Configuration: single image plane"));
  BOOST_TEST(contains(result.out, "Software: nightstack 0.1.0"));
  BOOST_TEST(contains(result.out, "M13, 40 frames, caf??"));
  BOOST_TEST(result.err.empty());
}

BOOST_AUTO_TEST_CASE(gray_is_min_is_black) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "gray.tif";
  write_tiff16(path, pattern(8, 8, 1), "", "");
  const auto result = nightstack::testing::run_command({"tiffinfo", path.string()});
  BOOST_TEST(contains(result.out, "min-is-black"));
  BOOST_TEST(contains(result.out, "Bits/Sample: 16"));
}

BOOST_AUTO_TEST_CASE(bad_channel_count_is_refused_before_anything_is_written) {
  TemporaryDirectory directory;
  BOOST_CHECK_THROW(write_tiff16(directory.path() / "x.tif", pattern(4, 4, 2), "", ""),
                    std::invalid_argument);
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(uncreatable_directory_is_an_output_error) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "plain_file") << "x";
  const auto destination = directory.path() / "plain_file" / "out" / "stack.tif";
  try {
    write_tiff16(destination, pattern(4, 4, 1), "", "");
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST(error.path() == destination);
    BOOST_TEST(contains(error.what(), destination.string()));
  }
}

BOOST_AUTO_TEST_CASE(full_disk_leaves_no_file_and_no_temporary) {
  TemporaryDirectory directory;
  const auto destination = directory.path() / "stack.tif";
  try {
    nightstack::testing::FileSizeLimit limit(20000);
    write_tiff16(destination, pattern(300, 200, 3), "", "");
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST_MESSAGE("full disk: " << error.what());
    BOOST_TEST(contains(error.what(), destination.string()));
    BOOST_TEST(contains(error.what(), "cannot write TIFF"));
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}
