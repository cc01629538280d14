// Calibration masters decode and prepare their frames on every thread and combine them in order:
// the master is the same bits for 1, 2 and 5 threads, with every method and with a preparation
// step; building one shows progress (frames done, rate, ETA) in the run's style, and its frames are
// in the run record.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "pipeline/log.hpp"
#include "stages/master_frames.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Seven 16-bit darks with noise and a hot pixel, one with a cosmic-ray hit.
struct Darks {
  TemporaryDirectory directory;
  std::vector<fs::path> files;

  Darks() {
    std::mt19937 random(11);
    std::normal_distribution<double> noise(1000.0, 25.0);
    for (int k = 0; k < 7; ++k) {
      ImageD frame(16, 10, 1);
      for (double& value : frame.samples()) value = std::round(noise(random));
      frame.at(0, 3, 5) = 60000;
      if (k == 4) frame.at(0, 7, 2) = 40000;
      files.push_back(directory.path() / ("dark_" + std::to_string(k) + ".fits"));
      write_reference_fits(files.back(), frame, 16);
    }
  }

  Master build(const std::string& method, unsigned threads, bool with_preparation) const {
    MasterRecipe recipe;
    recipe.kind = "dark";
    recipe.stage_id = "cal";
    recipe.frames = files;
    recipe.method = method;
    recipe.stack.threads = threads;
    recipe.stack.cache_directory = directory.path();
    if (with_preparation) {
      recipe.preparation = "offset by the frame's index";
      recipe.prepare_frame = [](Frame& frame) {
        for (float& value : frame.pixels.samples()) value -= static_cast<float>(frame.info.index);
      };
    }
    recipe.file = directory.path() / (method + "-" + std::to_string(threads) + ".fits");
    std::ostringstream messages;
    Log log(messages, false);
    return obtain_master(recipe, ReadOptions{}, "test", log);
  }
};

bool same_bytes(const ImageF& left, const ImageF& right) {
  return left.samples().size() == right.samples().size() &&
         std::memcmp(left.samples().data(), right.samples().data(), left.samples().size() * sizeof(float)) ==
             0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(masters_are_the_same_bits_for_any_thread_count) {
  Darks darks;
  for (const char* method : {"median", "sigma_clip"}) {
    for (bool with_preparation : {false, true}) {
      const Master one = darks.build(method, 1, with_preparation);
      BOOST_TEST(one.frame_count == 7u);
      for (unsigned threads : {2u, 5u}) {
        const Master many = darks.build(method, threads, with_preparation);
        BOOST_TEST(same_bytes(one.pixels, many.pixels), method << " " << threads << " threads");
      }
      // A pixel of the median master is the median of its seven prepared values, exactly.
      if (std::string(method) == "median") {
        std::vector<float> values;
        for (std::size_t k = 0; k < darks.files.size(); ++k)
          values.push_back(static_cast<float>(read_reference_fits(darks.files[k]).at(0, 2, 9)) -
                           (with_preparation ? static_cast<float>(k) : 0.0f));
        std::sort(values.begin(), values.end());
        BOOST_TEST(one.pixels.at(0, 2, 9) == values[3]);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(building_a_master_shows_progress) {
  Darks darks;
  TemporaryDirectory run;
  const fs::path light = run.path() / "light.fits";
  write_reference_fits(light, ImageD(16, 10, 1, 1500.0), 16);
  const fs::path config = run.path() / "cal.yaml";
  std::ofstream(config) << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << light.string()
                        << "]\n  - id: cal\n    type: calibrate\n    input: lights\n    darks: ["
                        << darks.directory.path().string()
                        << "]\n    masters_directory: " << (run.path() / "masters").string()
                        << "\n  - id: sky\n    type: stack\n    input: cal\n    method: mean\n"
                           "  - id: save\n    type: write\n    input: sky\n    fits: "
                        << (run.path() / "out.fits").string() << "\n";
  const CommandResult result =
      run_nightstack({"run", config.string(), "--threads", "2", "--progress", "json", "--report", "none"});
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  BOOST_TEST(contains(result.err, "{\"stage\": \"cal (master dark)\", \"done\": 7, \"total\": 7, "));
  BOOST_TEST(contains(result.err, "\"finished\": true}"));

  // The darks are inputs of the run too: the run record lists them, and --check sees one change.
  const fs::path output = run.path() / "out.fits";
  const CommandResult record = run_nightstack({"config", "--from", output.string()});
  BOOST_TEST(contains(record.out, "# Inputs (8;"));
  for (const auto& dark : darks.files)
    BOOST_TEST(contains(record.out, " " + std::to_string(fs::file_size(dark)) + " " + dark.string() + "\n"));
  BOOST_TEST(run_nightstack({"config", "--from", output.string(), "--check"}).exit_code == 0);
  std::ofstream(darks.files[6], std::ios::app) << "more";
  const CommandResult check = run_nightstack({"config", "--from", output.string(), "--check"});
  BOOST_TEST(check.exit_code == 4);
  BOOST_TEST(contains(check.out, darks.files[6].string() + ": changed: "));
  BOOST_TEST(contains(check.out, "1 of 8 inputs changed or missing"));
}

// Of several unreadable frames, the error names the earliest, whatever the thread count.
BOOST_AUTO_TEST_CASE(the_earliest_bad_frame_is_reported_for_any_thread_count) {
  Darks darks;
  for (std::size_t broken : {1u, 4u}) {
    const std::string head = file_text(darks.files[broken]).substr(0, 2880);  // the header alone
    fs::remove(darks.files[broken]);
    std::ofstream(darks.files[broken], std::ios::binary) << head;
  }
  for (unsigned threads : {1u, 2u, 5u}) {
    try {
      darks.build("median", threads, false);
      BOOST_FAIL("a master was built from truncated frames");
    } catch (const InputError& error) {
      BOOST_TEST(contains(error.what(), darks.files[1].string()), threads << " threads: " << error.what());
      BOOST_TEST(!contains(error.what(), darks.files[4].string()));
    }
  }
}
