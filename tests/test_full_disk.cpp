// A full disk is a clear output error (exit 5, naming the file and the OS reason) that leaves no
// partial output, no temporary file and the inputs untouched; an earlier output under the same
// name survives, because outputs only ever replace a file by renaming a complete one over it.
// Two stand-ins for a full disk: a tiny tmpfs when this machine lets us mount one (those cases are
// reported to CTest as skipped otherwise: mounting needs privileges), and always a file size limit
// (RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with EFBIG), which the nightstack child inherits.
#define BOOST_TEST_DYN_LINK
#include <sys/mount.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Three 200x150 16-bit FITS frames: a 120 kB float FITS out, a 180 kB scratch cache.
struct Frames {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  std::vector<std::string> contents;

  Frames() {
    fs::create_directories(frames);
    for (int k = 0; k < 3; ++k) {
      ImageD image(200, 150, 1);
      for (std::size_t i = 0; i < image.samples().size(); ++i) image.samples()[i] = (i * (k + 3)) % 60000;
      write_reference_fits(frames / ("frame_" + std::to_string(k) + ".fits"), image, 16);
    }
    contents = snapshot();
  }

  std::vector<std::string> snapshot() const {
    std::vector<std::string> texts;
    for (const auto& name : directory_entries(frames)) texts.push_back(name + ":" + file_text(frames / name));
    return texts;
  }
};

// A 64 kB tmpfs, unmounted when the test ends.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const fs::path& where) : where_(where) {
    fs::create_directories(where_);
    mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, "size=64k") == 0;
    if (!mounted_) reason_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }

 private:
  fs::path where_;
  bool mounted_ = false;
  std::string reason_;
};

// Skips the case, before it makes anything, when no tmpfs can be mounted here (without the privilege).
void require_tmpfs_mount() {
  std::string reason;
  {
    TemporaryDirectory probe;
    SmallTmpfs tmpfs(probe.path() / "small");
    if (tmpfs.mounted()) return;
    reason = tmpfs.reason();
  }
  skip_test_case("cannot mount a tmpfs here (" + reason + "); the file size limit cases still run");
}

CommandResult stack(const Frames& frames, const std::string& method, const fs::path& output,
                    const fs::path& cache) {
  // A limit the three frames, the result and the maps do not fit together: the frames go to the
  // scratch cache.
  return run_nightstack({"stack", "--method", method, "--fits", output.string(), "--cache-directory",
                         cache.string(), "--memory-limit", "400KB", "--threads", "2",
                         (frames.frames / "*.fits").string()});
}

void check_output_error(const CommandResult& result, const std::string& named, const std::string& reason) {
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST(result.exit_code == 5);
  BOOST_TEST(contains(result.err, "nightstack: error: " + named + ": "));
  BOOST_TEST(contains(result.err, reason));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_size_limit_while_writing_the_fits_is_exit_5_and_keeps_the_earlier_output) {
  Frames frames;
  const fs::path out = frames.directory.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "s.fits") << "an earlier result";
  CommandResult result;
  {
    FileSizeLimit limit(40000);
    result = stack(frames, "sum", out / "s.fits", frames.directory.path());
  }
  check_output_error(result, (out / "s.fits").string(), "File too large");
  BOOST_TEST(directory_entries(out) == std::vector<std::string>{"s.fits"}, boost::test_tools::per_element());
  BOOST_TEST(file_text(out / "s.fits") == "an earlier result");
  BOOST_TEST(frames.snapshot() == frames.contents);
}

BOOST_AUTO_TEST_CASE(a_full_tmpfs_is_exit_5_no_space_left_and_leaves_nothing, *NeedsOutsideTool()) {
  require_tmpfs_mount();
  Frames frames;
  const fs::path disk = frames.directory.path() / "small";
  SmallTmpfs tmpfs(disk);
  BOOST_TEST_REQUIRE(tmpfs.mounted(), tmpfs.reason());
  const auto result = stack(frames, "sum", disk / "s.fits", frames.directory.path());
  check_output_error(result, (disk / "s.fits").string(), "No space left on device");
  BOOST_TEST(directory_entries(disk).empty());
  BOOST_TEST(frames.snapshot() == frames.contents);
}

BOOST_AUTO_TEST_CASE(a_size_limit_on_the_scratch_cache_is_exit_5_naming_the_cache_directory) {
  Frames frames;
  const fs::path out = frames.directory.path() / "out";
  const fs::path cache = frames.directory.path() / "cache";
  fs::create_directories(cache);
  CommandResult result;
  {
    FileSizeLimit limit(100000);  // the first frame (60 kB) fits in the cache, the second does not
    result = stack(frames, "median", out / "s.fits", cache);
  }
  check_output_error(result, cache.string(), "cannot write the scratch cache of stack 'stack'");
  BOOST_TEST(contains(result.err, "File too large"), result.err);
  BOOST_TEST(directory_entries(cache).empty());
  BOOST_TEST(!fs::exists(out));
  BOOST_TEST(frames.snapshot() == frames.contents);
}

BOOST_AUTO_TEST_CASE(a_full_tmpfs_as_scratch_cache_is_exit_5_no_space_left, *NeedsOutsideTool()) {
  require_tmpfs_mount();
  Frames frames;
  const fs::path cache = frames.directory.path() / "small";
  SmallTmpfs tmpfs(cache);
  BOOST_TEST_REQUIRE(tmpfs.mounted(), tmpfs.reason());
  const fs::path out = frames.directory.path() / "out";
  const auto result = stack(frames, "median", out / "s.fits", cache);
  check_output_error(result, cache.string(), "No space left on device");
  BOOST_TEST(directory_entries(cache).empty());
  BOOST_TEST(!fs::exists(out));
}
