// Ctrl-C and SIGTERM: the real binary, stopped while it decodes, exits 130 with a message and
// leaves no output, no temporary file and no scratch cache behind, its inputs untouched; a second
// request while it stops ends it at once, with the same guarantees.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <csignal>

#include "tests/support/background_process.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int frame_count =
    1000;  // seconds of work even for the fast banded sum, so the signal comes mid-pass

// One noisy 800x600 RGB JPEG under `frame_count` names (hard links, so making them costs nothing):
// made once for all the tests, a run of a second or more, long enough to interrupt.
const fs::path& long_sequence() {
  static TemporaryDirectory directory;
  static const fs::path frames = [] {
    const fs::path path = directory.path() / "frames";
    fs::create_directories(path);
    PlanarImage<std::uint8_t> image(800, 600, 3);
    std::uint32_t state = 12345;  // xorshift: noise that JPEG cannot compress away, made cheaply
    for (auto& value : image.samples()) {
      state ^= state << 13, state ^= state >> 17, state ^= state << 5;
      value = static_cast<std::uint8_t>(state);
    }
    const fs::path first = path / "frame_0.jpg";
    write_reference_jpeg(first, image, 90);
    for (int index = 1; index < frame_count; ++index)
      fs::create_hard_link(first, path / ("frame_" + std::to_string(index) + ".jpg"));
    return path;
  }();
  return frames;
}

struct LongRun {
  TemporaryDirectory directory;
  fs::path frames = long_sequence();
  fs::path out = directory.path() / "out";
  fs::path cache = directory.path() / "cache";

  LongRun() { fs::create_directories(cache); }

  std::vector<std::string> stack_arguments(const std::string& method) const {
    return {"stack",
            "--method",
            method,
            "--threads",
            "2",
            "--progress",
            "json",
            "--fits",
            (out / "s.fits").string(),
            "--tiff",
            (out / "s.tif").string(),
            "--cache-directory",
            cache.string(),
            frames.string()};
  }

  void check_nothing_left_behind() const {
    BOOST_TEST((!fs::exists(out) || directory_entries(out).empty()), "output directory not empty");
    BOOST_TEST(directory_entries(cache).empty());
    BOOST_TEST(directory_entries(frames).size() == static_cast<std::size_t>(frame_count));
    BOOST_TEST(fs::hard_link_count(frames / "frame_0.jpg") == static_cast<std::uintmax_t>(frame_count));
  }
};

void interrupt_and_check(const LongRun& run, const std::string& method, int signal) {
  BackgroundNightstack process(run.stack_arguments(method));
  // A progress line means decoding is under way (the pass, not argument parsing).
  const bool decoding = process.wait_for_stderr("\"done\"", std::chrono::seconds(60));
  process.send_signal(signal);
  const ProcessEnd end = process.wait();
  BOOST_TEST_INFO("stderr: " << end.err);
  BOOST_TEST_REQUIRE(decoding);
  BOOST_TEST(end.exited);  // handled, not killed by the signal's default action
  BOOST_TEST(end.exit_code == 130);
  BOOST_TEST(end.err.find("nightstack: interrupted; no partial output was left behind") != std::string::npos);
  // Stopped early rather than after all the frames.
  BOOST_TEST(end.err.find("\"done\": " + std::to_string(frame_count) + ",") == std::string::npos);
  BOOST_TEST(end.out.find("wrote") == std::string::npos);
  run.check_nothing_left_behind();
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigint_while_decoding_a_sum_exits_130_and_leaves_nothing) {
  LongRun run;
  interrupt_and_check(run, "sum", SIGINT);
}

BOOST_AUTO_TEST_CASE(sigterm_while_decoding_a_sum_exits_130_and_leaves_nothing) {
  LongRun run;
  interrupt_and_check(run, "sum", SIGTERM);
}

// The out-of-core path: frames are being written to the scratch cache when the signal comes.
BOOST_AUTO_TEST_CASE(sigint_while_caching_a_median_leaves_no_cache_and_no_output) {
  LongRun run;
  interrupt_and_check(run, "median", SIGINT);
}

BOOST_AUTO_TEST_CASE(sigterm_while_caching_a_median_leaves_no_cache_and_no_output) {
  LongRun run;
  interrupt_and_check(run, "median", SIGTERM);
}

// Two requests in a row (a Ctrl-C, then a SIGTERM before the first stop has finished: two signals
// of one kind could merge into one): the second ends the process at once, from its handler.
BOOST_AUTO_TEST_CASE(a_second_stop_request_exits_at_once_and_leaves_nothing) {
  LongRun run;
  BackgroundNightstack process(run.stack_arguments("median"));
  const bool decoding = process.wait_for_stderr("\"done\"", std::chrono::seconds(60));
  process.send_signal(SIGINT);
  process.send_signal(SIGTERM);
  const ProcessEnd end = process.wait();
  BOOST_TEST_INFO("stderr: " << end.err);
  BOOST_TEST_REQUIRE(decoding);
  BOOST_TEST(end.exited);
  BOOST_TEST(end.exit_code == 130);
  BOOST_TEST(end.err.find("press Ctrl-C again to stop at once") != std::string::npos);
  BOOST_TEST(end.err.find("nightstack: interrupted again: stopped at once") != std::string::npos);
  // The clean stop's own message never came: the process ended in the handler.
  BOOST_TEST(end.err.find("no partial output was left behind") == std::string::npos);
  BOOST_TEST(end.out.find("wrote") == std::string::npos);
  run.check_nothing_left_behind();
}
