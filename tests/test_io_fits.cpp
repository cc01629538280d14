// FITS reading (types, scaling, orientation, shapes, broken headers) and writing (round trip,
// cards, history, fitsverify, failures) against direct CFITSIO calls.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fitsio.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "io/fits_reader.hpp"
#include "io/fits_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;

namespace {

// Writes `raw` in FITS storage order (first value = bottom-left) straight through CFITSIO, so the
// reader's flip is checked without the project's own convention on both sides.
void write_raw_fits(const std::filesystem::path& path, int bitpix, std::vector<long> axes,
                    const std::vector<double>& raw, bool empty_primary = false) {
  int status = 0;
  fitsfile* file = nullptr;
  fits_create_diskfile(&file, path.c_str(), &status);
  if (empty_primary) fits_create_img(file, BYTE_IMG, 0, nullptr, &status);
  fits_create_img(file, bitpix, static_cast<int>(axes.size()), axes.data(), &status);
  if (!raw.empty()) {
    fits_write_img(file, TDOUBLE, 1, static_cast<LONGLONG>(raw.size()), const_cast<double*>(raw.data()),
                   &status);
  }
  fits_close_file(file, &status);
  BOOST_REQUIRE_EQUAL(status, 0);
}

std::string read_error(const std::filesystem::path& path) {
  try {
    FitsReader().read(path);
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == path);
    BOOST_TEST(contains(error.what(), path.string()));
    return error.what();
  }
  BOOST_FAIL("no InputError for " << path);
  return "";
}

ImageD numbered(int width, int height, int channels, double scale, double offset) {
  ImageD image(width, height, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    image.samples()[index] = static_cast<double>(index) * scale + offset;
  }
  return image;
}

void check_same(const ImageF& read, const ImageD& expected) {
  BOOST_REQUIRE_EQUAL(read.width(), expected.width());
  BOOST_REQUIRE_EQUAL(read.height(), expected.height());
  BOOST_REQUIRE_EQUAL(read.channels(), expected.channels());
  for (std::size_t index = 0; index < expected.samples().size(); ++index) {
    BOOST_TEST(read.samples()[index] == static_cast<float>(expected.samples()[index]), "sample " << index);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(unsigned_16_bit_is_scaled_and_flipped) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "u16.fits";
  // 3 x 2, stored bottom row first: FITS row 1 = {0, 1, 65535}, row 2 = {100, 200, 40000}.
  write_raw_fits(path, USHORT_IMG, {3, 2}, {0, 1, 65535, 100, 200, 40000});
  Frame frame = FitsReader().read(path);
  BOOST_TEST(frame.pixels.width() == 3);
  BOOST_TEST(frame.pixels.height() == 2);
  BOOST_TEST(frame.pixels.channels() == 1);
  const std::vector<float> expected = {100, 200, 40000, 0, 1, 65535};  // top row first
  BOOST_TEST(frame.pixels.samples() == expected, boost::test_tools::per_element());
  BOOST_TEST(frame.info.white_level == 65535.0);
  BOOST_TEST((frame.info.encoding == Encoding::linear));
  BOOST_TEST(frame.info.format == "FITS");
  BOOST_TEST(frame.info.path == path);
}

BOOST_AUTO_TEST_CASE(white_level_follows_bitpix_and_bzero) {
  TemporaryDirectory directory;
  const auto signed16 = directory.path() / "s16.fits";
  write_raw_fits(signed16, SHORT_IMG, {2, 2}, {-5, 0, 5, 32767});
  Frame frame = FitsReader().read(signed16);
  BOOST_TEST(frame.info.white_level == 32767.0);
  BOOST_TEST(frame.pixels.at(0, 1, 0) == -5.0f);

  const auto bytes = directory.path() / "u8.fits";
  write_raw_fits(bytes, BYTE_IMG, {2, 1}, {0, 255});
  BOOST_TEST(FitsReader().read(bytes).info.white_level == 255.0);

  const auto single = directory.path() / "f32.fits";
  write_raw_fits(single, FLOAT_IMG, {2, 1}, {0.5, 2.5});
  BOOST_TEST(FitsReader().read(single).info.white_level == 1.0);
}

BOOST_AUTO_TEST_CASE(blank_integer_pixels_become_nan) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "blank.fits";
  int status = 0;
  fitsfile* file = nullptr;
  long axes[2] = {2, 1};
  short raw[2] = {-999, 7};
  fits_create_diskfile(&file, path.c_str(), &status);
  fits_create_img(file, SHORT_IMG, 2, axes, &status);
  fits_write_key_lng(file, "BLANK", -999, "undefined pixel", &status);
  fits_write_img(file, TSHORT, 1, 2, raw, &status);
  fits_close_file(file, &status);
  BOOST_REQUIRE_EQUAL(status, 0);
  Frame frame = FitsReader().read(path);
  BOOST_TEST(std::isnan(frame.pixels.at(0, 0, 0)));
  BOOST_TEST(frame.pixels.at(0, 0, 1) == 7.0f);
}

BOOST_AUTO_TEST_CASE(floating_point_reference_files_round_trip) {
  TemporaryDirectory directory;
  for (int bitpix : {-32, -64}) {
    const auto path = directory.path() / ("float" + std::to_string(-bitpix) + ".fits");
    const ImageD image = numbered(5, 4, 1, 0.25, -2.0);
    nightstack::testing::write_reference_fits(path, image, bitpix);
    check_same(FitsReader().read(path).pixels, image);
  }
}

BOOST_AUTO_TEST_CASE(three_planes_are_colour) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "colour.fits";
  const ImageD image = numbered(4, 3, 3, 1.0, 0.0);
  nightstack::testing::write_reference_fits(path, image, 16);
  Frame frame = FitsReader().read(path);
  check_same(frame.pixels, image);
  BOOST_TEST(frame.info.white_level == 65535.0);
}

BOOST_AUTO_TEST_CASE(image_in_an_extension_after_an_empty_primary) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "extension.fits";
  write_raw_fits(path, FLOAT_IMG, {2, 2}, {1, 2, 3, 4}, true);
  Frame frame = FitsReader().read(path);
  const std::vector<float> expected = {3, 4, 1, 2};
  BOOST_TEST(frame.pixels.samples() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unsupported_shapes_name_the_naxis_values) {
  TemporaryDirectory directory;
  const auto line = directory.path() / "line.fits";
  write_raw_fits(line, FLOAT_IMG, {5}, {1, 2, 3, 4, 5});
  BOOST_TEST(contains(read_error(line), "NAXIS = 1, NAXIS1 = 5"));

  const auto four = directory.path() / "four.fits";
  write_raw_fits(four, FLOAT_IMG, {2, 2, 3, 2}, std::vector<double>(24, 1.0));
  BOOST_TEST(contains(read_error(four), "NAXIS = 4"));

  const auto two_planes = directory.path() / "two_planes.fits";
  write_raw_fits(two_planes, FLOAT_IMG, {2, 2, 2}, std::vector<double>(8, 1.0));
  BOOST_TEST(contains(read_error(two_planes), "NAXIS3 = 2"));

  const auto empty = directory.path() / "empty.fits";
  write_raw_fits(empty, FLOAT_IMG, {}, {});
  BOOST_TEST(contains(read_error(empty), "no image"));
}

BOOST_AUTO_TEST_CASE(header_claiming_more_data_than_the_file_holds) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "truncated.fits";
  nightstack::testing::write_reference_fits(path, numbered(100, 100, 1, 1.0, 0.0), -32);
  std::filesystem::resize_file(path, 2880 + 4000);
  BOOST_TEST(contains(read_error(path), "claims 40000 bytes of data"));
}

BOOST_AUTO_TEST_CASE(absurd_dimensions_are_refused_before_allocating) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "huge.fits";
  std::string header;
  for (const char* card :
       {"SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    2",
        "NAXIS1  =               999999", "NAXIS2  =               999999", "END"}) {
    header += std::string(card) + std::string(80 - std::strlen(card), ' ');
  }
  header.resize(2880, ' ');
  std::ofstream(path, std::ios::binary) << header;
  BOOST_TEST(contains(read_error(path), "NAXIS1 = 999999"));
}

BOOST_AUTO_TEST_CASE(not_fits_at_all) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "text.fits";
  std::ofstream(path) << "hello\n";
  BOOST_TEST(contains(read_error(path), "cannot open as FITS"));
  // A missing file is reported with the operating system's reason.
  BOOST_TEST(contains(read_error(directory.path() / "missing.fits"), "No such file or directory"));
}

BOOST_AUTO_TEST_CASE(written_file_round_trips_exactly_and_keeps_orientation) {
  TemporaryDirectory directory;
  for (int channels : {1, 3}) {
    const auto path = directory.path() / ("stack" + std::to_string(channels) + ".fits");
    ImageD image = numbered(6, 5, channels, 0.5, -3.0);
    image.at(0, 0, 0) = 1.0e6 + 0.5;  // top-left, exactly representable in float
    write_fits(path, image, Provenance{}, {});
    BOOST_TEST(nightstack::testing::read_reference_fits(path).samples() == image.samples(),
               boost::test_tools::per_element());
    // And through our own reader: FITS -> FITS keeps the image upright.
    check_same(FitsReader().read(path).pixels, image);
  }
  // Independently of the fixtures: the first stored value is the bottom-left pixel.
  ImageD marked(3, 2, 1, 0.0);
  marked.at(0, 1, 0) = 42.0;
  write_fits(directory.path() / "marked.fits", marked, Provenance{}, {});
  int status = 0;
  fitsfile* file = nullptr;
  fits_open_diskfile(&file, (directory.path() / "marked.fits").c_str(), READONLY, &status);
  double first = 0;
  int any_null = 0;
  fits_read_img(file, TDOUBLE, 1, 1, nullptr, &first, &any_null, &status);
  int bitpix = 0;
  fits_get_img_type(file, &bitpix, &status);
  fits_close_file(file, &status);
  BOOST_TEST(status == 0);
  BOOST_TEST(first == 42.0);
  BOOST_TEST(bitpix == FLOAT_IMG);
}

BOOST_AUTO_TEST_CASE(cards_and_history_are_written_and_pass_fitsverify,
                     *nightstack::testing::NeedsOutsideTool()) {
  nightstack::testing::require_program("fitsverify", "fitsverify");
  TemporaryDirectory directory;
  const auto path = directory.path() / "provenance.fits";
  Provenance provenance;
  provenance.set("NCOMBINE", std::int64_t{12}, "number of frames combined");
  provenance.set("EXPTIME", 0.1, "total exposure [s]");
  provenance.set("BIGINT", std::int64_t{1} << 40, "");
  provenance.set("THIRD", 1.0 / 3.0, "needs all 17 digits");
  provenance.set("CLIPPED", true, "sigma clipping applied");
  provenance.set("NORMED", false, "");
  provenance.set("STACKMTH", std::string("sigma_clip"), "stack method");
  provenance.set("NOVALUE", std::nan(""), "a statistic that could not be computed");
  provenance.set("OBJECT", std::string("M13 \xE2\x80\x94 Hercules cluster"), "non-ASCII dash");
  provenance.set("CONFIG", std::string(150, 'c'), "a value longer than one card");
  provenance.set("DATE-OBS", std::string("2024-05-01T22:10:00"), "");
  const std::vector<std::string> history = {
      "stages:", "  - id: lights",           "    paths: [" + std::string(90, 'p') + "]",
      "",        "    comment: caf\xC3\xA9", "first of two\nsecond of two\r\n",
  };
  ImageD pixels(7, 3, 3, 1.5);
  pixels.at(1, 2, 3) = std::nan("");  // undefined pixels are legal in float FITS
  write_fits(path, pixels, provenance, history);

  std::vector<std::string> cards;
  nightstack::testing::read_reference_fits(path, &cards);
  const auto has_card = [&](const std::string& start) {
    for (const auto& card : cards) {
      if (card.rfind(start, 0) == 0) return true;
    }
    return false;
  };
  BOOST_TEST(has_card("NCOMBINE=                   12 / number of frames combined"));
  BOOST_TEST(has_card("EXPTIME =                  0.1 / total exposure [s]"));
  BOOST_TEST(has_card("BIGINT  =        1099511627776"));
  for (const auto& card : cards) {
    if (card.rfind("THIRD   = ", 0) == 0) BOOST_TEST(std::strtod(card.c_str() + 10, nullptr) == 1.0 / 3.0);
  }
  BOOST_TEST(has_card("THIRD   = "));
  BOOST_TEST(has_card("CLIPPED =                    T"));
  BOOST_TEST(has_card("NORMED  =                    F"));
  BOOST_TEST(has_card("STACKMTH= 'sigma_clip'"));
  BOOST_TEST(has_card("NOVALUE = 'NaN"));
  BOOST_TEST(has_card("OBJECT  = 'M13 ? Hercules cluster'"));
  BOOST_TEST(has_card("CONFIG  = 'cccc"));
  BOOST_TEST(has_card("CONTINUE  'cccc"));
  BOOST_TEST(has_card("DATE-OBS= '2024-05-01T22:10:00'"));
  // No time of writing anywhere (no DATE card, no time in the checksum comments): the same data
  // and config give the same bytes, which run --resume relies on.
  BOOST_TEST(!has_card("DATE    = '"));
  BOOST_TEST(has_card("CHECKSUM= '"));
  BOOST_TEST(has_card("DATASUM = '"));
  for (const auto& card : cards) BOOST_TEST(!contains(card, "updated"), card);
  BOOST_TEST(has_card("HISTORY stages:"));
  BOOST_TEST(has_card("HISTORY   - id: lights"));                             // leading spaces survive
  BOOST_TEST(has_card("HISTORY     paths: [" + std::string(58, 'p') + " "));  // 70 characters
  BOOST_TEST(has_card("HISTORY " + std::string(32, 'p') + "] "));
  BOOST_TEST(has_card("HISTORY     comment: caf? "));
  BOOST_TEST(has_card("HISTORY first of two "));
  BOOST_TEST(has_card("HISTORY second of two "));

  const auto result = nightstack::testing::run_command({"fitsverify", "-q", path.string()});
  BOOST_TEST_MESSAGE("fitsverify: " << result.out << result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "verification OK"));
  BOOST_TEST(!contains(result.out, "FAILED"));
}

BOOST_AUTO_TEST_CASE(invalid_keys_are_refused_before_anything_is_written) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "bad.fits";
  for (const char* key : {"", "lower", "TOOLONGKEY", "BAD KEY", "NAXIS1", "BITPIX", "HISTORY", "CHECKSUM"}) {
    Provenance provenance;
    provenance.set(key, std::int64_t{1}, "");
    BOOST_CHECK_THROW(write_fits(path, ImageD(2, 2, 1), provenance, {}), std::invalid_argument);
  }
  BOOST_CHECK_THROW(write_fits(path, ImageD(2, 2, 2), Provenance{}, {}), std::invalid_argument);
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(uncreatable_directory_is_an_output_error) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "plain_file") << "x";
  const auto destination = directory.path() / "plain_file" / "out" / "stack.fits";
  BOOST_CHECK_THROW(write_fits(destination, ImageD(2, 2, 1), Provenance{}, {}), OutputError);
}

BOOST_AUTO_TEST_CASE(full_disk_leaves_no_file_and_no_temporary) {
  TemporaryDirectory directory;
  const auto destination = directory.path() / "stack.fits";
  try {
    nightstack::testing::FileSizeLimit limit(20000);
    write_fits(destination, ImageD(100, 100, 3, 1.0), Provenance{}, {"history"});
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST_MESSAGE("full disk: " << error.what());
    BOOST_TEST(error.path() == destination);
    BOOST_TEST(contains(error.what(), destination.string()));
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(destination_taken_by_a_directory_leaves_no_temporary) {
  TemporaryDirectory directory;
  const auto destination = directory.path() / "stack.fits";
  std::filesystem::create_directory(destination);
  BOOST_CHECK_THROW(write_fits(destination, ImageD(2, 2, 1), Provenance{}, {}), OutputError);
  BOOST_TEST(
      nightstack::testing::directory_entries(directory.path()) == std::vector<std::string>{"stack.fits"},
      boost::test_tools::per_element());
  BOOST_TEST(std::filesystem::is_directory(destination));
}
