// The banded pass's arithmetic: value maps, band partials of max/min/sum/mean against float64
// references of the linearized values, exact merging in any grouping and order, saved partials,
// and band statistics against the whole-frame measurement.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "pipeline/frame_statistics.hpp"
#include "pipeline/state_file.hpp"
#include "stages/band_stack_methods.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

// Frames of codes, interleaved as bands deliver them, with a fixed seed.
template <class Code>
std::vector<std::vector<Code>> random_frames(const StoredShape& shape, int count, int top, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> code(0, top);
  std::vector<std::vector<Code>> frames(static_cast<std::size_t>(count));
  for (auto& frame : frames) {
    frame.resize(shape.row_samples() * static_cast<std::size_t>(shape.height));
    for (auto& value : frame) value = static_cast<Code>(code(generator));
  }
  return frames;
}

// Feeds one frame to a partial in bands of `band_rows` rows.
template <class Sample>
void add_frame(BandPartial& partial, const StoredShape& shape, const std::vector<Sample>& frame,
               int band_rows) {
  for (int row = 0; row < shape.height; row += band_rows) {
    FrameBand band;
    band.shape = shape;
    band.first_row = row;
    band.rows = std::min(band_rows, shape.height - row);
    band.samples = frame.data() + static_cast<std::size_t>(row) * shape.row_samples();
    partial.add(band);
  }
  partial.end_frame();
}

FrameInfo jpeg_info() {
  FrameInfo info;
  info.encoding = Encoding::srgb;
  info.white_level = 255;
  info.format = "JPEG";
  return info;
}

FrameInfo sixteen_bit_info() {
  FrameInfo info;
  info.encoding = Encoding::srgb;
  info.white_level = 65535;
  info.format = "TIFF";
  return info;
}

const PointTransform& srgb_linearize() {
  static auto stage = build_stage<PointTransform>("linearize", {{"transfer", std::string("srgb")}});
  return *stage;
}

// Stacks `frames` split over `groups` partials (frame f into partial f % groups, or in contiguous
// runs), merged in the given order of partials.
template <class Sample>
ImageD stack_in_groups(BandMethod method, const StoredShape& shape, const ValueMap& map,
                       const std::vector<std::vector<Sample>>& frames, std::size_t groups, bool round_robin,
                       bool reverse_merge, int band_rows) {
  BandStackMethod stack(method, shape, map);
  std::vector<std::unique_ptr<BandPartial>> partials;
  for (std::size_t g = 0; g < groups; ++g) partials.push_back(stack.make_partial());
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const std::size_t group = round_robin ? f % groups : f * groups / frames.size();
    add_frame(*partials[group], shape, frames[f], band_rows);
  }
  if (reverse_merge) std::reverse(partials.begin(), partials.end());
  for (std::size_t g = 1; g < groups; ++g) partials[0]->merge(*partials[g]);
  return stack.result(*partials[0], frames.size());
}

// The reference: every code linearized as the whole-frame pass does (float), combined in double.
template <class Code>
ImageD reference(BandMethod method, const StoredShape& shape, const std::vector<float>& table,
                 const std::vector<std::vector<Code>>& frames) {
  ImageD result(shape.width, shape.height, shape.channels);
  const std::size_t pixels = result.plane_size();
  for (int channel = 0; channel < shape.channels; ++channel) {
    for (std::size_t pixel = 0; pixel < pixels; ++pixel) {
      double value = method == BandMethod::max ? -INFINITY : method == BandMethod::min ? INFINITY : 0.0;
      for (const auto& frame : frames) {
        const double linear = table[frame[pixel * shape.channels + channel]];
        if (method == BandMethod::max) value = std::max(value, linear);
        if (method == BandMethod::min) value = std::min(value, linear);
        if (method == BandMethod::sum || method == BandMethod::mean) value += linear;
      }
      if (method == BandMethod::mean) value /= static_cast<double>(frames.size());
      result.plane(channel)[pixel] = value;
    }
  }
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(band_stack)

BOOST_AUTO_TEST_CASE(value_map_of_linearize_is_its_table_and_info) {
  ValueMap map(SampleType::uint8, jpeg_info(), {&srgb_linearize()});
  BOOST_TEST(map.table().size() == 256u);
  Frame frame;
  frame.pixels = ImageF(256, 1, 1);
  for (int code = 0; code < 256; ++code) frame.pixels.samples()[code] = static_cast<float>(code);
  frame.info = jpeg_info();
  const Frame whole = srgb_linearize().transform(frame);
  BOOST_TEST(std::memcmp(map.table().data(), whole.pixels.samples().data(), 256 * sizeof(float)) == 0);
  BOOST_CHECK(map.info().encoding == Encoding::linear);
  BOOST_TEST(map.info().white_level == 1.0);
  BOOST_TEST(map.info().linearization == "srgb");
  BOOST_TEST(map.same_values(ValueMap(SampleType::uint8, jpeg_info(), {&srgb_linearize()})));
  BOOST_TEST(!map.same_values(ValueMap(SampleType::uint8, jpeg_info(), {})));
}

BOOST_AUTO_TEST_CASE(fixed_point_holds_every_8_bit_srgb_value_exactly) {
  ValueMap map(SampleType::uint8, jpeg_info(), {&srgb_linearize()});
  const FixedPoint fixed = fixed_point_for(map.table());
  BOOST_TEST(fixed.scale_bits == 40);
  for (int code = 0; code < 256; ++code)
    BOOST_TEST(std::ldexp(static_cast<double>(fixed.table[code]), -40) ==
               static_cast<double>(map.table()[code]));
  // Values up to 65535 (codes not linearized) leave 24 bits of fraction: integers stay exact.
  ValueMap codes(SampleType::uint16, sixteen_bit_info(), {});
  const FixedPoint raw = fixed_point_for(codes.table());
  BOOST_TEST(raw.scale_bits == 24);
  BOOST_TEST(raw.table[65535] == std::int64_t{65535} << 24);
  // 1.0 exactly needs no integer bit more; 1.5 needs one.
  BOOST_TEST(fixed_point_for({0.0f, 1.0f}).scale_bits == 40);
  BOOST_TEST(fixed_point_for({0.0f, 1.5f}).scale_bits == 39);
}

BOOST_AUTO_TEST_CASE(every_method_equals_the_float64_reference_of_the_linearized_codes) {
  const StoredShape shape{29, 17, 3, SampleType::uint8};
  const auto frames = random_frames<std::uint8_t>(shape, 9, 255, 7);
  ValueMap map(SampleType::uint8, jpeg_info(), {&srgb_linearize()});
  for (BandMethod method : {BandMethod::max, BandMethod::min, BandMethod::sum, BandMethod::mean}) {
    const ImageD banded = stack_in_groups(method, shape, map, frames, 1, true, false, 16);
    // 8-bit sRGB values are multiples of 2^-40 and their double sums are exact: equal bits.
    BOOST_TEST(same_bits(banded, reference(method, shape, map.table(), frames)));
  }
}

BOOST_AUTO_TEST_CASE(sixteen_bit_mean_is_within_its_error_bound_of_float64) {
  const StoredShape shape{31, 11, 1, SampleType::uint16};
  const auto frames = random_frames<std::uint16_t>(shape, 6, 65535, 11);
  ValueMap map(SampleType::uint16, sixteen_bit_info(), {&srgb_linearize()});
  const ImageD banded = stack_in_groups(BandMethod::mean, shape, map, frames, 2, true, false, 5);
  const ImageD expected = reference(BandMethod::mean, shape, map.table(), frames);
  for (std::size_t i = 0; i < banded.samples().size(); ++i) {
    // Each value within 2^-41 of full scale: the mean too.
    BOOST_TEST(std::fabs(banded.samples()[i] - expected.samples()[i]) <= std::ldexp(1.0, -41));
    BOOST_TEST(std::fabs(banded.samples()[i] - expected.samples()[i]) <=
               1e-6 * std::fabs(expected.samples()[i]));
  }
  // Max on 16-bit codes is exact.
  BOOST_TEST(same_bits(stack_in_groups(BandMethod::max, shape, map, frames, 3, false, true, 4),
                       reference(BandMethod::max, shape, map.table(), frames)));
}

BOOST_AUTO_TEST_CASE(any_grouping_band_height_and_merge_order_gives_the_same_bits) {
  const StoredShape shape{23, 19, 3, SampleType::uint16};
  const auto frames = random_frames<std::uint16_t>(shape, 12, 65535, 3);
  ValueMap map(SampleType::uint16, sixteen_bit_info(), {&srgb_linearize()});
  for (BandMethod method : {BandMethod::max, BandMethod::min, BandMethod::sum, BandMethod::mean}) {
    const ImageD one = stack_in_groups(method, shape, map, frames, 1, true, false, 16);
    for (std::size_t groups : {2u, 3u, 8u}) {
      for (bool round_robin : {true, false}) {
        BOOST_TEST(same_bits(one, stack_in_groups(method, shape, map, frames, groups, round_robin, true, 1)));
        BOOST_TEST(
            same_bits(one, stack_in_groups(method, shape, map, frames, groups, round_robin, false, 7)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_saved_partial_loads_and_merges_to_the_same_bits) {
  const StoredShape shape{17, 13, 3, SampleType::uint8};
  const auto frames = random_frames<std::uint8_t>(shape, 6, 255, 5);
  ValueMap map(SampleType::uint8, jpeg_info(), {&srgb_linearize()});
  TemporaryDirectory directory;
  for (BandMethod method : {BandMethod::max, BandMethod::min, BandMethod::sum, BandMethod::mean}) {
    BandStackMethod stack(method, shape, map);
    auto first = stack.make_partial();
    auto second = stack.make_partial();
    for (std::size_t f = 0; f < frames.size(); ++f) add_frame(f < 2 ? *first : *second, shape, frames[f], 4);
    const auto path = directory.path() / "partial.state";
    {
      StateWriter writer(path);
      second->save(writer);
      writer.commit();
    }
    auto loaded = stack.make_partial();
    StateReader reader(path, "test");
    loaded->load(reader);
    reader.expect_end();
    auto direct = stack.make_partial();
    direct->merge(*first);
    direct->merge(*second);
    first->merge(*loaded);
    BOOST_TEST(same_bits(stack.result(*first, frames.size()), stack.result(*direct, frames.size())));
    BOOST_TEST(same_bits(stack.result(*first, frames.size()), reference(method, shape, map.table(), frames)));
  }
}

BOOST_AUTO_TEST_CASE(float_extremes_ignore_nan_and_leave_nan_where_every_value_is_missing) {
  const StoredShape shape{3, 1, 1, SampleType::float32};
  FrameInfo info;
  info.encoding = Encoding::linear;
  info.white_level = 1.0;
  ValueMap map(SampleType::float32, info, {});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::vector<float>> frames = {{0.5f, nan, nan}, {0.25f, 0.75f, nan}};
  for (BandMethod method : {BandMethod::max, BandMethod::min}) {
    const ImageD result = stack_in_groups(method, shape, map, frames, 2, true, false, 1);
    BOOST_TEST(result.samples()[0] == (method == BandMethod::max ? 0.5 : 0.25));
    BOOST_TEST(result.samples()[1] == 0.75);
    BOOST_TEST(std::isnan(result.samples()[2]));
  }
  BOOST_TEST(!band_method_takes(BandMethod::mean, SampleType::float32));
  BOOST_TEST(band_method_takes(BandMethod::mean, SampleType::uint16));
}

BOOST_AUTO_TEST_CASE(band_statistics_equal_the_whole_frame_measurement) {
  for (SampleType type : {SampleType::uint8, SampleType::uint16, SampleType::float32}) {
    const StoredShape shape{41, 27, 3, type};
    const int top = type == SampleType::uint8 ? 255 : 65535;
    const auto codes = random_frames<std::uint16_t>(shape, 1, top, 13).front();
    // Interleaved band samples of the type, and the same frame planar for measure_frame.
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint16_t> words;
    std::vector<float> floats;
    Frame frame;
    frame.info.white_level = type == SampleType::float32 ? 70000.0 : top;
    frame.pixels = ImageF(shape.width, shape.height, shape.channels);
    for (std::size_t i = 0; i < codes.size(); ++i) {
      // Float frames get fractions and a NaN too, and values beyond the white level.
      const float value =
          type == SampleType::float32 ? static_cast<float>(codes[i]) * 1.07f + 0.25f : codes[i];
      bytes.push_back(static_cast<std::uint8_t>(codes[i]));
      words.push_back(codes[i]);
      floats.push_back(i == 5 && type == SampleType::float32 ? std::numeric_limits<float>::quiet_NaN()
                                                             : value);
      const std::size_t pixel = i / 3;
      frame.pixels.plane(static_cast<int>(i % 3))[pixel] = floats.back();
    }
    BandStatistics statistics(shape, frame.info.white_level);
    for (int row = 0; row < shape.height; row += 5) {
      FrameBand band;
      band.shape = shape;
      band.first_row = row;
      band.rows = std::min(5, shape.height - row);
      const std::size_t offset = static_cast<std::size_t>(row) * shape.row_samples();
      band.samples = type == SampleType::uint8    ? static_cast<const void*>(bytes.data() + offset)
                     : type == SampleType::uint16 ? static_cast<const void*>(words.data() + offset)
                                                  : static_cast<const void*>(floats.data() + offset);
      statistics.add(band);
    }
    const FrameStatistics banded = statistics.finish();
    const FrameStatistics whole = measure_frame(frame);
    BOOST_TEST(banded.background == whole.background, boost::test_tools::per_element());
    BOOST_TEST(banded.noise == whole.noise, boost::test_tools::per_element());
    BOOST_TEST(banded.saturated == whole.saturated);
    for (std::size_t channel = 0; channel < 3; ++channel) {
      if (type == SampleType::float32 && channel == 2) {
        BOOST_TEST(std::isnan(banded.mean[channel]));
        BOOST_TEST(std::isnan(whole.mean[channel]));
      } else if (type == SampleType::float32) {
        BOOST_TEST(banded.mean[channel] == whole.mean[channel], boost::test_tools::tolerance(1e-12));
      } else {
        BOOST_TEST(banded.mean[channel] == whole.mean[channel]);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
