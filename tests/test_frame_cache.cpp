// The scratch frame cache: values come back as written (float32 exactly; uint16 exactly for integer
// data, within half a step otherwise), the file never has a name in the cache directory, and its
// descriptor (so its disk space) is released when the cache goes away: after success, after a write
// error, and during exception unwinding.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "pipeline/errors.hpp"
#include "stages/frame_cache.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;

namespace {

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

ImageF random_frame(int width, int height, int channels, unsigned seed, bool integers) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> values(-0.5f, 2.0f);
  ImageF frame(width, height, channels);
  for (auto& value : frame.samples())
    value = integers ? std::floor(values(generator) * 30000.0f + 15000.0f) : values(generator);
  return frame;
}

template <class Sample>
std::vector<Sample> read_block(const FrameCache& cache, std::size_t frame, int first_row, int rows, int width,
                               int channels) {
  std::vector<Sample> block(static_cast<std::size_t>(rows) * width * channels);
  cache.read_rows(frame, first_row, rows, std::as_writable_bytes(std::span<Sample>(block)));
  return block;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_cache)

BOOST_AUTO_TEST_CASE(float32_blocks_read_back_exactly_and_the_file_has_no_name) {
  TemporaryDirectory directory;
  const std::size_t descriptors = open_descriptors();
  {
    FrameCache cache(directory.path(), CacheFormat::float32, "sky");
    BOOST_TEST(!cache.is_open());  // nothing is made before the first frame
    std::vector<ImageF> frames;
    for (unsigned index = 0; index < 4; ++index) {
      frames.push_back(random_frame(7, 5, 3, index, false));
      cache.append(frames.back());
    }
    BOOST_TEST(cache.is_open());
    BOOST_TEST(cache.bytes_written() == 4u * 7 * 5 * 3 * 4);
    BOOST_TEST(directory_entries(directory.path()).empty());  // unlinked as soon as it was made
    BOOST_TEST(open_descriptors() == descriptors + 1);
    for (std::size_t frame = 0; frame < 4; ++frame) {
      const auto block = read_block<float>(cache, frame, 2, 2, 7, 3);
      for (int channel = 0; channel < 3; ++channel)
        for (int row = 0; row < 2; ++row)
          for (int column = 0; column < 7; ++column)
            BOOST_TEST_REQUIRE(block[(channel * 2 + row) * 7 + column] ==
                               frames[frame].at(channel, 2 + row, column));
    }
  }
  BOOST_TEST(open_descriptors() == descriptors);  // closed: the kernel frees the space
  BOOST_TEST(directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(uint16_is_exact_for_integers_and_within_half_a_step_otherwise) {
  TemporaryDirectory directory;
  FrameCache cache(directory.path(), CacheFormat::uint16, "sky");
  ImageF integers = random_frame(6, 4, 1, 1, true);
  for (auto& value : integers.samples()) value = std::clamp(value, 0.0f, 65535.0f);
  ImageF reals = random_frame(6, 4, 1, 2, false);
  reals.samples()[5] = NAN;
  reals.samples()[6] = INFINITY;
  cache.append(integers);
  cache.append(reals);
  BOOST_TEST(cache.bytes_written() == 2u * 6 * 4 * 2);

  const auto exact = read_block<std::uint16_t>(cache, 0, 0, 4, 6, 1);
  const Quantization& identity = cache.quantization(0, 0);
  BOOST_TEST(!identity.has_non_finite_code);
  for (std::size_t i = 0; i < exact.size(); ++i)
    BOOST_TEST_REQUIRE(identity.offset + exact[i] * identity.step == integers.samples()[i]);

  const auto codes = read_block<std::uint16_t>(cache, 1, 0, 4, 6, 1);
  const Quantization& scaled = cache.quantization(1, 0);
  BOOST_TEST(scaled.has_non_finite_code);
  float low = INFINITY, high = -INFINITY;
  for (float value : reals.samples())
    if (std::isfinite(value)) low = std::min(low, value), high = std::max(high, value);
  BOOST_TEST(scaled.offset == low);
  BOOST_TEST(scaled.step == (double(high) - double(low)) / 65534.0);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (!std::isfinite(reals.samples()[i])) {
      BOOST_TEST(codes[i] == Quantization::non_finite_code);
      continue;
    }
    const double decoded = scaled.offset + codes[i] * scaled.step;
    BOOST_TEST_REQUIRE(std::abs(decoded - reals.samples()[i]) <= scaled.step / 2 * (1 + 1e-9));
  }
}

BOOST_AUTO_TEST_CASE(a_full_disk_is_an_output_error_and_the_cache_is_released) {
  TemporaryDirectory directory;
  const std::size_t descriptors = open_descriptors();
  try {
    FrameCache cache(directory.path(), CacheFormat::float32, "sky");
    FileSizeLimit limit(1000);  // a stand-in for a full disk: the second frame does not fit
    ImageF frame = random_frame(15, 10, 1, 3, false);  // 600 bytes
    cache.append(frame);
    cache.append(frame);
    BOOST_FAIL("the second frame should not fit");
  } catch (const OutputError& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find(directory.path().string()) == 0u, message);
    BOOST_TEST(message.find("scratch cache of stack 'sky' (frame 1)") != std::string::npos, message);
    BOOST_TEST(message.find("cache_directory") != std::string::npos, message);
  }
  BOOST_TEST(open_descriptors() == descriptors);  // released during the unwinding
  BOOST_TEST(directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(an_unusable_directory_is_an_output_error_naming_it) {
  FrameCache cache("/nonexistent/cache", CacheFormat::float32, "sky");
  try {
    cache.append(random_frame(2, 2, 1, 4, false));
    BOOST_FAIL("no cache can be made there");
  } catch (const OutputError& error) {
    BOOST_TEST(std::string(error.what())
                   .find("/nonexistent/cache: cannot create the scratch cache of stack 'sky'") == 0u);
  }
  BOOST_TEST(!cache.is_open());
}

BOOST_AUTO_TEST_CASE(default_directory_is_tmpdir_or_tmp) {
  const char* saved = std::getenv("TMPDIR");
  const std::string previous = saved ? saved : "";
  ::setenv("TMPDIR", "/var/tmp", 1);
  BOOST_TEST(default_cache_directory() == "/var/tmp");
  ::setenv("TMPDIR", "", 1);
  BOOST_TEST(default_cache_directory() == "/tmp");
  if (saved) {
    ::setenv("TMPDIR", previous.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

BOOST_AUTO_TEST_SUITE_END()
