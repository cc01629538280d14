// The run report: report.json holds the run (frames, measurements, outputs) and report.html renders
// in headless Chromium with every preview and plot loaded and no console error; a screenshot is kept.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream stream(path);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

std::vector<std::string> chromium(const fs::path& profile, std::vector<std::string> arguments) {
  std::vector<std::string> command{"chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  return command;
}

// Lines Chromium logs for the page's console that report an error or an uncaught exception.
std::size_t console_errors(const std::string& log) {
  std::size_t errors = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (contains(line, "CONSOLE") && (contains(line, "rror") || contains(line, "Uncaught"))) ++errors;
  }
  return errors;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(report)

BOOST_AUTO_TEST_CASE(report_json_and_html_describe_the_run_and_render_in_chromium, *NeedsOutsideTool()) {
  const std::string python = require_python({"json"}, "python3");
  require_program("chromium", "chromium");
  TemporaryDirectory directory;
  auto frames = directory.path() / "frames";
  fs::create_directories(frames);
  for (const auto& entry : fs::directory_iterator(source_directory / "data/night-jpeg")) {
    if (entry.path().extension() == ".JPG") fs::copy_file(entry.path(), frames / entry.path().filename());
  }
  std::ofstream(frames / "notes.txt") << "not a frame\n";
  auto result =
      run_nightstack({"run", (source_directory / "configs/startrails.yaml").string(), "--quiet", "--set",
                      "lights.paths=[" + frames.string() + "]", "--set",
                      "trails_fits.fits=" + (directory.path() / "out/trails.fits").string(), "--set",
                      "trails_display.tiff=" + (directory.path() / "out/trails.tif").string(), "--set",
                      "trails_display.jpeg=" + (directory.path() / "out/trails.jpg").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  auto prefix = directory.path() / "out/startrails-report";
  BOOST_TEST_REQUIRE(fs::exists(prefix.string() + ".json"));
  BOOST_TEST_REQUIRE(fs::exists(prefix.string() + ".html"));

  // The JSON parses (with Python's json module, an independent parser) and says what happened.
  auto parsed = run_command({python, "-c",
                             "import json, sys\n"
                             "report = json.load(open(sys.argv[1]))\n"
                             "source = report['sources'][0]\n"
                             "print('frames', len(source['frames']), 'stacked', source['frames_stacked'])\n"
                             "print('skipped', [s['path'].split('/')[-1] for s in source['skipped']])\n"
                             "print('measured', all(len(f['background']) == 1 for f in source['frames']))\n"
                             "print('outputs', len(report['outputs']), 'timings', len(report['timings']))\n",
                             prefix.string() + ".json"});
  BOOST_TEST_INFO(parsed.err);
  BOOST_TEST(contains(parsed.out, "frames 10 stacked 10"));
  BOOST_TEST(contains(parsed.out, "skipped ['notes.txt']"));
  BOOST_TEST(contains(parsed.out, "measured True"));
  BOOST_TEST(contains(parsed.out, "outputs 2 timings 6"));

  // No address outside the page itself: the report works offline.
  std::string html = read_file(prefix.string() + ".html");
  BOOST_TEST(!contains(html, "http://"));
  BOOST_TEST(!contains(html, "https://"));

  auto profile = directory.path() / "chromium-profile";
  auto page = "file://" + prefix.string() + ".html";
  auto dom = run_command(chromium(
      profile, {"--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", "--dump-dom", page}));
  BOOST_TEST_INFO(dom.err);
  BOOST_TEST_REQUIRE(dom.exit_code == 0);
  BOOST_TEST(contains(dom.out, "All 2 previews loaded."));
  BOOST_TEST(contains(dom.out, "aria-label=\"background per frame\""));
  BOOST_TEST(contains(dom.out, "aria-label=\"noise per frame\""));
  BOOST_TEST(console_errors(dom.err) == 0u);

  // The screenshot stays in the build directory (beside the binary, whatever the working
  // directory) for a person to look at.
  auto screenshot = fs::path(NIGHTSTACK_BINARY).parent_path() / "report-screenshot.png";
  fs::remove(screenshot);
  auto shot = run_command(
      chromium(profile, {"--window-size=1200,2400", "--screenshot=" + screenshot.string(), page}));
  BOOST_TEST_INFO(shot.err);
  BOOST_TEST(fs::exists(screenshot));
  BOOST_TEST((fs::exists(screenshot) && fs::file_size(screenshot) > 20000));
}

BOOST_AUTO_TEST_CASE(no_report_when_asked) {
  TemporaryDirectory directory;
  auto output = directory.path() / "m.fits";
  auto result = run_nightstack({"run", (source_directory / "configs/m13-fits-mean.yaml").string(), "--quiet",
                                "--report", "none", "--set",
                                "lights.paths=[" + (source_directory / "data/m13-mono-fits").string() + "]",
                                "--set", "m13_fits.fits=" + output.string(), "--set",
                                "m13_display.tiff=" + (directory.path() / "m.tif").string(), "--set",
                                "m13_display.jpeg=" + (directory.path() / "m.jpg").string()});
  BOOST_TEST_INFO(result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(!fs::exists(directory.path() / "m13-fits-mean-report.json"));
}

BOOST_AUTO_TEST_SUITE_END()
