// FITS header metadata into frames: exposure, time, instrument keys, ROWORDER and Bayer mosaics
// (BAYERPAT with offsets), on files written here straight through CFITSIO.
#define BOOST_TEST_DYN_LINK
#include <fitsio.h>

#include <boost/test/unit_test.hpp>
#include <functional>

#include "imaging/bayer.hpp"
#include "io/fits_reader.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/timestamp.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

// Writes a 16-bit FITS whose stored rows are `stored_rows` (FITS row 1 first) and lets `add_keys`
// write header cards.
void write_fits_with_keys(const std::filesystem::path& path, int width,
                          const std::vector<std::vector<int>>& stored_rows,
                          const std::function<void(fitsfile*, int&)>& add_keys) {
  fitsfile* file = nullptr;
  int status = 0;
  long axes[2] = {width, static_cast<long>(stored_rows.size())};
  fits_create_file(&file, path.c_str(), &status);
  fits_create_img(file, USHORT_IMG, 2, axes, &status);
  add_keys(file, status);
  std::vector<unsigned short> values;
  for (const auto& row : stored_rows) values.insert(values.end(), row.begin(), row.end());
  fits_write_img(file, TUSHORT, 1, static_cast<LONGLONG>(values.size()), values.data(), &status);
  fits_close_file(file, &status);
  BOOST_TEST_REQUIRE(status == 0);
}

void write_text(fitsfile* file, const char* key, const char* value, int& status) {
  fits_write_key(file, TSTRING, key, const_cast<char*>(value), nullptr, &status);
}
void write_number(fitsfile* file, const char* key, double value, int& status) {
  fits_write_key(file, TDOUBLE, key, &value, nullptr, &status);
}

// Stored rows of a 4x4 flat-colour mosaic (R=100, G=200, B=300) whose first stored pixel has `pattern`.
std::vector<std::vector<int>> stored_flat_mosaic(const char* pattern) {
  auto layout = *BayerPattern::parse(pattern);
  const int colour[3] = {100, 200, 300};
  std::vector<std::vector<int>> rows(4, std::vector<int>(4));
  for (int row = 0; row < 4; ++row) {
    for (int column = 0; column < 4; ++column) rows[row][column] = colour[layout.channel_at(row, column)];
  }
  return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fits_metadata)

BOOST_AUTO_TEST_CASE(capture_keys_become_frame_metadata) {
  TemporaryDirectory directory;
  auto path = directory.path() / "light.fits";
  write_fits_with_keys(path, 2, {{1, 2}, {3, 4}}, [](fitsfile* file, int& status) {
    write_number(file, "EXPTIME", 6.0, status);
    write_number(file, "GAIN", 180, status);
    write_text(file, "DATE-OBS", "2018-09-07T22:31:45.431", status);
    write_text(file, "INSTRUME", "ZWO CCD ASI224MC", status);
    write_text(file, "TELESCOP", "EQMod Mount", status);
    write_text(file, "FILTER", "Luminance", status);
    write_text(file, "OBJECT", "M27", status);
  });
  Frame frame = FitsReader().read(path);
  const auto& capture = frame.info.capture;
  BOOST_TEST(*capture.exposure_seconds == 6.0);
  BOOST_TEST(*capture.gain == 180.0);
  BOOST_TEST(capture.start_time_is_utc);
  BOOST_TEST(format_timestamp(*capture.start_time) == "2018-09-07T22:31:45.431");
  BOOST_TEST(capture.instrument == "ZWO CCD ASI224MC");
  BOOST_TEST(capture.telescope == "EQMod Mount");
  BOOST_TEST(capture.filter == "Luminance");
  BOOST_TEST(capture.object == "M27");
  BOOST_TEST(frame.info.bits_per_sample == 16);
}

BOOST_AUTO_TEST_CASE(exposure_and_split_date_time_fall_back_to_older_keys) {
  TemporaryDirectory directory;
  auto path = directory.path() / "old.fits";
  write_fits_with_keys(path, 1, {{7}}, [](fitsfile* file, int& status) {
    write_number(file, "EXPOSURE", 150.04, status);
    write_text(file, "DATE-OBS", "2013-07-13", status);
    write_text(file, "TIME-OBS", "21:04:05", status);
  });
  Frame frame = FitsReader().read(path);
  BOOST_TEST(*frame.info.capture.exposure_seconds == 150.04);
  BOOST_TEST(format_timestamp(*frame.info.capture.start_time, 0) == "2013-07-13T21:04:05");
}

BOOST_AUTO_TEST_CASE(missing_keys_stay_unknown) {
  TemporaryDirectory directory;
  auto path = directory.path() / "bare.fits";
  write_fits_with_keys(path, 1, {{7}}, [](fitsfile*, int&) {});
  Frame frame = FitsReader().read(path);
  BOOST_TEST(!frame.info.capture.exposure_seconds);
  BOOST_TEST(!frame.info.capture.start_time);
  BOOST_TEST(frame.info.capture.instrument.empty());
}

BOOST_AUTO_TEST_CASE(rows_follow_roworder) {
  TemporaryDirectory directory;
  auto bottom_up = directory.path() / "bottom_up.fits";
  auto top_down = directory.path() / "top_down.fits";
  write_fits_with_keys(bottom_up, 1, {{1}, {2}, {3}}, [](fitsfile*, int&) {});
  write_fits_with_keys(top_down, 1, {{1}, {2}, {3}},
                       [](fitsfile* file, int& status) { write_text(file, "ROWORDER", "TOP-DOWN", status); });
  // Default FITS order: the first stored row is the bottom of the picture.
  BOOST_TEST(FitsReader().read(bottom_up).pixels.samples() == std::vector<float>({3, 2, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(FitsReader().read(top_down).pixels.samples() == std::vector<float>({1, 2, 3}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bayer_mosaics_are_demosaiced_with_the_right_pattern) {
  TemporaryDirectory directory;
  for (const char* pattern : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
    for (bool top_down : {false, true}) {
      auto path = directory.path() / (std::string(pattern) + (top_down ? "_td" : "_bu") + ".fits");
      write_fits_with_keys(path, 4, stored_flat_mosaic(pattern), [&](fitsfile* file, int& status) {
        write_text(file, "BAYERPAT", pattern, status);
        if (top_down) write_text(file, "ROWORDER", "TOP-DOWN", status);
      });
      Frame frame = FitsReader().read(path);
      BOOST_TEST_INFO(pattern << (top_down ? " top-down" : " bottom-up"));
      BOOST_TEST_REQUIRE(frame.pixels.channels() == 3);
      for (float value : frame.pixels.plane(0)) BOOST_TEST(value == 100.0f);
      for (float value : frame.pixels.plane(1)) BOOST_TEST(value == 200.0f);
      for (float value : frame.pixels.plane(2)) BOOST_TEST(value == 300.0f);
      BOOST_TEST(frame.info.cfa_pattern.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(cfa_mode_keeps_the_mosaic_and_names_its_top_left_pattern) {
  TemporaryDirectory directory;
  auto path = directory.path() / "cfa.fits";
  // First stored pixel is R; the image has 4 rows, so after flipping the top row is stored row 4: "GB".
  write_fits_with_keys(path, 4, stored_flat_mosaic("RGGB"),
                       [](fitsfile* file, int& status) { write_text(file, "BAYERPAT", "RGGB", status); });
  ReadOptions options;
  options.bayer = "cfa";
  Frame frame = FitsReader(options).read(path);
  BOOST_TEST(frame.pixels.channels() == 1);
  BOOST_TEST(frame.info.cfa_pattern == "GBRG");
  BOOST_TEST(frame.pixels.at(0, 0, 0) == 200.0f);
  BOOST_TEST(frame.pixels.at(0, 0, 1) == 300.0f);
}

BOOST_AUTO_TEST_CASE(bayer_offsets_move_the_pattern) {
  TemporaryDirectory directory;
  auto path = directory.path() / "offset.fits";
  // Stored as GRBG from the first pixel, declared RGGB with XBAYROFF = 1: the same thing.
  write_fits_with_keys(path, 4, stored_flat_mosaic("GRBG"), [](fitsfile* file, int& status) {
    write_text(file, "BAYERPAT", "RGGB", status);
    write_number(file, "XBAYROFF", 1, status);
    write_text(file, "ROWORDER", "TOP-DOWN", status);
  });
  Frame frame = FitsReader().read(path);
  for (float value : frame.pixels.plane(0)) BOOST_TEST(value == 100.0f);
  for (float value : frame.pixels.plane(2)) BOOST_TEST(value == 300.0f);
}

BOOST_AUTO_TEST_CASE(an_unknown_bayer_pattern_is_an_error) {
  TemporaryDirectory directory;
  auto path = directory.path() / "cmyg.fits";
  write_fits_with_keys(path, 2, {{1, 2}, {3, 4}},
                       [](fitsfile* file, int& status) { write_text(file, "BAYERPAT", "CMYG", status); });
  BOOST_CHECK_EXCEPTION(FitsReader().read(path), InputError, [](const InputError& error) {
    return std::string(error.what()).find("CMYG") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
