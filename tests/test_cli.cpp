// The command line as users meet it: help texts, the stage listing, config errors with file, line
// and column, bad inputs, and the documented exit codes — all through the real binary.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/fixtures.hpp"

using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

fs::path write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

void write_gray_jpeg(const fs::path& path, int width, int height, std::uint8_t level) {
  nightstack::PlanarImage<std::uint8_t> image(width, height, 1, level);
  write_reference_jpeg(path, image);
}

// A valid config over `frames`, writing into `output`.
std::string valid_config(const fs::path& frames, const fs::path& output) {
  return "stages:\n"
         "  - id: lights\n"
         "    type: ingest\n"
         "    paths: ['" +
         frames.string() +
         "']\n"
         "  - id: linear\n"
         "    type: linearize\n"
         "    input: lights\n"
         "  - id: trails\n"
         "    type: stack\n"
         "    input: linear\n"
         "    method: max\n"
         "  - id: out\n"
         "    type: write\n"
         "    input: trails\n"
         "    fits: '" +
         output.string() + "'\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(every_command_has_help_that_teaches) {
  auto overview = run_nightstack({"--help"});
  BOOST_TEST(overview.exit_code == 0);
  BOOST_TEST(contains(overview.out, "Exit codes"));
  for (std::string command : {"run", "validate", "stages", "stack"}) {
    auto help = run_nightstack({command, "--help"});
    BOOST_TEST_INFO(command);
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(contains(help.out, "Usage: nightstack " + command));
  }
  BOOST_TEST(contains(run_nightstack({"stack", "--help"}).out, "--method"));
}

BOOST_AUTO_TEST_CASE(stages_lists_every_type_and_parameter_with_defaults) {
  auto listing = run_nightstack({"stages"});
  BOOST_TEST(listing.exit_code == 0);
  for (std::string expected : {"ingest", "linearize", "stack", "normalize", "write", "paths", "transfer",
                               "default auto", "method", "max", "default 99.9", "jpeg_quality"}) {
    BOOST_TEST_INFO(expected);
    BOOST_TEST(contains(listing.out, expected));
  }
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  BOOST_TEST(run_nightstack({}).exit_code == 2);
  BOOST_TEST(run_nightstack({"frobnicate"}).exit_code == 2);
  BOOST_TEST(run_nightstack({"stack", "--fits", "x.fits", "a.jpg"}).exit_code == 2);  // no --method
  BOOST_TEST(run_nightstack({"run"}).exit_code == 2);
  auto bad_set = run_nightstack({"run", "x.yaml", "--set", "no-equals-sign"});
  BOOST_TEST(bad_set.exit_code == 2);
  BOOST_TEST(contains(bad_set.err, "ID.PARAM=VALUE"));
}

BOOST_AUTO_TEST_CASE(config_errors_name_file_line_and_column_and_exit_3) {
  TemporaryDirectory directory;
  auto config = write_text(directory.path() / "typo.yaml",
                           "stages:\n"
                           "  - id: lights\n"
                           "    type: ingest\n"
                           "    paths: [frames/]\n"
                           "  - id: trails\n"
                           "    type: stak\n"
                           "    input: lights\n");
  auto result = run_nightstack({"validate", config.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, config.string() + ":6:11"));
  BOOST_TEST(contains(result.err, "did you mean 'stack'"));

  auto typo = write_text(directory.path() / "param.yaml",
                         "stages:\n"
                         "  - id: lights\n"
                         "    type: ingest\n"
                         "    paths: [frames/]\n"
                         "    recursiv: true\n");
  result = run_nightstack({"run", typo.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, typo.string() + ":5:5"));
  BOOST_TEST(contains(result.err, "recursive"));
}

BOOST_AUTO_TEST_CASE(a_missing_input_folder_names_the_config_line_that_lists_it) {
  TemporaryDirectory directory;
  const auto missing = (directory.path() / "session" / "lights").string() + "/";
  auto config = write_text(directory.path() / "session.yaml",
                           "stages:\n"
                           "  - id: lights\n"
                           "    type: ingest\n"
                           "    paths: [" +
                               missing +
                               "]\n"
                               "  - {id: trails, type: stack, input: lights, method: max}\n"
                               "  - {id: out, type: write, input: trails, fits: out.fits}\n");
  for (const char* command : {"validate", "run"}) {
    auto result = run_nightstack({command, config.string()});
    BOOST_TEST(result.exit_code == 4);
    BOOST_TEST(contains(result.err, missing + ": no such file or directory"));
    BOOST_TEST(contains(result.err, config.string() + ":4:12"));
  }
}

BOOST_AUTO_TEST_CASE(a_frame_stream_fed_to_write_is_refused_before_reading) {
  TemporaryDirectory directory;
  auto config = write_text(directory.path() / "kind.yaml",
                           "stages:\n"
                           "  - {id: lights, type: ingest, paths: [does/not/exist/]}\n"
                           "  - {id: out, type: write, input: lights, fits: out.fits}\n");
  auto result = run_nightstack({"run", config.string()});
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "kind.yaml:3:"));
  BOOST_TEST(contains(result.err, "stack"));
}

BOOST_AUTO_TEST_CASE(set_overrides_a_value_and_is_checked_like_the_file) {
  TemporaryDirectory directory;
  write_gray_jpeg(directory.path() / "a.jpg", 8, 8, 100);
  auto config = write_text(directory.path() / "c.yaml",
                           valid_config(directory.path() / "*.jpg", directory.path() / "max.fits"));
  auto bad = run_nightstack({"validate", config.string(), "--set", "trails.method=medain"});
  BOOST_TEST(bad.exit_code == 3);
  BOOST_TEST(contains(bad.err, "--set trails.method=medain"));
  auto good = run_nightstack(
      {"run", config.string(), "--quiet", "--set", "out.fits=" + (directory.path() / "other.fits").string()});
  BOOST_TEST(good.exit_code == 0);
  BOOST_TEST(fs::exists(directory.path() / "other.fits"));
  BOOST_TEST(!fs::exists(directory.path() / "max.fits"));
}

BOOST_AUTO_TEST_CASE(validate_reads_no_pixels) {
  TemporaryDirectory directory;
  // Looks like a JPEG in its first bytes, but cannot be decoded: validate must not notice.
  write_text(directory.path() / "broken.jpg", std::string("\xFF\xD8\xFF\xE0", 4) + "not really a jpeg");
  auto config =
      write_text(directory.path() / "c.yaml", valid_config(directory.path(), directory.path() / "o.fits"));
  auto validated = run_nightstack({"validate", config.string()});
  BOOST_TEST_INFO(validated.err);
  BOOST_TEST(validated.exit_code == 0);
  BOOST_TEST(contains(validated.out, "lights: 1 frames to read"));
  auto ran = run_nightstack({"run", config.string(), "--quiet"});
  BOOST_TEST(ran.exit_code == 4);
  BOOST_TEST(contains(ran.err, "broken.jpg"));
}

BOOST_AUTO_TEST_CASE(frames_of_different_sizes_name_both_files_and_leave_no_output) {
  TemporaryDirectory directory;
  write_gray_jpeg(directory.path() / "frame_1.jpg", 16, 16, 10);
  write_gray_jpeg(directory.path() / "frame_2.jpg", 16, 16, 20);
  write_gray_jpeg(directory.path() / "frame_3.jpg", 20, 16, 30);
  auto output_directory = directory.path() / "out";
  auto result = run_nightstack({"stack", "--method", "sum", "--fits", (output_directory / "s.fits").string(),
                                "--quiet", directory.path().string()});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(contains(result.err, "frame_3.jpg"));
  BOOST_TEST(contains(result.err, "frame_1.jpg"));
  BOOST_TEST(contains(result.err, "frame 2"));
  BOOST_TEST((!fs::exists(output_directory) || fs::is_empty(output_directory)));
}

BOOST_AUTO_TEST_CASE(no_input_at_all_is_an_input_error) {
  TemporaryDirectory directory;
  write_text(directory.path() / "readme.txt", "nothing here");
  auto empty = run_nightstack({"stack", "--method", "max", "--fits", "x.fits", directory.path().string()});
  BOOST_TEST(empty.exit_code == 4);
  BOOST_TEST(contains(empty.err, "no frames"));
  auto missing = run_nightstack(
      {"stack", "--method", "max", "--fits", "x.fits", (directory.path() / "nothing-*.jpg").string()});
  BOOST_TEST(missing.exit_code == 4);
  BOOST_TEST(contains(missing.err, "nothing-*.jpg"));
}

BOOST_AUTO_TEST_CASE(an_unwritable_output_is_an_output_error) {
  TemporaryDirectory directory;
  write_gray_jpeg(directory.path() / "a.jpg", 8, 8, 100);
  write_text(directory.path() / "a-file", "in the way");
  auto result =
      run_nightstack({"stack", "--method", "max", "--quiet", "--fits",
                      (directory.path() / "a-file" / "out.fits").string(), directory.path().string()});
  BOOST_TEST(result.exit_code == 5);
  BOOST_TEST(contains(result.err, "out.fits"));
}

BOOST_AUTO_TEST_CASE(inputs_are_never_modified) {
  TemporaryDirectory directory;
  write_gray_jpeg(directory.path() / "a.jpg", 8, 8, 100);
  auto before = fs::last_write_time(directory.path() / "a.jpg");
  auto size = fs::file_size(directory.path() / "a.jpg");
  BOOST_TEST(run_nightstack({"stack", "--method", "max", "--quiet", "--fits",
                             (directory.path() / "o.fits").string(), directory.path().string()})
                 .exit_code == 0);
  BOOST_TEST((fs::last_write_time(directory.path() / "a.jpg") == before));
  BOOST_TEST(fs::file_size(directory.path() / "a.jpg") == size);
}

BOOST_AUTO_TEST_SUITE_END()
