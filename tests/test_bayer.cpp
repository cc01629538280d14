// Bayer patterns (shifts, flips) and bilinear demosaicing on mosaics with known colours.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <random>

#include "imaging/bayer.hpp"

using namespace nightstack;

namespace {

// A mosaic of a flat colour (red, green, blue) sampled through `pattern`.
ImageF flat_mosaic(const BayerPattern& pattern, int width, int height, const float (&colour)[3]) {
  ImageF mosaic(width, height, 1);
  for (int row = 0; row < height; ++row) {
    for (int column = 0; column < width; ++column)
      mosaic.at(0, row, column) = colour[pattern.channel_at(row, column)];
  }
  return mosaic;
}

// The definition, pixel by pixel: each missing colour the mean (summed from 0 in row-major order)
// of the same-colour pixels among the 3x3 neighbours that exist.
ImageF reference_demosaic(const ImageF& mosaic, const BayerPattern& pattern) {
  const int width = mosaic.width(), height = mosaic.height();
  ImageF rgb(width, height, 3);
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column) {
      float sums[3] = {0, 0, 0};
      int counts[3] = {0, 0, 0};
      for (int y = row - 1; y <= row + 1; ++y)
        for (int x = column - 1; x <= column + 1; ++x) {
          if (y < 0 || x < 0 || y >= height || x >= width) continue;
          sums[pattern.channel_at(y, x)] += mosaic.at(0, y, x);
          ++counts[pattern.channel_at(y, x)];
        }
      for (int channel = 0; channel < 3; ++channel)
        rgb.at(channel, row, column) =
            channel == pattern.channel_at(row, column)
                ? mosaic.at(0, row, column)
                : (counts[channel] ? sums[channel] / static_cast<float>(counts[channel]) : 0.0f);
    }
  return rgb;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bayer)

BOOST_AUTO_TEST_CASE(demosaicing_gives_the_bits_of_the_pixel_by_pixel_definition) {
  // Random values (sums round differently in every order), odd and even sizes, every pattern: the
  // interior fast path and the edges must give exactly what the definition gives.
  std::mt19937 generator(15);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  for (const char* name : {"RGGB", "GRBG", "GBRG", "BGGR"})
    for (auto [width, height] : {std::pair{9, 7}, {8, 6}, {2, 2}, {1, 5}, {5, 1}, {3, 3}}) {
      const auto pattern = *BayerPattern::parse(name);
      ImageF mosaic(width, height, 1);
      for (float& sample : mosaic.samples()) sample = value(generator);
      const ImageF expected = reference_demosaic(mosaic, pattern);
      ImageF reused(width, height, 3, 123.0f);  // storage with old values: every sample is written
      demosaic_bilinear(mosaic, pattern, reused);
      BOOST_TEST_CONTEXT(name << " " << width << "x" << height) {
        BOOST_TEST((demosaic_bilinear(mosaic, pattern).samples() == expected.samples()));
        BOOST_TEST((reused.samples() == expected.samples()));
      }
    }
}

BOOST_AUTO_TEST_CASE(patterns_parse_and_name_their_cells) {
  BOOST_TEST(BayerPattern::parse("rggb ")->name() == "RGGB");
  BOOST_TEST(!BayerPattern::parse("RGBG"));
  BOOST_TEST(!BayerPattern::parse(""));
  auto rggb = *BayerPattern::parse("RGGB");
  BOOST_TEST(rggb.channel_at(0, 0) == 0);
  BOOST_TEST(rggb.channel_at(0, 1) == 1);
  BOOST_TEST(rggb.channel_at(1, 0) == 1);
  BOOST_TEST(rggb.channel_at(1, 1) == 2);
  BOOST_TEST(rggb.channel_at(3, 5) == 2);
}

BOOST_AUTO_TEST_CASE(shifting_and_flipping_move_the_origin) {
  auto rggb = *BayerPattern::parse("RGGB");
  BOOST_TEST(rggb.shifted(0, 1).name() == "GRBG");
  BOOST_TEST(rggb.shifted(1, 0).name() == "GBRG");
  BOOST_TEST(rggb.shifted(1, 1).name() == "BGGR");
  BOOST_TEST(rggb.shifted(2, -2).name() == "RGGB");
  // Flipping an even number of rows brings the second pattern row to the top; an odd number does not.
  BOOST_TEST(rggb.flipped_vertically(976).name() == "GBRG");
  BOOST_TEST(rggb.flipped_vertically(5).name() == "RGGB");
  BOOST_TEST(BayerPattern::parse("GRBG")->flipped_vertically(1920).name() == "BGGR");
}

BOOST_AUTO_TEST_CASE(a_flat_colour_demosaics_to_itself_everywhere) {
  const float colour[3] = {0.8f, 0.5f, 0.25f};
  for (const char* name : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
    auto pattern = *BayerPattern::parse(name);
    ImageF rgb = demosaic_bilinear(flat_mosaic(pattern, 7, 5, colour), pattern);
    BOOST_TEST_REQUIRE(rgb.channels() == 3);
    for (int channel = 0; channel < 3; ++channel) {
      for (float value : rgb.plane(channel)) BOOST_TEST(value == colour[channel]);
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_colours_are_neighbour_means) {
  auto pattern = *BayerPattern::parse("RGGB");
  ImageF mosaic(4, 4, 1);
  for (int i = 0; i < 16; ++i) mosaic.samples()[i] = static_cast<float>(i);
  ImageF rgb = demosaic_bilinear(mosaic, pattern);
  // Pixel (1,1) is blue (value 5): red is the mean of its four diagonal reds (0, 2, 8, 10),
  // green the mean of its four direct greens (1, 4, 6, 9).
  BOOST_TEST(rgb.at(2, 1, 1) == 5.0f);
  BOOST_TEST(rgb.at(0, 1, 1) == 5.0f);
  BOOST_TEST(rgb.at(1, 1, 1) == 5.0f);
  // Pixel (0,1) is green (value 1): red from (0,0) and (0,2) → 1; blue from (1,1) only at the top edge → 5.
  BOOST_TEST(rgb.at(0, 0, 1) == 1.0f);
  BOOST_TEST(rgb.at(2, 0, 1) == 5.0f);
  BOOST_TEST(rgb.at(1, 0, 1) == 1.0f);
}

BOOST_AUTO_TEST_SUITE_END()
