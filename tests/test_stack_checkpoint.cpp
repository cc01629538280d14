// Checkpoints of the stacking methods: every method's state saved after some frames and loaded
// into a fresh method gives, after the remaining frames, exactly the bits of an uninterrupted
// stack (with normalization and weights where the method takes them, both cache formats); and the
// state files refuse damage, truncation and foreign files with a clear error.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "pipeline/errors.hpp"
#include "pipeline/state_file.hpp"
#include "stages/stack_checkpoint.hpp"
#include "stages/stack_methods.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int frame_count = 7, width = 9, height = 5, channels = 2;

// Noisy frames at levels that change from frame to frame, with an outlier and a NaN, and an
// exposure time each (for exposure weights).
std::vector<Frame> test_frames(unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  std::vector<Frame> frames;
  for (int index = 0; index < frame_count; ++index) {
    Frame frame;
    frame.pixels = ImageF(width, height, channels);
    for (auto& value : frame.pixels.samples())
      value = 0.2f + 0.03f * static_cast<float>(index % 3) + noise(generator);
    frame.pixels.at(index % channels, index % height, index % width) = 0.97f;
    if (index == 4) frame.pixels.at(1, 2, 3) = NAN;
    frame.info.index = static_cast<std::size_t>(index);
    frame.info.capture.exposure_seconds = 10.0 + index;
    frames.push_back(std::move(frame));
  }
  return frames;
}

StackSettings settings_for(const StackMethodInfo& method, CacheFormat format) {
  StackSettings settings;
  settings.cache_format = format;
  settings.threads = 2;
  if (method.name == "mean" || method.kind != StackKind::single_pass) {
    settings.normalization = FrameNormalization::additive_scale;
    if (method.kind != StackKind::every_value) settings.weights = FrameWeights::exposure;
  }
  settings.rejection.min_max_count = 1;
  return settings;
}

// Adds the first `saved` frames, saves, adds one more frame (work lost by the "crash"), then loads
// the state into a fresh method and adds the rest.
ImageD stack_with_a_restart(const StackMethodInfo& method, const StackSettings& settings,
                            const std::vector<Frame>& frames, std::size_t saved, const fs::path& directory) {
  const fs::path state = directory / "state";
  {
    auto before = method.make(settings);
    before->keep_cache_in(directory);
    for (std::size_t index = 0; index < saved; ++index) before->add(frames[index].pixels, frames[index].info);
    StateWriter writer(state);
    before->save_state(writer);
    writer.commit();
    before->add(frames[saved].pixels, frames[saved].info);
  }
  auto after = method.make(settings);
  after->keep_cache_in(directory);
  StateReader reader(state, "test");
  after->load_state(reader);
  reader.expect_end();
  for (std::size_t index = saved; index < frames.size(); ++index)
    after->add(frames[index].pixels, frames[index].info);
  return after->result();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stack_checkpoint)

BOOST_AUTO_TEST_CASE(every_method_resumes_to_the_same_bits) {
  const auto frames = test_frames(11);
  for (const auto& method : stack_methods()) {
    for (CacheFormat format : {CacheFormat::float32, CacheFormat::uint16}) {
      if (format == CacheFormat::uint16 && method.kind == StackKind::single_pass) continue;
      BOOST_TEST_CONTEXT(method.name << " " << to_string(format)) {
        const StackSettings settings = settings_for(method, format);
        auto uninterrupted = method.make(settings);
        for (const auto& frame : frames) uninterrupted->add(frame.pixels, frame.info);
        const ImageD expected = uninterrupted->result();
        // Saved before and after frame 4 brought the first missing value (per-pixel counts and weights).
        for (std::size_t saved : {std::size_t{1}, std::size_t{4}, std::size_t{6}}) {
          TemporaryDirectory directory;
          BOOST_TEST(
              same_bits(stack_with_a_restart(method, settings, frames, saved, directory.path()), expected));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_restored_sum_equals_the_sum_worked_out_here) {
  const auto frames = test_frames(12);
  TemporaryDirectory directory;
  const ImageD sum = stack_with_a_restart(*find_stack_method("sum"), {}, frames, 3, directory.path());
  for (std::size_t sample = 0; sample < sum.samples().size(); ++sample) {
    // The sum of the valid values; NaN where there is none.
    double expected = 0.0;
    std::size_t valid = 0;
    for (const auto& frame : frames) {
      const float value = frame.pixels.samples()[sample];
      if (std::isnan(value)) continue;
      expected += static_cast<double>(value);
      ++valid;
    }
    if (valid == 0) expected = std::nan("");
    BOOST_TEST(
        (sum.samples()[sample] == expected || (std::isnan(expected) && std::isnan(sum.samples()[sample]))));
  }
}

BOOST_AUTO_TEST_CASE(frame_metadata_survives_a_checkpoint) {
  FrameInfo info;
  info.path = "night/IMG_0001.CR2";
  info.index = 41;
  info.format = "RAW";
  info.encoding = Encoding::gamma;
  info.white_level = 16383;
  info.linearization = "srgb";
  info.bits_per_sample = 14;
  info.cfa_pattern = "RGGB";
  info.black_level = 2048;
  info.colour_processing = "raw: AHD";
  info.capture.exposure_seconds = 25.0;
  info.capture.start_time = 1.7e9 + 0.25;
  info.capture.start_time_is_utc = true;
  info.capture.camera_model = "Canon EOS 550D";
  info.capture.object = "M31";
  TemporaryDirectory directory;
  {
    StateWriter writer(directory.path() / "state");
    save_frame_info(writer, info);
    writer.commit();
  }
  StateReader reader(directory.path() / "state", "test");
  const FrameInfo loaded = load_frame_info(reader);
  reader.expect_end();
  BOOST_TEST(loaded.path == info.path);
  BOOST_TEST(loaded.index == info.index);
  BOOST_TEST(loaded.format == info.format);
  BOOST_TEST((loaded.encoding == Encoding::gamma));
  BOOST_TEST(loaded.white_level == info.white_level);
  BOOST_TEST(loaded.linearization == info.linearization);
  BOOST_TEST(loaded.bits_per_sample == 14);
  BOOST_TEST(loaded.cfa_pattern == info.cfa_pattern);
  BOOST_TEST(loaded.black_level == info.black_level);
  BOOST_TEST(loaded.colour_processing == info.colour_processing);
  BOOST_TEST(*loaded.capture.exposure_seconds == 25.0);
  BOOST_TEST(!loaded.capture.iso.has_value());
  BOOST_TEST(*loaded.capture.start_time == 1.7e9 + 0.25);
  BOOST_TEST(loaded.capture.start_time_is_utc);
  BOOST_TEST(loaded.capture.camera_model == info.capture.camera_model);
  BOOST_TEST(loaded.capture.object == info.capture.object);
}

BOOST_AUTO_TEST_CASE(damaged_truncated_and_foreign_state_files_are_refused_by_name) {
  TemporaryDirectory directory;
  const fs::path state = directory.path() / "state";
  {
    StateWriter writer(state);
    writer.text("stack");
    writer.numbers(std::vector<double>(1000, 0.5));
    writer.commit();
  }
  BOOST_TEST(directory_entries(directory.path()) == std::vector<std::string>{"state"});  // no temporary left
  const auto size = fs::file_size(state);
  auto refused = [&](const std::string& expected_words) {
    try {
      StateReader reader(state, "delete it to start over");
      reader.text();
      reader.numbers();
      reader.expect_end();
    } catch (const InputError& error) {
      const std::string message = error.what();
      BOOST_TEST_INFO(message);
      BOOST_TEST(message.find(state.string()) != std::string::npos);
      BOOST_TEST(message.find(expected_words) != std::string::npos);
      BOOST_TEST(message.find("delete it to start over") != std::string::npos);
      return true;
    }
    return false;
  };
  BOOST_TEST(!refused(""));  // intact

  std::fstream file(state, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(size / 2));
  file.put('\x7f');
  file.close();
  BOOST_TEST(refused("damaged or truncated"));

  fs::resize_file(state, size - 100);
  BOOST_TEST(refused("damaged or truncated"));
  fs::resize_file(state, 10);
  BOOST_TEST(refused("truncated"));

  std::ofstream(state) << std::string(4000, 'x');
  BOOST_TEST(refused("damaged or truncated"));
  fs::remove(state);
  BOOST_TEST(refused("cannot be opened"));
}

BOOST_AUTO_TEST_SUITE_END()
