// The stacking methods on tiny frames whose answers are worked out by hand: max, min, sum, mean
// (with normalization and weights), median; and the cached methods' results bit-identical for any
// thread count, block size and (for integer data) cache format.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "stages/block_planner.hpp"
#include "stages/natural_order.hpp"
#include "stages/stack_methods.hpp"

using namespace nightstack;

namespace {

ImageF frame_of(std::vector<float> values, int width = 2, int height = 2, int channels = 1) {
  ImageF frame(width, height, channels);
  frame.samples() = std::move(values);
  return frame;
}

ImageD stack_with(const std::string& method, const std::vector<ImageF>& frames, StackSettings settings = {}) {
  auto stack = find_stack_method(method)->make(settings);
  for (const auto& frame : frames) stack->add(frame);
  return stack->result();
}

FrameInfo exposed(double seconds) {
  FrameInfo info;
  info.capture.exposure_seconds = seconds;
  return info;
}

// Sky-like frames with outliers: a noisy level that differs from frame to frame, hot pixels and a
// bright streak in one frame, and a few NaN values.
std::vector<ImageF> noisy_frames(int count, int width, int height, int channels, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  std::vector<ImageF> frames;
  for (int index = 0; index < count; ++index) {
    ImageF frame(width, height, channels);
    const float level = 0.1f + 0.01f * static_cast<float>(index % 4);
    for (auto& value : frame.samples()) value = level + noise(generator);
    for (int channel = 0; channel < channels; ++channel) {
      frame.at(channel, (index * 7) % height, (index * 11) % width) = 0.95f;
      frame.at(channel, (index * 5) % height, (index * 3) % width) = 0.0f;
      if (index == 2)
        for (int column = 0; column < width; ++column) frame.at(channel, height / 2, column) = 0.8f;
    }
    if (index == 3) frame.at(0, 1, 1) = NAN;
    frames.push_back(std::move(frame));
  }
  return frames;
}

bool same_values(const ImageD& a, const ImageD& b) {
  if (a.samples().size() != b.samples().size()) return false;
  for (std::size_t i = 0; i < a.samples().size(); ++i) {
    const double x = a.samples()[i], y = b.samples()[i];
    if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
  }
  return true;
}

const std::vector<ImageF> three_frames{
    frame_of({0.0f, 0.5f, 1.0f, 0.25f}),
    frame_of({0.2f, 0.1f, 0.0f, 0.75f}),
    frame_of({0.1f, 0.9f, 0.5f, 0.25f}),
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stack_methods)

BOOST_AUTO_TEST_CASE(max_is_the_per_pixel_maximum) {
  auto result = stack_with("max", three_frames);
  std::vector<double> expected{0.2f, 0.9f, 1.0f, 0.75f};
  BOOST_TEST(result.samples() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sum_adds_in_double) {
  auto result = stack_with("sum", three_frames);
  std::vector<double> expected{double(0.0f) + double(0.2f) + double(0.1f),
                               double(0.5f) + double(0.1f) + double(0.9f), 1.0 + 0.0 + 0.5,
                               0.25 + 0.75 + 0.25};
  BOOST_TEST(result.samples() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mean_is_sum_over_count) {
  auto result = stack_with("mean", three_frames);
  BOOST_TEST(result.samples()[2] == 0.5);
  BOOST_TEST(result.samples()[3] == 1.25 / 3.0);
}

BOOST_AUTO_TEST_CASE(sum_of_many_small_values_keeps_double_precision) {
  // 10000 frames of 0.1f: a float accumulator drifts visibly; a double one stays within 1e-9.
  auto stack = find_stack_method("sum")->make(StackSettings{});
  auto frame = frame_of({0.1f}, 1, 1, 1);
  for (int i = 0; i < 10000; ++i) stack->add(frame);
  BOOST_TEST(stack->result().samples()[0] == 10000.0 * double(0.1f), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(colour_planes_stay_apart) {
  auto result = stack_with("max", {frame_of({1, 0, 0}, 1, 1, 3), frame_of({0, 2, 0}, 1, 1, 3)});
  BOOST_TEST(result.channels() == 3);
  BOOST_TEST(result.samples() == std::vector<double>({1, 2, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(min_is_the_per_pixel_minimum) {
  auto result = stack_with("min", three_frames);
  std::vector<double> expected{0.0f, 0.1f, 0.0f, 0.25f};
  BOOST_TEST(result.samples() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(median_is_the_middle_value) {
  auto result = stack_with("median", three_frames);
  std::vector<double> expected{0.1f, 0.5f, 0.5f, 0.25f};
  BOOST_TEST(result.samples() == expected, boost::test_tools::per_element());
  // An even count: the mean of the two middle values.
  result = stack_with("median",
                      {frame_of({1}, 1, 1), frame_of({4}, 1, 1), frame_of({2}, 1, 1), frame_of({8}, 1, 1)});
  BOOST_TEST(result.samples()[0] == 3.0);
}

BOOST_AUTO_TEST_CASE(mean_normalizes_frames_to_the_first) {
  // Frame medians 2 and 4 (MADs 0.5 and 1); the second frame is the first one doubled.
  const std::vector<ImageF> frames{frame_of({1, 2, 3, 2}), frame_of({2, 4, 6, 4})};
  StackSettings settings;
  settings.normalization = FrameNormalization::additive;  // second frame shifted by -2: {0, 2, 4, 2}
  BOOST_TEST(stack_with("mean", frames, settings).samples() == std::vector<double>({0.5, 2, 3.5, 2}),
             boost::test_tools::per_element());
  settings.normalization = FrameNormalization::multiplicative;  // second frame scaled by 2/4
  BOOST_TEST(stack_with("mean", frames, settings).samples() == std::vector<double>({1, 2, 3, 2}),
             boost::test_tools::per_element());
  settings.normalization = FrameNormalization::additive_scale;  // scaled by 1/2, shifted by 2 - 4/2
  BOOST_TEST(stack_with("mean", frames, settings).samples() == std::vector<double>({1, 2, 3, 2}),
             boost::test_tools::per_element());
  settings.normalization = FrameNormalization::multiplicative;
  BOOST_CHECK_THROW(stack_with("mean", {frames[0], frame_of({0, 0, 0, 1})}, settings), InputError);
}

BOOST_AUTO_TEST_CASE(mean_weights_by_exposure_and_noise) {
  StackSettings settings;
  settings.weights = FrameWeights::exposure;
  auto stack = find_stack_method("mean")->make(settings);
  stack->add(frame_of({1, 1, 1, 1}), exposed(10));
  stack->add(frame_of({4, 4, 4, 4}), exposed(20));  // weight 2
  BOOST_TEST(stack->result().samples()[0] == (1.0 + 2.0 * 4.0) / 3.0);
  auto missing = find_stack_method("mean")->make(settings);
  BOOST_CHECK_THROW(missing->add(frame_of({1, 1, 1, 1})), InputError);

  // Noise: MADs 0.5 and 1, so the second frame's variance is 4 times larger: weight 1/4.
  settings.weights = FrameWeights::noise;
  auto result = stack_with("mean", {frame_of({1, 2, 3, 2}), frame_of({1, 3, 5, 3})}, settings);
  BOOST_TEST(result.samples()[0] == (1.0 + 0.25 * 1.0) / 1.25);
  BOOST_TEST(result.samples()[2] == (3.0 + 0.25 * 5.0) / 1.25);
}

// Equal to rounding only: sigma_clip sums the values it keeps in ascending order (sorted_clip.hpp),
// the mean in frame order.
bool close_values(const ImageD& a, const ImageD& b) {
  if (a.samples().size() != b.samples().size()) return false;
  for (std::size_t i = 0; i < a.samples().size(); ++i) {
    const double x = a.samples()[i], y = b.samples()[i];
    if (!(std::abs(x - y) <= 1e-14 * std::max(std::abs(x), 1.0) || (std::isnan(x) && std::isnan(y))))
      return false;
  }
  return true;
}

BOOST_AUTO_TEST_CASE(rejection_that_rejects_nothing_equals_the_mean) {
  auto frames = noisy_frames(7, 9, 6, 3, 5);
  for (auto& frame : frames)
    for (auto& value : frame.samples())
      if (std::isnan(value)) value = 0.1f;
  for (auto normalization : {FrameNormalization::none, FrameNormalization::additive_scale}) {
    for (auto weights : {FrameWeights::equal, FrameWeights::noise}) {
      StackSettings settings;
      settings.normalization = normalization;
      settings.weights = weights;
      settings.rejection.sigma_low = settings.rejection.sigma_high = 1e6;
      BOOST_TEST(
          close_values(stack_with("mean", frames, settings), stack_with("sigma_clip", frames, settings)));
      BOOST_TEST(same_values(stack_with("mean", frames, settings), stack_with("mad_clip", frames, settings)));
    }
  }
}

BOOST_AUTO_TEST_CASE(cached_methods_are_bit_identical_for_any_threads_and_block_size) {
  const int width = 23, height = 11, channels = 3, count = 9;
  const auto frames = noisy_frames(count, width, height, channels, 11);
  BlockPlanRequest request{.frames = count, .width = width, .height = height, .channels = channels};
  for (const auto& method : nightstack::stack_methods()) {
    if (method.kind == StackKind::single_pass) continue;
    for (auto format : {CacheFormat::float32, CacheFormat::uint16}) {
      ImageD reference;
      for (unsigned threads : {1u, 2u, 3u}) {
        for (bool one_row : {true, false}) {
          StackSettings settings;
          settings.normalization = FrameNormalization::additive;
          settings.cache_format = format;
          settings.threads = threads;
          request.threads = threads;
          request.cache_bytes_per_sample = bytes_per_sample(format);
          settings.memory_limit = one_row ? planned_working_set(request, 1) : std::uint64_t{1} << 30;
          request.memory_limit = settings.memory_limit;
          BOOST_TEST_REQUIRE(plan_blocks(request).rows_per_block == (one_row ? 1u : 11u));
          ImageD result = stack_with(method.name, frames, settings);
          if (reference.empty()) reference = result;
          BOOST_TEST_CONTEXT(method.name << ", " << to_string(format) << ", " << threads << " threads, "
                                         << (one_row ? "1-row blocks" : "one block")) {
            BOOST_TEST(same_values(result, reference));
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(integer_frames_cache_exactly_in_16_bits) {
  std::vector<ImageF> frames;
  std::mt19937 generator(3);
  std::uniform_int_distribution<int> codes(0, 65535);
  for (int index = 0; index < 6; ++index) {
    ImageF frame(8, 5, 1);
    for (auto& value : frame.samples()) value = static_cast<float>(codes(generator));
    frames.push_back(std::move(frame));
  }
  StackSettings settings;
  const ImageD exact = stack_with("sigma_clip", frames, settings);
  settings.cache_format = CacheFormat::uint16;
  BOOST_TEST(same_values(stack_with("sigma_clip", frames, settings), exact));
}

BOOST_AUTO_TEST_CASE(sixteen_bit_cache_stays_within_half_a_step) {
  // Each frame spans [0, 0.95] (a dead and a hot pixel): the step is 0.95 / 65534.
  auto frames = noisy_frames(5, 16, 8, 1, 4);
  StackSettings settings;
  const ImageD exact = stack_with("median", frames, settings);
  settings.cache_format = CacheFormat::uint16;
  const ImageD quantized = stack_with("median", frames, settings);
  double worst = 0;
  for (std::size_t i = 0; i < exact.samples().size(); ++i) {
    if (std::isfinite(exact.samples()[i]))
      worst = std::max(worst, std::abs(quantized.samples()[i] - exact.samples()[i]));
  }
  BOOST_TEST(worst <= 0.5 * 0.95 / 65534 + 1e-12);
  BOOST_TEST(worst > 0.0);
}

BOOST_AUTO_TEST_CASE(too_small_a_memory_limit_is_a_config_error_before_caching) {
  StackSettings settings;
  settings.memory_limit = 850;  // the result of 10x10 doubles takes 800 bytes, one row of a frame 40 more
  auto stack = find_stack_method("median")->make(settings);
  BOOST_CHECK_THROW(stack->add(frame_of(std::vector<float>(100, 1.0f), 10, 10, 1)), ConfigError);
}

BOOST_AUTO_TEST_CASE(max_and_min_keep_float_accumulators_yet_equal_a_double_reference) {
  // The reference folds every frame into doubles with std::max / std::min, the way the methods did
  // before they kept float accumulators; NaN values are skipped by both.
  const auto frames = noisy_frames(6, 7, 5, 3, 11);
  for (const std::string method : {"max", "min"}) {
    ImageD reference(7, 5, 3, method == "max" ? -INFINITY : INFINITY);
    for (const auto& frame : frames)
      for (std::size_t i = 0; i < frame.samples().size(); ++i) {
        const double value = frame.samples()[i];
        auto& extreme = reference.samples()[i];
        extreme = method == "max" ? std::max(extreme, value) : std::min(extreme, value);
      }
    BOOST_TEST(same_values(stack_with(method, frames), reference), method);
  }
}

BOOST_AUTO_TEST_CASE(min_max_needs_more_frames_than_it_drops) {
  StackSettings settings;
  settings.rejection.min_max_count = 2;
  BOOST_CHECK_THROW(
      stack_with("min_max", {three_frames[0], three_frames[1], three_frames[2], three_frames[0]}, settings),
      NightstackError);
  BOOST_TEST(stack_with("min_max",
                        {three_frames[0], three_frames[1], three_frames[2], three_frames[0], three_frames[1]},
                        settings)
                 .samples()[3] == 0.25);
}

BOOST_AUTO_TEST_CASE(unknown_method_is_not_found) { BOOST_TEST(find_stack_method("medium") == nullptr); }

BOOST_AUTO_TEST_CASE(natural_order_sorts_numbers_by_value) {
  BOOST_TEST(natural_less("frame_9.jpg", "frame_10.jpg"));
  BOOST_TEST(!natural_less("frame_10.jpg", "frame_9.jpg"));
  BOOST_TEST(natural_less("a/IMG_0002.JPG", "a/IMG_0010.JPG"));
  BOOST_TEST(natural_less("night1/x.jpg", "night2/a.jpg"));
  BOOST_TEST(natural_less("abc", "abd"));
  BOOST_TEST(natural_less("a", "a1"));
  BOOST_TEST(!natural_less("same", "same"));
  BOOST_TEST(natural_less("x01", "x001"));  // equal value: a stable, total order
}

BOOST_AUTO_TEST_SUITE_END()
