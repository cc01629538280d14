// Gradient-corrected (Malvar-He-Cutler) demosaicing against a direct 5x5 convolution with the
// paper's kernels, and against bilinear on a generated scene with known colours; the demosaic stage.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/bayer.hpp"
#include "imaging/demosaic_gradient.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

using Kernel = double[5][5];  // in eighths, [row offset + 2][column offset + 2]

// The paper's Figure 2, written as matrices (the implementation writes them as sums).
const Kernel green_at_red_or_blue = {
    {0, 0, -1, 0, 0}, {0, 0, 2, 0, 0}, {-1, 2, 4, 2, -1}, {0, 0, 2, 0, 0}, {0, 0, -1, 0, 0}};
const Kernel colour_in_row = {
    {0, 0, 0.5, 0, 0}, {0, -1, 0, -1, 0}, {-1, 4, 5, 4, -1}, {0, -1, 0, -1, 0}, {0, 0, 0.5, 0, 0}};
const Kernel colour_in_column = {
    {0, 0, -1, 0, 0}, {0, -1, 4, -1, 0}, {0.5, 0, 5, 0, 0.5}, {0, -1, 4, -1, 0}, {0, 0, -1, 0, 0}};
const Kernel colour_on_diagonal = {
    {0, 0, -1.5, 0, 0}, {0, 2, 0, 2, 0}, {-1.5, 0, 6, 0, -1.5}, {0, 2, 0, 2, 0}, {0, 0, -1.5, 0, 0}};

double convolve(const ImageF& mosaic, int row, int column, const Kernel& kernel) {
  double sum = 0;
  for (int dy = -2; dy <= 2; ++dy)
    for (int dx = -2; dx <= 2; ++dx) sum += kernel[dy + 2][dx + 2] * mosaic.at(0, row + dy, column + dx);
  return sum / 8;
}

// The scene: correlated colour channels (a tinted luminance), with a smooth ramp, a fine ripple and
// a sharp diagonal edge, as natural images have.
double scene(int channel, int row, int column) {
  const double tint[3] = {0.9, 1.0, 0.6};
  double luminance = 200 + 2 * column + 40 * std::sin(row * 0.7) * std::cos(column * 0.45);
  if (row + 0.6 * column > 30) luminance += 300;
  return tint[channel] * luminance + 15 * channel;
}

ImageF truth_image(int width, int height) {
  ImageF image(width, height, 3);
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column)
        image.at(channel, row, column) = static_cast<float>(scene(channel, row, column));
  return image;
}

ImageF mosaic_of(const ImageF& image, const BayerPattern& pattern) {
  ImageF mosaic(image.width(), image.height(), 1);
  for (int row = 0; row < image.height(); ++row)
    for (int column = 0; column < image.width(); ++column)
      mosaic.at(0, row, column) = image.at(pattern.channel_at(row, column), row, column);
  return mosaic;
}

// Over the pixels at least 2 from the border, where both methods use real neighbours only.
double peak_signal_to_noise(const ImageF& result, const ImageF& truth) {
  double squared = 0, peak = 0;
  std::size_t count = 0;
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 2; row < truth.height() - 2; ++row)
      for (int column = 2; column < truth.width() - 2; ++column) {
        const double error = result.at(channel, row, column) - truth.at(channel, row, column);
        squared += error * error;
        peak = std::max(peak, static_cast<double>(truth.at(channel, row, column)));
        ++count;
      }
  return 10 * std::log10(peak * peak / (squared / static_cast<double>(count)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(demosaic)

BOOST_AUTO_TEST_CASE(gradient_corrected_equals_the_papers_kernels_for_every_pattern) {
  for (const char* name : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
    const auto pattern = *BayerPattern::parse(name);
    const ImageF mosaic = mosaic_of(truth_image(12, 10), pattern);
    const ImageF rgb = demosaic_gradient_corrected(mosaic, pattern);
    for (int row = 2; row < 8; ++row)
      for (int column = 2; column < 10; ++column) {
        const int own = pattern.channel_at(row, column);
        for (int channel = 0; channel < 3; ++channel) {
          double expected = 0;
          if (channel == own) {
            expected = mosaic.at(0, row, column);
          } else if (channel == 1) {
            expected = convolve(mosaic, row, column, green_at_red_or_blue);
          } else if (own == 1) {
            const bool along_row = pattern.channel_at(row, column + 1) == channel;
            expected = convolve(mosaic, row, column, along_row ? colour_in_row : colour_in_column);
          } else {
            expected = convolve(mosaic, row, column, colour_on_diagonal);
          }
          BOOST_TEST(rgb.at(channel, row, column) == expected, boost::test_tools::tolerance(1e-5));
        }
      }
  }
}

BOOST_AUTO_TEST_CASE(gradient_corrected_beats_bilinear_on_a_scene_with_edges) {
  const auto pattern = *BayerPattern::parse("RGGB");
  const ImageF truth = truth_image(64, 48);
  const ImageF mosaic = mosaic_of(truth, pattern);
  const double bilinear = peak_signal_to_noise(demosaic_bilinear(mosaic, pattern), truth);
  const double gradient = peak_signal_to_noise(demosaic_gradient_corrected(mosaic, pattern), truth);
  BOOST_TEST_MESSAGE("PSNR bilinear " << bilinear << " dB, gradient-corrected " << gradient << " dB");
  BOOST_TEST(gradient > bilinear + 3.0);
}

BOOST_AUTO_TEST_CASE(known_values_are_kept_and_flat_colours_are_exact_up_to_the_border) {
  const auto pattern = *BayerPattern::parse("GBRG");
  ImageF colour(9, 7, 3);
  const float value[3] = {0.8f, 0.5f, 0.25f};
  for (int channel = 0; channel < 3; ++channel)
    for (float& sample : colour.plane(channel)) sample = value[channel];
  const ImageF mosaic = mosaic_of(colour, pattern);
  const ImageF rgb = demosaic_gradient_corrected(mosaic, pattern);
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < 7; ++row)
      for (int column = 0; column < 9; ++column)
        BOOST_TEST(rgb.at(channel, row, column) == value[channel], boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(the_stage_demosaics_cfa_frames_and_refuses_others) {
  auto stage = build_stage<FrameTransform>("demosaic", {});
  Frame frame;
  frame.pixels = mosaic_of(truth_image(8, 6), *BayerPattern::parse("RGGB"));
  frame.info.cfa_pattern = "RGGB";
  frame.info.path = "light.fits";
  const Frame result = stage->transform(frame);
  BOOST_TEST(result.pixels.channels() == 3);
  BOOST_TEST(result.info.cfa_pattern.empty());
  BOOST_TEST(result.info.colour_processing.find("Malvar-He-Cutler") != std::string::npos);

  frame.info.cfa_pattern.clear();
  try {
    stage->transform(frame);
    BOOST_FAIL("a frame without a CFA pattern was demosaiced");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()).find("light.fits") != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("raw_mode: cfa") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
