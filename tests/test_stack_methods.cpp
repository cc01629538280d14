// max, sum and mean on tiny frames whose answers are worked out by hand.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "stages/natural_order.hpp"
#include "stages/stack_methods.hpp"

using namespace nightstack;

namespace {

ImageF frame_of(std::vector<float> values, int width = 2, int height = 2, int channels = 1) {
  ImageF frame(width, height, channels);
  frame.samples() = std::move(values);
  return frame;
}

ImageD stack_with(const std::string& method, const std::vector<ImageF>& frames) {
  auto stack = find_stack_method(method)->make();
  for (const auto& frame : frames) stack->add(frame);
  return stack->result();
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
  auto stack = find_stack_method("sum")->make();
  auto frame = frame_of({0.1f}, 1, 1, 1);
  for (int i = 0; i < 10000; ++i) stack->add(frame);
  BOOST_TEST(stack->result().samples()[0] == 10000.0 * double(0.1f), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(colour_planes_stay_apart) {
  auto result = stack_with("max", {frame_of({1, 0, 0}, 1, 1, 3), frame_of({0, 2, 0}, 1, 1, 3)});
  BOOST_TEST(result.channels() == 3);
  BOOST_TEST(result.samples() == std::vector<double>({1, 2, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_method_is_not_found) { BOOST_TEST(find_stack_method("median") == nullptr); }

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
