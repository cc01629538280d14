// Finding the outside programs a test case needs, and ending the case as skipped when one is missing.
#include "tests/support/outside_tools.hpp"

#include <unistd.h>

#include <boost/test/tree/traverse.hpp>
#include <boost/test/tree/visitor.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "tests/support/fixtures.hpp"

namespace nightstack::testing {

namespace {

namespace unit = boost::unit_test;

// Counts the test cases this run will execute (those the --run_test filters left enabled).
struct EnabledCaseCounter : unit::test_tree_visitor {
  std::size_t cases = 0;
  void visit(const unit::test_case&) override { ++cases; }
};

std::size_t enabled_test_cases() {
  EnabledCaseCounter counter;
  unit::traverse_test_tree(unit::framework::master_test_suite(), counter, false);
  return counter.cases;
}

}  // namespace

void skip_test_case(const std::string& reason) {
  const unit::test_case& current = unit::framework::current_test_case();
  const std::string name = current.full_name();
  if (!current.has_label(outside_tool_label)) {
    BOOST_FAIL(name << " cannot run (" << reason << ") and lacks the NeedsOutsideTool decorator, so CTest "
                    << "could not report it as skipped: add the decorator");
  }
  if (enabled_test_cases() != 1) {
    BOOST_FAIL("NOT RUN, not passed: " << name << ": " << reason
                                       << " (run alone, as CTest runs it, it is reported as skipped)");
  }
  std::cout << "SKIPPED: " << name << ": " << reason << std::endl;
  std::cerr << std::flush;
  std::fflush(nullptr);
  std::_Exit(skip_exit_code);
}

std::string require_program(const std::string& program, const std::string& debian_package) {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path == nullptr ? "" : path);
  for (std::string directory; std::getline(directories, directory, ':');) {
    if (directory.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(directory) / program;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  skip_test_case("needs " + program + ", not found in PATH (scripts/setup installs " + debian_package + ")");
}

std::string require_python(const std::vector<std::string>& modules, const std::string& debian_packages) {
  // Debian's, which scripts/setup installs the modules for, rather than whichever python3 comes
  // first in PATH (a pyenv or virtualenv one need not have them).
  const char* chosen = std::getenv("NIGHTSTACK_TEST_PYTHON");
  const std::string python = chosen != nullptr && *chosen != '\0' ? chosen : "/usr/bin/python3";
  if (::access(python.c_str(), X_OK) != 0) {
    skip_test_case("needs " + python + " (scripts/setup installs " + debian_packages + ")");
  }
  std::string imports = "import sys";
  for (const auto& module : modules) imports += ", " + module;
  const CommandResult result = run_command({python, "-c", imports});
  if (result.exit_code != 0) {
    skip_test_case(python + " cannot run \"" + imports + "\" (scripts/setup installs " + debian_packages +
                   "): " + result.err);
  }
  return python;
}

}  // namespace nightstack::testing
