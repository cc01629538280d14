// linearize and normalize built through the real registry entries, on tiny frames with known answers.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/transfer_curve.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/image_statistics.hpp"
#include "stages/registry.hpp"
#include "stages/stretch_curves.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace tt = boost::test_tools;

namespace {

// Builds a stage from its registry entry with the given parameters plus the schema's defaults.

Frame jpeg_like_frame(std::vector<float> codes) {
  Frame frame;
  frame.pixels = ImageF(static_cast<int>(codes.size()), 1, 1);
  frame.pixels.samples() = std::move(codes);
  frame.info.encoding = Encoding::srgb;
  frame.info.white_level = 255;
  frame.info.format = "JPEG";
  return frame;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stages)

BOOST_AUTO_TEST_CASE(linearize_srgb_maps_every_code_exactly) {
  auto linearize = build_stage<FrameTransform>("linearize", {{"transfer", std::string("srgb")}});
  std::vector<float> codes(256);
  for (int code = 0; code < 256; ++code) codes[code] = static_cast<float>(code);
  Frame result = linearize->transform(jpeg_like_frame(codes));
  for (int code = 0; code < 256; ++code) {
    BOOST_TEST(result.pixels.samples()[code] == static_cast<float>(srgb_to_linear(code / 255.0)));
  }
  BOOST_CHECK(result.info.encoding == Encoding::linear);
  BOOST_TEST(result.info.white_level == 1.0);
  BOOST_TEST(result.info.linearization == "srgb");
}

BOOST_AUTO_TEST_CASE(linearize_values_that_are_not_codes_use_the_formula_in_any_chunk) {
  // The table is applied chunk by chunk (2048 values) after a check that the chunk holds codes only;
  // a chunk with a fraction, a negative, an out-of-range value or NaN goes value by value.
  auto linearize = build_stage<FrameTransform>("linearize", {{"transfer", std::string("srgb")}});
  std::vector<float> values(5000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37) % 256);
  values[100] = -1.0f;
  values[2100] = 300.0f;
  values[3000] = 12.5f;
  values[4500] = NAN;
  Frame result = linearize->transform(jpeg_like_frame(values));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float expected = static_cast<float>(srgb_to_linear(values[i] / 255.0));
    if (std::isnan(values[i])) {
      BOOST_TEST(std::isnan(result.pixels.samples()[i]));
    } else {
      BOOST_TEST(result.pixels.samples()[i] == expected, "sample " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(linearize_auto_follows_the_file_encoding) {
  auto linearize = build_stage<FrameTransform>("linearize", {});
  BOOST_TEST(linearize->transform(jpeg_like_frame({128})).pixels.samples()[0] ==
             static_cast<float>(srgb_to_linear(128 / 255.0)));
  Frame fits;
  fits.pixels = ImageF(2, 1, 1);
  fits.pixels.samples() = {65535.0f, 1000.5f};  // a non-integer value takes the formula path
  fits.info.encoding = Encoding::linear;
  fits.info.white_level = 65535;
  Frame result = linearize->transform(fits);
  BOOST_TEST(result.pixels.samples()[0] == 1.0f);
  BOOST_TEST(result.pixels.samples()[1] == static_cast<float>(1000.5 / 65535.0));
  BOOST_TEST(result.info.linearization == "linear");
}

BOOST_AUTO_TEST_CASE(linearize_linear_data_is_value_over_white_level_for_codes_and_the_rest) {
  // Linear frames are only scaled: every 16-bit code, demosaiced fractions, NaN, a 12-bit white level.
  auto linearize = build_stage<FrameTransform>("linearize", {});
  for (double white_level : {65535.0, 4095.0, 1.0}) {
    Frame fits;
    std::vector<float> values;
    for (int code = 0; code <= 65535; ++code) values.push_back(static_cast<float>(code));
    for (float other : {0.25f, 1000.75f, -3.5f, 70000.0f, NAN}) values.push_back(other);
    fits.pixels = ImageF(static_cast<int>(values.size()), 1, 1);
    fits.pixels.samples() = values;
    fits.info.encoding = Encoding::linear;
    fits.info.white_level = white_level;
    const Frame result = linearize->transform(fits);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const float expected = static_cast<float>(values[i] / white_level);
      const float got = result.pixels.samples()[i];
      mismatches += std::isnan(expected) ? !std::isnan(got) : got != expected;
    }
    BOOST_TEST(mismatches == 0u, "white level " << white_level);
    BOOST_TEST(result.info.white_level == 1.0);
  }
}

BOOST_AUTO_TEST_CASE(linearize_gamma_uses_the_exponent) {
  auto linearize =
      build_stage<FrameTransform>("linearize", {{"transfer", std::string("gamma")}, {"gamma", 2.0}});
  Frame result = linearize->transform(jpeg_like_frame({51, 255}));
  BOOST_TEST(result.pixels.samples()[0] == static_cast<float>(0.2 * 0.2),
             boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(result.pixels.samples()[1] == 1.0f);
  BOOST_TEST(result.info.linearization == "gamma 2");
}

Image ramp_image(int size) {
  Image image;
  image.pixels = ImageD(size, 1, 1);
  for (int i = 0; i < size; ++i) image.pixels.samples()[i] = i;
  return image;
}

BOOST_AUTO_TEST_CASE(normalize_percentile_sets_black_and_white_points) {
  auto normalize = build_stage<ImageTransform>("normalize", {{"low", 10.0}, {"high", 90.0}});
  Image result = normalize->transform(ramp_image(11));  // percentiles 10 and 90 of 0..10 are 1 and 9
  BOOST_TEST(result.pixels.samples()[1] == 0.0);
  BOOST_TEST(result.pixels.samples()[9] == 1.0);
  BOOST_TEST(result.pixels.samples()[5] == 0.5);
  BOOST_TEST(result.pixels.samples()[10] == 9.0 / 8.0);  // not clipped here
  BOOST_TEST(std::get<double>(result.provenance.find("NORMBLK")->value) == 1.0);
  BOOST_TEST(std::get<double>(result.provenance.find("NORMWHT")->value) == 9.0);
  BOOST_TEST(std::get<std::string>(result.provenance.find("NORMMETH")->value) == "percentile");
}

BOOST_AUTO_TEST_CASE(normalize_max_divides_by_the_brightest_value) {
  auto normalize = build_stage<ImageTransform>("normalize", {{"method", std::string("max")}});
  Image result = normalize->transform(ramp_image(5));
  BOOST_TEST(result.pixels.samples()[4] == 1.0);
  BOOST_TEST(result.pixels.samples()[2] == 0.5);
}

BOOST_AUTO_TEST_CASE(normalize_of_a_flat_image_stays_finite) {
  auto normalize = build_stage<ImageTransform>("normalize", {});
  Image flat;
  flat.pixels = ImageD(3, 3, 1, 0.25);
  Image result = normalize->transform(flat);
  for (double value : result.pixels.samples()) BOOST_TEST(std::isfinite(value));
}

BOOST_AUTO_TEST_CASE(normalize_refuses_low_above_high) {
  BOOST_CHECK_THROW(build_stage<ImageTransform>("normalize", {{"low", 90.0}, {"high", 10.0}}),
                    ParameterError);
}

BOOST_AUTO_TEST_CASE(normalize_defaults_record_a_linked_linear_stretch) {
  auto normalize = build_stage<ImageTransform>("normalize", {});
  Image result = normalize->transform(ramp_image(11));
  BOOST_TEST(std::get<std::string>(result.provenance.find("NORMCURV")->value) == "linear");
  BOOST_TEST(std::get<std::string>(result.provenance.find("NORMCHAN")->value) == "linked");
  BOOST_TEST(result.provenance.find("NORMBLK1") == nullptr);
}

// Three channels of one ramp with a colour cast: channel c is 0..10 scaled by (c + 1) and raised by c.
Image cast_ramp_image() {
  Image image;
  image.pixels = ImageD(11, 1, 3);
  for (int channel = 0; channel < 3; ++channel) {
    for (int i = 0; i < 11; ++i) image.pixels.at(channel, 0, i) = (channel + 1) * i + channel;
  }
  return image;
}

BOOST_AUTO_TEST_CASE(normalize_independent_channels_each_get_their_own_points) {
  auto normalize = build_stage<ImageTransform>(
      "normalize", {{"low", 0.0}, {"high", 100.0}, {"channels", std::string("independent")}});
  Image result = normalize->transform(cast_ramp_image());
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST_CONTEXT("channel " << channel) {
      for (int i = 0; i < 11; ++i)
        BOOST_TEST(result.pixels.at(channel, 0, i) == i / 10.0, tt::tolerance(1e-15));
      const std::string n = std::to_string(channel + 1);
      BOOST_TEST(std::get<double>(result.provenance.find("NORMBLK" + n)->value) == channel);
      BOOST_TEST(std::get<double>(result.provenance.find("NORMWHT" + n)->value) == 11.0 * channel + 10);
    }
  }
  BOOST_TEST(result.provenance.find("NORMBLK") == nullptr);
  BOOST_TEST(std::get<std::string>(result.provenance.find("NORMCHAN")->value) == "independent");
}

BOOST_AUTO_TEST_CASE(normalize_linked_channels_share_one_pair_of_points) {
  auto normalize = build_stage<ImageTransform>("normalize", {{"low", 0.0}, {"high", 100.0}});
  Image result = normalize->transform(cast_ramp_image());
  // One black point (0, the darkest of all) and one white point (32, the brightest of all).
  for (int channel = 0; channel < 3; ++channel) {
    for (int i = 0; i < 11; ++i) {
      BOOST_TEST(result.pixels.at(channel, 0, i) == ((channel + 1) * i + channel) / 32.0,
                 tt::tolerance(1e-15));
    }
  }
  BOOST_TEST(std::get<double>(result.provenance.find("NORMBLK")->value) == 0.0);
  BOOST_TEST(std::get<double>(result.provenance.find("NORMWHT")->value) == 32.0);
  BOOST_TEST(result.provenance.find("NORMBLK1") == nullptr);
}

BOOST_AUTO_TEST_CASE(normalize_max_independent_divides_each_channel_by_its_maximum) {
  auto normalize = build_stage<ImageTransform>(
      "normalize", {{"method", std::string("max")}, {"channels", std::string("independent")}});
  Image result = normalize->transform(cast_ramp_image());
  for (int channel = 0; channel < 3; ++channel) BOOST_TEST(result.pixels.at(channel, 0, 10) == 1.0);
  BOOST_TEST(std::get<double>(result.provenance.find("NORMWHT2")->value) == 21.0);  // 2 * 10 + 1
}

BOOST_AUTO_TEST_CASE(normalize_asinh_and_gamma_curves_follow_the_points) {
  auto asinh = build_stage<ImageTransform>(
      "normalize",
      {{"method", std::string("max")}, {"curve", std::string("asinh")}, {"asinh_stretch", 10.0}});
  Image stretched = asinh->transform(ramp_image(5));  // 0..4 -> 0..1 -> asinh(10 x) / asinh(10)
  BOOST_TEST(stretched.pixels.samples()[2] == 0.7712696419200371, tt::tolerance(1e-15));
  BOOST_TEST(stretched.pixels.samples()[4] == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(std::get<std::string>(stretched.provenance.find("NORMCURV")->value) == "asinh");
  BOOST_TEST(std::get<double>(stretched.provenance.find("NORMBETA")->value) == 10.0);

  auto gamma = build_stage<ImageTransform>(
      "normalize", {{"method", std::string("max")}, {"curve", std::string("gamma")}, {"gamma", 2.0}});
  Image brightened = gamma->transform(ramp_image(5));
  BOOST_TEST(brightened.pixels.samples()[1] == 0.5);  // (1/4)^(1/2)
  BOOST_TEST(std::get<double>(brightened.provenance.find("NORMGAMM")->value) == 2.0);
}

// A night sky in 0..1: a noisy background near 0.05 and a few saturated stars; odd sample count.
Image sky_image(int channels, double channel_step) {
  Image image;
  image.pixels = ImageD(63, 63, channels);
  std::uint64_t state = 7;
  for (int channel = 0; channel < channels; ++channel) {
    auto plane = image.pixels.plane(channel);
    for (std::size_t i = 0; i < plane.size(); ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double u = static_cast<double>(state >> 11) * 0x1.0p-53;
      plane[i] = i % 211 == 0 ? 1.0 : 0.05 + channel_step * channel + 0.02 * u * u;
    }
  }
  return image;
}

double median_of(std::span<const double> values) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted[sorted.size() / 2];
}

BOOST_AUTO_TEST_CASE(normalize_mtf_puts_the_background_median_on_a_quarter) {
  for (std::string method : {"none", "percentile", "max"}) {
    BOOST_TEST_CONTEXT("method " << method) {
      auto mtf =
          build_stage<ImageTransform>("normalize", {{"method", method}, {"curve", std::string("mtf")}});
      Image result = mtf->transform(sky_image(1, 0.0));
      BOOST_TEST(median_of(result.pixels.plane(0)) == 0.25, tt::tolerance(1e-12));
      double shadows = std::get<double>(result.provenance.find("NORMSHD")->value);
      double midtones = std::get<double>(result.provenance.find("NORMMTF")->value);
      // Percentile points already put black near the bottom of the background: no room to clip.
      BOOST_TEST((method == "percentile" ? shadows == 0.0 : shadows > 0.0));
      BOOST_TEST(midtones < 0.5);  // a dark background is lifted
      BOOST_TEST(std::get<double>(result.provenance.find("NORMTBG")->value) == 0.25);
      BOOST_TEST(std::get<double>(result.provenance.find("NORMSCLP")->value) == 2.8);
      for (double value : result.pixels.samples()) BOOST_TEST((value >= 0.0 && value <= 1.0));
    }
  }
  auto brighter = build_stage<ImageTransform>(
      "normalize",
      {{"method", std::string("none")}, {"curve", std::string("mtf")}, {"target_background", 0.4}});
  BOOST_TEST(median_of(brighter->transform(sky_image(1, 0.0)).pixels.plane(0)) == 0.4, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(normalize_mtf_independent_neutralises_a_cast_and_linked_keeps_it) {
  const Image cast = sky_image(3, 0.03);  // background medians about 0.057, 0.087, 0.117
  auto independent = build_stage<ImageTransform>("normalize", {{"method", std::string("none")},
                                                               {"curve", std::string("mtf")},
                                                               {"channels", std::string("independent")}});
  Image neutral = independent->transform(cast);
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST(median_of(neutral.pixels.plane(channel)) == 0.25, tt::tolerance(1e-12));
    BOOST_TEST(neutral.provenance.find("NORMMTF" + std::to_string(channel + 1)) != nullptr);
  }
  BOOST_TEST(neutral.provenance.find("NORMMTF") == nullptr);

  auto linked = build_stage<ImageTransform>("normalize",
                                            {{"method", std::string("none")}, {"curve", std::string("mtf")}});
  Image kept = linked->transform(cast);
  const double red = median_of(kept.pixels.plane(0)), blue = median_of(kept.pixels.plane(2));
  BOOST_TEST(red < 0.25);
  BOOST_TEST(blue > 0.25);
  BOOST_TEST(kept.provenance.find("NORMMTF1") == nullptr);
  // One stretch for all channels, the one auto_midtones_stretch gives for the three channels together.
  std::vector<double> medians, mads;
  for (int channel = 0; channel < 3; ++channel) {
    const MedianAndMad location = median_and_mad(cast.pixels.plane(channel));
    medians.push_back(location.median);
    mads.push_back(location.mad);
  }
  const MidtonesStretch expected = auto_midtones_stretch(medians, mads);
  BOOST_TEST(std::get<double>(kept.provenance.find("NORMSHD")->value) == expected.shadows);
  BOOST_TEST(std::get<double>(kept.provenance.find("NORMMTF")->value) == expected.midtones);
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST(kept.pixels.at(channel, 5, 7) ==
               apply_midtones_stretch(expected, cast.pixels.at(channel, 5, 7)));
  }
}

BOOST_AUTO_TEST_CASE(normalize_refuses_curve_parameters_out_of_range) {
  for (const char* name : {"asinh_stretch", "gamma"}) {
    BOOST_TEST_CONTEXT(name) {
      try {
        build_stage<ImageTransform>("normalize", {{name, 0.0}});
        BOOST_ERROR("no error");
      } catch (const ParameterError& error) {
        BOOST_TEST(error.parameter() == name);
      }
    }
  }
  BOOST_CHECK_THROW(build_stage<ImageTransform>("normalize", {{"target_background", 1.0}}), ParameterError);
  BOOST_CHECK_THROW(build_stage<ImageTransform>("normalize", {{"target_background", 0.0}}), ParameterError);
}

BOOST_AUTO_TEST_CASE(write_needs_an_output) {
  BOOST_CHECK_THROW(build_stage<ImageSink>("write", {}), ParameterError);
}

BOOST_AUTO_TEST_CASE(stack_records_its_provenance) {
  auto stack = build_stage<FrameReducer>("stack", {{"method", std::string("sum")}});
  auto linearize = build_stage<FrameTransform>("linearize", {});
  stack->accept(linearize->transform(jpeg_like_frame({255, 0})));
  stack->accept(linearize->transform(jpeg_like_frame({255, 255})));
  Image result = stack->finish();
  BOOST_TEST(result.pixels.samples()[0] == 2.0);
  BOOST_TEST(result.pixels.samples()[1] == 1.0);
  BOOST_TEST(std::get<std::int64_t>(result.provenance.find("NCOMBINE")->value) == 2);
  BOOST_TEST(std::get<std::string>(result.provenance.find("STACKMTH")->value) == "sum");
  BOOST_TEST(std::get<std::string>(result.provenance.find("TRANSFER")->value) == "srgb");
}

BOOST_AUTO_TEST_SUITE_END()
