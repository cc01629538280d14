// FITS output choices: BITPIX -32, -64 and 16 (scaled counts with clipping), the ROWORDER card,
// and BAYERPAT rewritten for the bottom-up row order, checked with CFITSIO, fitsverify and the reader.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fitsio.h>

#include <cmath>
#include <limits>
#include <map>

#include "io/fits_reader.hpp"
#include "io/fits_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;

namespace {

bool has_card(const std::vector<std::string>& cards, const std::string& start) {
  for (const auto& card : cards) {
    if (card.rfind(start, 0) == 0) return true;
  }
  return false;
}

void check_fitsverify(const std::filesystem::path& path) {
  const auto result = nightstack::testing::run_command({"fitsverify", "-q", path.string()});
  BOOST_TEST_MESSAGE("fitsverify: " << result.out << result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "verification OK"));
}

// The first `count` stored values of FITS row `fits_row` (from 1) of the first plane, as stored.
std::vector<double> stored_row(const std::filesystem::path& path, long fits_row, long count) {
  fitsfile* file = nullptr;
  int status = 0;
  fits_open_diskfile(&file, path.c_str(), READONLY, &status);
  std::vector<double> values(static_cast<std::size_t>(count));
  long first[3] = {1, fits_row, 1};
  int any_null = 0;
  fits_read_pix(file, TDOUBLE, first, count, nullptr, values.data(), &any_null, &status);
  fits_close_file(file, &status);
  BOOST_REQUIRE(status == 0);
  return values;
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_is_32_bit_float_with_roworder) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "default.fits";
  ImageD pixels(5, 4, 3);
  for (std::size_t index = 0; index < pixels.samples().size(); ++index)
    pixels.samples()[index] = index * 0.25;
  write_fits(path, pixels, Provenance{}, {});
  std::vector<std::string> cards;
  const ImageD read = nightstack::testing::read_reference_fits(path, &cards);
  BOOST_TEST(read.samples() == pixels.samples(), boost::test_tools::per_element());
  BOOST_TEST(has_card(cards, "BITPIX  =                  -32"));
  BOOST_TEST(has_card(cards, "ROWORDER= 'BOTTOM-UP'"));
  BOOST_TEST(!has_card(cards, "BZERO"));
  BOOST_TEST(!has_card(cards, "VALSCALE"));
}

BOOST_AUTO_TEST_CASE(bitpix_minus_64_keeps_every_double) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "double.fits";
  ImageD pixels(7, 3, 1);
  for (std::size_t index = 0; index < pixels.samples().size(); ++index) {
    pixels.samples()[index] = 1.0 / 3.0 + static_cast<double>(index) * 1e-12;  // no float holds these
  }
  pixels.at(0, 1, 1) = 1e300;
  pixels.at(0, 2, 6) = -std::numeric_limits<double>::denorm_min();
  write_fits(path, pixels, Provenance{}, {}, {.bitpix = -64});
  std::vector<std::string> cards;
  const ImageD read = nightstack::testing::read_reference_fits(path, &cards);
  BOOST_TEST(read.samples() == pixels.samples(), boost::test_tools::per_element());
  BOOST_TEST(has_card(cards, "BITPIX  =                  -64"));
}

BOOST_AUTO_TEST_CASE(bitpix_16_stores_rounded_clipped_counts) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "counts.fits";
  // value -> count: round(value * 65535), halves away from zero, clipped to 0..65535.
  const std::vector<std::pair<double, double>> expected_counts = {
      {0.0, 0.0},
      {1.0 / 65535.0, 1.0},
      {0.4999 / 65535.0, 0.0},
      {1.5 / 65535.0, 2.0},
      {0.5, 32768.0},  // 32767.5 rounds up
      {0.2, 13107.0},
      {1.0, 65535.0},
      {65534.4 / 65535.0, 65534.0},
      {-0.25, 0.0},                                     // clipped low
      {std::numeric_limits<double>::quiet_NaN(), 0.0},  // clipped low
      {1.5, 65535.0},                                   // clipped high
      {std::numeric_limits<double>::infinity(), 65535.0},
  };
  ImageD pixels(static_cast<int>(expected_counts.size()), 2, 3, 0.0);
  for (int channel = 0; channel < 3; ++channel) {
    for (std::size_t column = 0; column < expected_counts.size(); ++column) {
      pixels.at(channel, 0, static_cast<int>(column)) = expected_counts[column].first;
    }
  }
  write_fits(path, pixels, Provenance{}, {}, {.bitpix = 16});
  std::vector<std::string> cards;
  const ImageD read = nightstack::testing::read_reference_fits(path, &cards);
  for (int channel = 0; channel < 3; ++channel) {
    for (std::size_t column = 0; column < expected_counts.size(); ++column) {
      BOOST_TEST(read.at(channel, 0, static_cast<int>(column)) == expected_counts[column].second,
                 "value " << expected_counts[column].first);
      BOOST_TEST(read.at(channel, 1, static_cast<int>(column)) == 0.0);
    }
  }
  BOOST_TEST(has_card(cards, "BITPIX  =                   16"));
  BOOST_TEST(has_card(cards, "BZERO   =                32768"));
  BOOST_TEST(has_card(cards, "BSCALE  =                    1"));
  BOOST_TEST(has_card(cards, "VALSCALE=                65535"));
  BOOST_TEST(has_card(cards, "NCLIPLO =                    6"));  // 2 per plane
  BOOST_TEST(has_card(cards, "NCLIPHI =                    6"));
  BOOST_TEST(has_card(cards, "ROWORDER= 'BOTTOM-UP'"));
}

// fitsverify, an independent checker, on each sample type (apart, so that the cases above run
// where fitsverify is missing).
BOOST_AUTO_TEST_CASE(every_sample_type_passes_fitsverify, *nightstack::testing::NeedsOutsideTool()) {
  nightstack::testing::require_program("fitsverify", "fitsverify");
  TemporaryDirectory directory;
  ImageD pixels(5, 4, 3);
  for (std::size_t index = 0; index < pixels.samples().size(); ++index) {
    pixels.samples()[index] = static_cast<double>(index) / 70.0 - 0.1;  // some clipped at 16 bits
  }
  for (const int bitpix : {-32, -64, 16}) {
    BOOST_TEST_CONTEXT("BITPIX " << bitpix) {
      const auto path = directory.path() / ("bitpix" + std::to_string(bitpix) + ".fits");
      write_fits(path, pixels, Provenance{}, {"checked by fitsverify"}, {.bitpix = bitpix});
      check_fitsverify(path);
    }
  }
}

BOOST_AUTO_TEST_CASE(bayer_pattern_is_rewritten_for_the_bottom_up_rows) {
  TemporaryDirectory directory;
  const std::map<std::string, std::string> even_height = {
      {"RGGB", "GBRG"}, {"GBRG", "RGGB"}, {"GRBG", "BGGR"}, {"BGGR", "GRBG"}};
  const std::map<char, double> colour_value = {{'R', 1.0}, {'G', 2.0}, {'B', 3.0}};
  FitsReader cfa_reader(ReadOptions{.bayer = "cfa"});
  for (const auto& [pattern, from_bottom] : even_height) {
    for (const int height : {4, 5}) {
      BOOST_TEST_CONTEXT(pattern << ", height " << height) {
        // A mosaic whose values name the colour of each pixel, from the top-left pattern.
        ImageD mosaic(6, height, 1);
        for (int row = 0; row < height; ++row) {
          for (int column = 0; column < 6; ++column) {
            mosaic.at(0, row, column) = colour_value.at(pattern[2 * (row % 2) + column % 2]);
          }
        }
        Provenance provenance;
        provenance.set("BAYERPAT", pattern, "Bayer pattern of the mosaic (from the top-left pixel)");
        const auto path = directory.path() / ("mosaic" + std::to_string(height) + pattern + ".fits");
        write_fits(path, mosaic, provenance, {});

        std::vector<std::string> cards;
        nightstack::testing::read_reference_fits(path, &cards);
        const std::string written = height % 2 == 0 ? from_bottom : pattern;
        BOOST_TEST(has_card(cards, "BAYERPAT= '" + written + "    '"));  // FITS pads strings to 8
        // The card describes FITS pixel (1,1) and its neighbours as stored.
        const std::vector<double> first_row = stored_row(path, 1, 2);
        const std::vector<double> second_row = stored_row(path, 2, 2);
        BOOST_TEST(first_row[0] == colour_value.at(written[0]));
        BOOST_TEST(first_row[1] == colour_value.at(written[1]));
        BOOST_TEST(second_row[0] == colour_value.at(written[2]));
        BOOST_TEST(second_row[1] == colour_value.at(written[3]));

        // nightstack's own reader gives back the top-left pattern and the same mosaic.
        const Frame frame = cfa_reader.read(path);
        BOOST_TEST(frame.info.cfa_pattern == pattern);
        BOOST_TEST(std::vector<double>(frame.pixels.samples().begin(), frame.pixels.samples().end()) ==
                       mosaic.samples(),
                   boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_before_anything_is_written) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "bad.fits";
  for (const int bitpix : {8, 32, -16, 0, 64}) {
    BOOST_CHECK_THROW(write_fits(path, ImageD(2, 2, 1), Provenance{}, {}, {.bitpix = bitpix}),
                      std::invalid_argument);
  }
  for (const HeaderCard::Value& value :
       {HeaderCard::Value(std::string("RGB")), HeaderCard::Value(std::int64_t{1}),
        HeaderCard::Value(std::string("rggb"))}) {
    Provenance provenance;
    provenance.set("BAYERPAT", value, "");
    BOOST_CHECK_THROW(write_fits(path, ImageD(2, 2, 1), provenance, {}), std::invalid_argument);
  }
  for (const char* key : {"ROWORDER", "VALSCALE", "NCLIPLO", "NCLIPHI"}) {
    Provenance provenance;
    provenance.set(key, std::int64_t{1}, "");
    BOOST_CHECK_THROW(write_fits(path, ImageD(2, 2, 1), provenance, {}), std::invalid_argument);
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}
