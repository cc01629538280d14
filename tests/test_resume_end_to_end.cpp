// Checkpoint and resume through the nightstack binary: a run killed with SIGKILL midway and resumed
// with --resume writes FITS files byte for byte equal to those of an uninterrupted run, for a
// single-pass method (mean) and an out-of-core one (median), and a complete report; a checkpoint
// is refused without --resume, with another config, with changed inputs, and when damaged.
#define BOOST_TEST_DYN_LINK
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/fixtures.hpp"

extern char** environ;

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

struct KilledRun {
  bool killed_midway = false;  // SIGKILL arrived before the run ended
  std::size_t done_at_kill = 0;
  std::string err;
};

// Runs nightstack with --progress json on its stderr, and kills it with SIGKILL as soon as a
// progress line reports at least `done` frames (and the pass is not finished).
KilledRun run_and_kill(const std::vector<std::string>& arguments, std::size_t done) {
  int pipe_ends[2];
  BOOST_TEST_REQUIRE(::pipe(pipe_ends) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[1]);
  std::vector<std::string> full{NIGHTSTACK_BINARY};
  full.insert(full.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : full) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[1]);
  BOOST_TEST_REQUIRE(spawned == 0);
  KilledRun run;
  FILE* stream = ::fdopen(pipe_ends[0], "r");
  char* line = nullptr;
  std::size_t capacity = 0;
  while (::getline(&line, &capacity, stream) > 0) {
    const std::string text = line;
    run.err += text;
    const auto at = text.find("\"done\": ");
    if (at == std::string::npos || text.find("\"finished\": false") == std::string::npos) continue;
    const std::size_t frames = std::stoul(text.substr(at + 8));
    if (frames >= done) {
      ::kill(child, SIGKILL);
      run.done_at_kill = frames;
      break;
    }
  }
  std::free(line);
  std::fclose(stream);
  int status = 0;
  ::waitpid(child, &status, 0);
  run.killed_midway = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return run;
}

std::size_t count_of(const std::string& text, const std::string& word) {
  std::size_t count = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume_end_to_end)

BOOST_AUTO_TEST_CASE(a_run_killed_midway_and_resumed_writes_the_same_bytes) {
  // A frame costs about 30 ms with one thread in the release build, so the kill lands well before
  // the end; the sanitizer build is some ten times slower per pixel, so it gets smaller frames for
  // about the same time (and margin).
#if defined(__SANITIZE_ADDRESS__)
  constexpr int width = 448, height = 336;
#else
  constexpr int width = 1024, height = 768;
#endif
  constexpr int frames = 28;
  TemporaryDirectory directory;
  const fs::path lights = directory.path() / "lights", outputs = directory.path() / "out",
                 cache = directory.path() / "cache", reference = directory.path() / "reference";
  fs::create_directories(lights);
  fs::create_directories(cache);
  fs::create_directories(reference);
  std::mt19937 generator(5);
  std::uniform_int_distribution<int> noise(-12, 12);
  for (int index = 0; index < frames; ++index) {
    PlanarImage<std::uint8_t> frame(width, height, 1);
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column)
        frame.at(0, row, column) = static_cast<std::uint8_t>(40 + row / 8 + index + noise(generator));
    char name[32];
    std::snprintf(name, sizeof name, "frame_%02d.jpg", index);
    write_reference_jpeg(lights / name, frame, 90);
  }
  const fs::path config = directory.path() / "night.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, paths: ["
                        << lights.string()
                        << "]}\n"
                           "  - {id: linear, type: linearize, input: lights, transfer: srgb}\n"
                           "  - {id: mean, type: stack, input: linear, method: mean, checkpoint: 4}\n"
                           "  - {id: median, type: stack, input: linear, method: median, checkpoint: 3, "
                           "cache_directory: "
                        << cache.string()
                        << "}\n"
                           "  - {id: mean_out, type: write, input: mean, fits: "
                        << (outputs / "mean.fits").string()
                        << "}\n"
                           "  - {id: median_out, type: write, input: median, fits: "
                        << (outputs / "median.fits").string() << "}\n";

  // The uninterrupted run, its outputs set aside.
  const CommandResult whole = run_nightstack({"run", config.string(), "--threads", "2", "--quiet"});
  BOOST_TEST_INFO(whole.err);
  BOOST_TEST_REQUIRE(whole.exit_code == 0);
  BOOST_TEST(!fs::exists(outputs / ".nightstack-checkpoint"));  // removed after success
  for (const char* name : {"mean.fits", "median.fits", "night-report.json"})
    fs::rename(outputs / name, reference / name);

  // Killed after 7 frames or more: the mean has a checkpoint at 4, the median at 3 and 6, so the
  // resumed pass starts at frame 4 and the median skips the frames it holds already.
  const KilledRun killed = run_and_kill({"run", config.string(), "--threads", "1", "--progress", "json"}, 7);
  BOOST_TEST_INFO(killed.err);
  BOOST_TEST_REQUIRE(killed.killed_midway);
  BOOST_TEST_MESSAGE("killed after " << killed.done_at_kill << " of " << frames << " frames");
  BOOST_TEST(!fs::exists(outputs / "mean.fits"));
  const fs::path checkpoints = outputs / ".nightstack-checkpoint";
  BOOST_TEST(fs::exists(checkpoints / "mean" / "state"));
  BOOST_TEST(fs::exists(checkpoints / "median" / "state"));
  BOOST_TEST(fs::exists(checkpoints / "median" / "frames.cache"));  // named, beside the checkpoint

  // Without --resume the checkpoint is not thrown away.
  const CommandResult again = run_nightstack({"run", config.string(), "--quiet"});
  BOOST_TEST(again.exit_code == 2);
  BOOST_TEST(again.err.find("--resume") != std::string::npos);
  BOOST_TEST(again.err.find((checkpoints / "mean").string()) != std::string::npos);

  const CommandResult resumed =
      run_nightstack({"run", config.string(), "--threads", "2", "--resume", "--progress", "none"});
  BOOST_TEST_INFO(resumed.err);
  BOOST_TEST_REQUIRE(resumed.exit_code == 0);
  BOOST_TEST(resumed.err.find("stack 'mean': resuming from its checkpoint") != std::string::npos);
  BOOST_TEST(resumed.err.find("stack 'median': resuming from its checkpoint") != std::string::npos);
  for (const char* name : {"mean.fits", "median.fits"}) {
    BOOST_TEST_CONTEXT(name) {
      const std::string bytes = read_file(outputs / name);
      BOOST_TEST(bytes.size() > 2u * width * height);
      BOOST_TEST((bytes == read_file(reference / name)));
    }
  }
  BOOST_TEST(!fs::exists(checkpoints));
  BOOST_TEST(directory_entries(cache).empty());
  // The report lists every frame with its measurements, those of the frames before the checkpoint
  // included (restored from it, since they were not decoded again).
  const std::string report = read_file(outputs / "night-report.json");
  BOOST_TEST(count_of(report, "\"background\": [0.") == static_cast<std::size_t>(frames));
  BOOST_TEST(count_of(report, "\"background\": []") == 0u);
}

// A run that fails at a broken frame keeps its checkpoint: a deterministic way to leave one.
BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_config_other_inputs_or_damaged_is_refused) {
  constexpr int frames = 8, broken = 6;
  TemporaryDirectory directory;
  const fs::path lights = directory.path() / "lights", outputs = directory.path() / "out";
  fs::create_directories(lights);
  for (int index = 0; index < frames; ++index) {
    ImageD frame(16, 12, 1, 0.1 * (index + 1));
    write_reference_fits(lights / ("light_" + std::to_string(index) + ".fits"), frame, -32);
  }
  fs::resize_file(lights / ("light_" + std::to_string(broken) + ".fits"), 2880 + 100);  // pixels cut short
  const fs::path config = directory.path() / "sky.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, paths: ["
                        << lights.string()
                        << "]}\n"
                           "  - {id: sky, type: stack, input: lights, method: mean, checkpoint: 2}\n"
                           "  - {id: sky_out, type: write, input: sky, fits: "
                        << (outputs / "sky.fits").string() << "}\n";
  const fs::path state = outputs / ".nightstack-checkpoint" / "sky" / "state";
  const CommandResult failed = run_nightstack({"run", config.string(), "--threads", "1", "--quiet"});
  BOOST_TEST(failed.exit_code == 4);
  BOOST_TEST_REQUIRE(fs::exists(state));  // six frames stacked before the broken one
  const std::string saved = read_file(state);

  auto resume = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments{"run", config.string(), "--resume", "--quiet"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_nightstack(arguments);
  };
  // Another config (a --set counts): exit 3, naming the checkpoint.
  const CommandResult other_config = resume({"--set", "sky.method=max"});
  BOOST_TEST(other_config.exit_code == 3);
  BOOST_TEST(other_config.err.find(state.string()) != std::string::npos);
  BOOST_TEST(other_config.err.find("another config") != std::string::npos);

  // Damaged or cut short: exit 4, naming the file, saying how to start over.
  for (const auto& damaged :
       {saved.substr(0, saved.size() / 2), saved.substr(0, 20) + "#" + saved.substr(21)}) {
    std::ofstream(state, std::ios::binary) << damaged;
    const CommandResult refused = resume();
    BOOST_TEST(refused.exit_code == 4);
    BOOST_TEST(refused.err.find(state.string() + ": checkpoint file is damaged or truncated") !=
               std::string::npos);
    BOOST_TEST(refused.err.find("to start the run over") != std::string::npos);
  }
  std::ofstream(state, std::ios::binary) << saved;

  // The intact checkpoint resumes (and meets the broken frame again).
  const CommandResult same = run_nightstack({"run", config.string(), "--resume", "--threads", "1"});
  BOOST_TEST(same.exit_code == 4);
  BOOST_TEST(same.err.find("stack 'sky': resuming from its checkpoint") != std::string::npos);
  BOOST_TEST(same.err.find("with 6 frames stacked") != std::string::npos);

  // An input file changed since the checkpoint: exit 4.
  fs::remove(lights / "light_0.fits");
  write_reference_fits(lights / "light_0.fits", ImageD(16, 12, 1, 0.5), -32);
  const CommandResult other_inputs = resume();
  BOOST_TEST(other_inputs.exit_code == 4);
  BOOST_TEST(other_inputs.err.find("other input files") != std::string::npos);
  BOOST_TEST(!fs::exists(outputs / "sky.fits"));
}

BOOST_AUTO_TEST_SUITE_END()
