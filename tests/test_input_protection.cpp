// Outputs never overwrite inputs: a run whose output is one of its input files, however spelled
// (the same path, `..`, a symlink, a hard link, last run's stack inside the input folder), or whose
// output is an existing directory, is refused before any pixel is read (exit 3, both paths named),
// and the input is left as it was. An output that does replace a file replaces it by rename.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

struct Frames {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  fs::path first = frames / "frame_1.fits";
  std::string first_content;

  Frames() {
    fs::create_directories(frames);
    for (int k = 1; k <= 3; ++k)
      write_reference_fits(frames / ("frame_" + std::to_string(k) + ".fits"), ImageD(8, 6, 1, 100.0 * k), 16);
    first_content = file_text(first);
  }

  CommandResult stack_into(const fs::path& output, const std::string& flag = "--fits") const {
    std::vector<std::string> arguments{"stack", "--method", "sum", "--fits",
                                       (directory.path() / "out" / "s.fits").string()};
    if (flag == "--fits")
      arguments[4] = output.string();
    else
      arguments.insert(arguments.end(), {flag, output.string()});
    arguments.push_back(frames.string());
    return run_nightstack(arguments);
  }

  void check_refused(const CommandResult& result, const fs::path& output, const fs::path& input) const {
    BOOST_TEST_INFO("stderr: " << result.err);
    BOOST_TEST(result.exit_code == 3);
    BOOST_TEST(
        contains(result.err, "would write " + output.string() + ", which is the input " + input.string()));
    BOOST_TEST(file_text(first) == first_content);
    BOOST_TEST(!fs::exists(directory.path() / "out"));  // nothing was written, not even the other output
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_output_on_an_input_is_refused) {
  Frames frames;
  frames.check_refused(frames.stack_into(frames.first), frames.first, frames.first);
}

BOOST_AUTO_TEST_CASE(an_output_reaching_an_input_through_dot_dot_is_refused) {
  Frames frames;
  fs::create_directories(frames.directory.path() / "elsewhere");
  const fs::path output = frames.directory.path() / "elsewhere" / ".." / "frames" / "frame_1.fits";
  frames.check_refused(frames.stack_into(output), output, frames.first);
}

BOOST_AUTO_TEST_CASE(an_output_that_is_a_symlink_to_an_input_is_refused) {
  Frames frames;
  const fs::path link = frames.directory.path() / "link.fits";
  fs::create_symlink(frames.first, link);
  frames.check_refused(frames.stack_into(link), link, frames.first);
  BOOST_TEST(fs::is_symlink(link));
}

BOOST_AUTO_TEST_CASE(an_output_that_is_a_hard_link_to_an_input_is_refused) {
  Frames frames;
  const fs::path link = frames.directory.path() / "same.fits";
  fs::create_hard_link(frames.first, link);
  frames.check_refused(frames.stack_into(link), link, frames.first);
}

BOOST_AUTO_TEST_CASE(a_display_output_on_an_input_is_refused_too) {
  Frames frames;
  frames.check_refused(frames.stack_into(frames.first, "--tiff"), frames.first, frames.first);
}

// The common slip: last night's stack written into the frames folder is an input of tonight's run.
BOOST_AUTO_TEST_CASE(a_previous_stack_inside_the_input_folder_is_not_overwritten) {
  Frames frames;
  const fs::path output = frames.frames / "stack.fits";
  auto result = run_nightstack(
      {"stack", "--method", "sum", "--fits", output.string(), "--report", "none", frames.frames.string()});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  const std::string first_stack = file_text(output);
  result = run_nightstack(
      {"stack", "--method", "sum", "--fits", output.string(), "--report", "none", frames.frames.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(
      contains(result.err, "would write " + output.string() + ", which is the input " + output.string()),
      result.err);
  BOOST_TEST(file_text(output) == first_stack);
}

BOOST_AUTO_TEST_CASE(an_output_that_is_an_existing_directory_is_refused) {
  Frames frames;
  const fs::path taken = frames.directory.path() / "taken.fits";
  fs::create_directory(taken);
  const auto result = frames.stack_into(taken);
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "would write " + taken.string() + ", which is an existing directory"),
             result.err);
  BOOST_TEST(fs::is_directory(taken));
}

BOOST_AUTO_TEST_CASE(validate_refuses_an_output_on_an_input) {
  Frames frames;
  const fs::path config = frames.directory.path() / "run.yaml";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, paths: ['"
                        << frames.frames.string()
                        << "']}\n"
                           "  - {id: trails, type: stack, input: lights, method: max}\n"
                           "  - id: out\n"
                           "    type: write\n"
                           "    input: trails\n"
                           "    fits: '"
                        << frames.first.string() << "'\n";
  for (const char* command : {"validate", "run"}) {
    const auto result = run_nightstack({command, config.string()});
    BOOST_TEST(result.exit_code == 3, command);
    // Points at the `fits` value.
    BOOST_TEST(
        contains(result.err, config.string() + ":7:11: stage 'out' would write " + frames.first.string()),
        result.err);
  }
  BOOST_TEST(file_text(frames.first) == frames.first_content);
}

// Rename, not rewrite: a hard link to the old output keeps the old content.
BOOST_AUTO_TEST_CASE(an_existing_output_is_replaced_by_rename_not_rewritten) {
  Frames frames;
  const fs::path out = frames.directory.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "s.fits") << "an earlier result";
  fs::create_hard_link(out / "s.fits", frames.directory.path() / "kept.fits");
  const auto result = frames.stack_into(out / "s.fits");
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  BOOST_TEST(file_text(frames.directory.path() / "kept.fits") == "an earlier result");
  BOOST_TEST(read_reference_fits(out / "s.fits").samples().front() > 0.0);
}
