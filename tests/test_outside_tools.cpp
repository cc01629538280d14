// Test cases that need an outside tool are reported honestly: CTest counts such a case as Skipped
// when its tool is missing (never Passed), as Passed when it ran and passed, and as Failed when it
// ran and failed. Proved by running CTest on this executable's own registration with fitsverify
// hidden from PATH (tests/support/outside_tools.hpp, tests/support/boost_test_cases.cmake).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "io/fits_writer.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;
namespace unit = boost::unit_test;

namespace {

const std::string suite = "outside_tools";
const std::string tool_case = suite + "/fitsverify_accepts_a_fits_that_nightstack_writes";
const std::string failing_case = suite + "/a_case_that_runs_and_fails_on_purpose";
const std::string undecorated_case = suite + "/an_undecorated_case_that_tries_to_skip";

// This executable, which the cases below run again with one case selected.
std::string this_executable() { return fs::canonical("/proc/self/exe").string(); }

// Runs `arguments` with PATH set to a directory that holds nothing.
CommandResult without_tools_in_path(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"/usr/bin/env", "PATH=/nonexistent"});
  return run_command(arguments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outside_tools)

// An ordinary case with an outside tool: the subject of the checks below.
BOOST_AUTO_TEST_CASE(fitsverify_accepts_a_fits_that_nightstack_writes, *NeedsOutsideTool()) {
  const std::string fitsverify = require_program("fitsverify", "fitsverify");
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "small.fits";
  write_fits(path, ImageD(4, 3, 1, 0.25), Provenance{}, {"outside tool test"});
  const CommandResult result = run_command({fitsverify, "-q", path.string()});
  BOOST_TEST(contains(result.out, "verification OK"), result.out << result.err);
}

// Run only when named: it needs fitsverify like the case above, then fails.
BOOST_AUTO_TEST_CASE(a_case_that_runs_and_fails_on_purpose, *NeedsOutsideTool() * unit::disabled()) {
  require_program("fitsverify", "fitsverify");
  BOOST_ERROR("failing on purpose, to show that a case that ran and failed is Failed");
}

// Run only when named: calls skip_test_case without the decorator CTest needs to know of it.
BOOST_AUTO_TEST_CASE(an_undecorated_case_that_tries_to_skip, *unit::disabled()) {
  skip_test_case("a reason");
}

BOOST_AUTO_TEST_CASE(alone_a_case_without_its_tool_exits_77_saying_skipped_and_never_passed) {
  const CommandResult alone = without_tools_in_path({this_executable(), "--run_test=" + tool_case});
  BOOST_TEST(alone.exit_code == skip_exit_code, alone.out << alone.err);
  BOOST_TEST(
      contains(alone.out, "SKIPPED: " + tool_case +
                              ": needs fitsverify, not found in PATH (scripts/setup installs fitsverify)"),
      alone.out);
  BOOST_TEST(!contains(alone.out + alone.err, "No errors detected"));
}

BOOST_AUTO_TEST_CASE(among_other_cases_a_case_without_its_tool_fails_as_not_run) {
  const CommandResult together = without_tools_in_path(
      {this_executable(), "--run_test=" + tool_case + "," + failing_case.substr(suite.size() + 1)});
  BOOST_TEST(together.exit_code != 0);
  BOOST_TEST(together.exit_code != skip_exit_code);
  BOOST_TEST(
      contains(together.out + together.err, "NOT RUN, not passed: " + tool_case + ": needs fitsverify"),
      together.out << together.err);
}

BOOST_AUTO_TEST_CASE(a_case_without_the_decorator_cannot_skip) {
  const CommandResult result = run_command({this_executable(), "--run_test=" + undecorated_case});
  BOOST_TEST(result.exit_code != 0);
  BOOST_TEST(result.exit_code != skip_exit_code);
  BOOST_TEST(contains(result.out + result.err, "lacks the NeedsOutsideTool decorator"),
             result.out << result.err);
}

// The registration CMake made for this executable: the decorated case on its own with
// SKIP_RETURN_CODE 77, the others together without it; then CTest itself, in a folder of its
// own, on that registration (and on the failing case registered the same way).
BOOST_AUTO_TEST_CASE(ctest_reports_skipped_passed_and_failed_truthfully, *NeedsOutsideTool()) {
  const std::string ctest = require_program("ctest", "cmake");
  require_program("fitsverify", "fitsverify");
  const fs::path build_directory = fs::path(NIGHTSTACK_BINARY).parent_path();
  const fs::path registration = build_directory / "test_outside_tools-cases.cmake";
  const std::string registered = file_text(registration);
  BOOST_TEST_REQUIRE(!registered.empty(), registration);
  const std::string name = "test_outside_tools/" + tool_case;
  BOOST_TEST(contains(registered, "add_test(\"" + name + "\" \"" + this_executable() +
                                      "\" \"--log_level=message\" \"--run_test=" + tool_case + "\")"),
             registered);
  BOOST_TEST(contains(registered,
                      "set_tests_properties(\"" + name + "\" PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77"),
             registered);
  BOOST_TEST(contains(registered, "\"--run_test=!@needs_outside_tool\""), registered);
  BOOST_TEST(!contains(registered, "a_case_that_runs_and_fails_on_purpose"), registered);

  TemporaryDirectory directory;
  std::ofstream(directory.path() / "CTestTestfile.cmake")
      << "include(\"" << registration.string() << "\")\n"
      << "add_test(\"failing\" \"" << this_executable() << "\" \"--run_test=" << failing_case << "\")\n"
      << "set_tests_properties(\"failing\" PROPERTIES SKIP_RETURN_CODE 77)\n";
  const std::vector<std::string> run_ctest = {ctest, "--test-dir", directory.path().string(), "-R"};

  auto with = [&](const std::string& pattern) {
    auto arguments = run_ctest;
    arguments.push_back(pattern);
    return arguments;
  };
  const CommandResult hidden = without_tools_in_path(with("fitsverify_accepts"));
  BOOST_TEST_INFO(hidden.out << hidden.err);
  BOOST_TEST(hidden.exit_code == 0);
  BOOST_TEST(contains(hidden.out, name + " ...***Skipped"));
  BOOST_TEST(contains(hidden.out, name + " (Skipped)"));
  BOOST_TEST(!contains(hidden.out, "Passed"));

  const CommandResult present = run_command(with("fitsverify_accepts"));
  BOOST_TEST_INFO(present.out << present.err);
  BOOST_TEST(present.exit_code == 0);
  BOOST_TEST(contains(present.out, "Passed"));
  BOOST_TEST(!contains(present.out, "Skipped"));

  const CommandResult failing = run_command(with("^failing$"));
  BOOST_TEST_INFO(failing.out << failing.err);
  BOOST_TEST(failing.exit_code != 0);
  BOOST_TEST(contains(failing.out, "***Failed"));
}

BOOST_AUTO_TEST_SUITE_END()
