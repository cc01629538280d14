// Test cases that need something from outside nightstack: an independent checker (fitsverify,
// tiffinfo, Python with astropy, Chromium) or a privilege (mounting a tmpfs). Such a case carries
// the `NeedsOutsideTool` decorator, so tests/support/boost_test_cases.cmake registers it as a
// CTest test of its own (`--run_test=` that case, left out of its executable's main test) with
// SKIP_RETURN_CODE skip_exit_code; when what it needs is missing, the case exits with that code
// before doing anything, and CTest counts it as Skipped, never as Passed.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace nightstack::testing {

// The label of such cases, and the exit code of a case that cannot run (CTest's SKIP_RETURN_CODE).
inline constexpr const char* outside_tool_label = "needs_outside_tool";
inline constexpr int skip_exit_code = 77;

// BOOST_AUTO_TEST_CASE(name, *NeedsOutsideTool()) { ... }: labels the case (for --run_test=!@label)
// and sets its description to the label, which --list_content prints (and labels it does not).
class NeedsOutsideTool : public boost::unit_test::decorator::base {
 public:
  void apply(boost::unit_test::test_unit& unit) override {
    unit.add_label(outside_tool_label);
    unit.p_description.value = outside_tool_label;
  }
  boost::unit_test::decorator::base_ptr clone() const override {
    return boost::unit_test::decorator::base_ptr(new NeedsOutsideTool());
  }
};

// Ends the current case as not run: when it is the only case this process runs (as CTest runs it),
// prints "SKIPPED: <case>: <reason>" and exits with skip_exit_code; among other cases (a whole
// executable run by hand), fails it instead, since the process must go on. Fails the case as well
// when it lacks the NeedsOutsideTool decorator, which keeps the CTest registration right.
// Call it before making anything that needs cleaning up: the process ends without unwinding.
[[noreturn]] void skip_test_case(const std::string& reason);

// The full path of `program` found in PATH; skips the case when there is none, naming the Debian
// package that scripts/setup installs for it.
std::string require_program(const std::string& program, const std::string& debian_package);

// Debian's /usr/bin/python3 (or $NIGHTSTACK_TEST_PYTHON when set) when it can import every one of
// `modules`; skips the case otherwise.
std::string require_python(const std::vector<std::string>& modules, const std::string& debian_packages);

}  // namespace nightstack::testing
