// The documentation cannot drift from the program: docs/stages.md is exactly what `nightstack stages
// --markdown` prints from the registry; the README stays short, starts with the two commands, and
// every page it links to exists.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <regex>
#include <sstream>

#include "tests/support/fixtures.hpp"

using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {
const fs::path source = NIGHTSTACK_SOURCE_DIR;
}

BOOST_AUTO_TEST_SUITE(docs)

BOOST_AUTO_TEST_CASE(the_stage_reference_is_what_the_registry_prints) {
  const auto result = run_nightstack({"stages", "--markdown"});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  BOOST_TEST(result.out == file_text(source / "docs" / "stages.md"),
             "docs/stages.md is out of date: build/nightstack stages --markdown > docs/stages.md");
  const auto plain = run_nightstack({"stages"});
  std::istringstream lines(plain.out);
  std::string line;
  while (std::getline(lines, line)) {  // each stage's header line: "name  (takes ..., gives ...)"
    const auto at = line.find("  (takes ");
    if (at != std::string::npos && line[0] != ' ')
      BOOST_TEST(contains(result.out, "\n## " + line.substr(0, at) + "\n"), line);
  }
}

BOOST_AUTO_TEST_CASE(the_readme_starts_fast_and_its_links_resolve) {
  const std::string readme = file_text(source / "README.md");
  const auto line_count = std::count(readme.begin(), readme.end(), '\n');
  BOOST_TEST(line_count < 250);
  // The two commands on the first screen.
  std::istringstream text(readme);
  std::string first_screen, line;
  for (int n = 0; n < 40 && std::getline(text, line); ++n) first_screen += line + "\n";
  BOOST_TEST(contains(first_screen, "scripts/demo"));
  BOOST_TEST(contains(first_screen, "scripts/test"));
  const std::regex link(R"(\]\(([^)#]+)(#[^)]*)?\))");
  for (std::sregex_iterator match(readme.begin(), readme.end(), link), end; match != end; ++match) {
    const std::string target = (*match)[1];
    if (target.rfind("http", 0) == 0) continue;
    BOOST_TEST(fs::exists(source / target), "README links to a missing " << target);
  }
  for (const auto& entry : fs::directory_iterator(source / "docs")) {
    if (entry.path().extension() != ".md") continue;
    BOOST_TEST(contains(readme, "docs/" + entry.path().filename().string()),
               "README does not link to " << entry.path().filename());
  }
}

BOOST_AUTO_TEST_SUITE_END()
