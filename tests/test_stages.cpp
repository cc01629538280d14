// linearize and normalize built through the real registry entries, on tiny frames with known answers.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "pipeline/errors.hpp"
#include "pipeline/transfer_curve.hpp"
#include "stages/registry.hpp"

using namespace nightstack;

namespace {

const RunInfo run_info{};

// Builds a stage from its registry entry with the given parameters plus the schema's defaults.
template <class Kind>
std::unique_ptr<Kind> build(const std::string& type_name, std::map<std::string, ParameterValue> given) {
  static const StageRegistry registry = builtin_stage_registry();
  const StageType* type = registry.find(type_name);
  BOOST_TEST_REQUIRE(type != nullptr);
  Parameters parameters;
  for (const auto& spec : type->parameters) {
    if (given.count(spec.name)) {
      parameters.set(spec.name, given.at(spec.name), {});
    } else if (spec.default_value) {
      parameters.set(spec.name, *spec.default_value, {});
    }
  }
  auto stage = type->make(StageContext{"under_test", parameters, run_info});
  auto* kind = dynamic_cast<Kind*>(stage.get());
  BOOST_TEST_REQUIRE(kind != nullptr);
  stage.release();
  return std::unique_ptr<Kind>(kind);
}

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
  auto linearize = build<FrameTransform>("linearize", {{"transfer", std::string("srgb")}});
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

BOOST_AUTO_TEST_CASE(linearize_auto_follows_the_file_encoding) {
  auto linearize = build<FrameTransform>("linearize", {});
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

BOOST_AUTO_TEST_CASE(linearize_gamma_uses_the_exponent) {
  auto linearize = build<FrameTransform>("linearize", {{"transfer", std::string("gamma")}, {"gamma", 2.0}});
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
  auto normalize = build<ImageTransform>("normalize", {{"low", 10.0}, {"high", 90.0}});
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
  auto normalize = build<ImageTransform>("normalize", {{"method", std::string("max")}});
  Image result = normalize->transform(ramp_image(5));
  BOOST_TEST(result.pixels.samples()[4] == 1.0);
  BOOST_TEST(result.pixels.samples()[2] == 0.5);
}

BOOST_AUTO_TEST_CASE(normalize_of_a_flat_image_stays_finite) {
  auto normalize = build<ImageTransform>("normalize", {});
  Image flat;
  flat.pixels = ImageD(3, 3, 1, 0.25);
  Image result = normalize->transform(flat);
  for (double value : result.pixels.samples()) BOOST_TEST(std::isfinite(value));
}

BOOST_AUTO_TEST_CASE(normalize_refuses_low_above_high) {
  BOOST_CHECK_THROW(build<ImageTransform>("normalize", {{"low", 90.0}, {"high", 10.0}}), ParameterError);
}

BOOST_AUTO_TEST_CASE(write_needs_an_output) {
  BOOST_CHECK_THROW(build<ImageSink>("write", {}), ParameterError);
}

BOOST_AUTO_TEST_CASE(stack_records_its_provenance) {
  auto stack = build<FrameReducer>("stack", {{"method", std::string("sum")}});
  auto linearize = build<FrameTransform>("linearize", {});
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
