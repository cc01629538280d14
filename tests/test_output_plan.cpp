// Every file of a run is in one output plan: a stack's rejection and coverage maps, the run report
// and the numbered images of a time-lapse clash-check like the write stage's files, against inputs
// and against each other, before any frame is read (exit 3, nothing written, inputs untouched), and
// the maps are listed in the summary and the report.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

struct Session {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  fs::path out = directory.path() / "out";
  fs::path config = directory.path() / "run.yaml";

  Session() {
    fs::create_directories(frames);
    for (int k = 1; k <= 5; ++k)
      write_reference_fits(frames / ("frame_" + std::to_string(k) + ".fits"), ImageD(8, 6, 1, 100.0 * k), 16);
  }

  // An input named like an output: a frame (FITS by its bytes, whatever its name).
  fs::path add_input(const std::string& name) const {
    write_reference_fits(frames / name, ImageD(8, 6, 1, 300.0), 16);
    return frames / name;
  }

  void write_config(const std::string& stack_extra, const std::string& write_extra = "") const {
    std::ofstream(config) << "stages:\n"
                             "  - id: lights\n    type: ingest\n    paths: ["
                          << frames.string()
                          << "]\n"
                             "  - id: sky\n    type: stack\n    input: lights\n    method: sigma_clip\n"
                          << stack_extra << "  - id: save\n    type: write\n    input: sky\n    fits: "
                          << (out / "sky.fits").string() << "\n"
                          << write_extra;
  }

  CommandResult run(std::vector<std::string> extra = {}) const {
    std::vector<std::string> arguments{"run", config.string(), "--threads", "2", "--progress", "json"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_nightstack(arguments);
  }

  // Refused before any work: exit 3, the message, no progress, nothing written, the input as it was.
  void check_refused(const CommandResult& result, const std::string& message, const fs::path& input,
                     const std::string& input_before) const {
    BOOST_TEST_INFO("stderr: " << result.err);
    BOOST_TEST(result.exit_code == 3);
    BOOST_TEST(contains(result.err, message));
    BOOST_TEST(!contains(result.err, "\"done\""));
    BOOST_TEST(!fs::exists(out));
    BOOST_TEST(file_text(input) == input_before);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_rejection_map_on_an_input_is_refused_before_any_work) {
  Session session;
  const fs::path input = session.add_input("maps_high.fits");
  const std::string before = file_text(input);
  const std::string prefix = (session.frames / "maps").string();
  session.write_config("    rejection_maps: " + prefix + "\n");
  const CommandResult result = session.run();
  session.check_refused(result,
                        ":9:21: stage 'sky' would write " + prefix + "_high.fits, which is the input " +
                            input.string() + " of stage 'lights'",
                        input, before);
}

BOOST_AUTO_TEST_CASE(a_coverage_map_on_an_input_is_refused_before_any_work) {
  Session session;
  const fs::path input = session.add_input("seen_coverage.fits");
  const std::string before = file_text(input);
  session.write_config("    coverage_map: " + (session.frames / "seen").string() + "\n");
  session.check_refused(session.run(), "which is the input " + input.string(), input, before);
}

BOOST_AUTO_TEST_CASE(a_report_on_an_input_is_refused_before_any_work) {
  Session session;
  const fs::path input = session.add_input("notes.html");
  const std::string before = file_text(input);
  session.write_config("");
  const CommandResult result = session.run({"--report", (session.frames / "notes").string()});
  session.check_refused(result,
                        "--report: the run report (--report) would write " + input.string() +
                            ", which is the input " + input.string(),
                        input, before);
}

BOOST_AUTO_TEST_CASE(a_report_over_an_output_is_refused_before_any_work) {
  Session session;
  session.write_config("", "    png: " + (session.out / "r.json").string() + "\n");
  const CommandResult result = session.run({"--report", (session.out / "r").string()});
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(contains(result.err, "the run report (--report) would write " + (session.out / "r").string() +
                                      ".json, which stage 'save' writes too"));
  BOOST_TEST(!fs::exists(session.out));
}

BOOST_AUTO_TEST_CASE(a_rejection_map_over_another_output_is_refused) {
  Session session;
  session.write_config("    rejection_maps: " + (session.out / "sky").string() + "\n",
                       "    tiff: " + (session.out / "sky_low.fits").string() + "\n");
  const CommandResult result = session.run();
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST(result.exit_code == 3);
  BOOST_TEST(
      contains(result.err, "writes " + (session.out / "sky_low.fits").string() + ", which stage 'sky'"));
  BOOST_TEST(!fs::exists(session.out));
}

BOOST_AUTO_TEST_CASE(a_time_lapse_that_would_number_an_input_is_refused) {
  Session session;
  const fs::path input = session.add_input("trails_0003.png");
  const std::string before = file_text(input);
  std::ofstream(session.config) << "stages:\n"
                                   "  - id: lights\n    type: ingest\n    paths: ["
                                << session.frames.string()
                                << "]\n"
                                   "  - id: growing\n    type: timelapse\n    input: lights\n"
                                   "  - id: save\n    type: write\n    input: growing\n    png: "
                                << (session.frames / "trails_{index}.png").string() << "\n";
  session.check_refused(session.run(),
                        "stage 'save' would write " + (session.frames / "trails_{index}.png").string() +
                            ", which is the input " + input.string(),
                        input, before);
}

BOOST_AUTO_TEST_CASE(maps_are_listed_in_the_summary_and_the_report) {
  Session session;
  const std::string prefix = (session.out / "sky").string();
  session.write_config("    rejection_maps: " + prefix + "\n    coverage_map: " + prefix + "\n");
  const CommandResult result = session.run();
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  for (const char* suffix : {"_low.fits", "_high.fits", "_coverage.fits"}) {
    BOOST_TEST(contains(result.out, "  wrote " + prefix + suffix + "\n"), suffix);
    BOOST_TEST(fs::exists(prefix + suffix));
  }
  const std::string report = file_text(session.out / "run-report.json");
  BOOST_TEST(contains(report, "{\"stage\": \"sky\", \"files\": [\"" + prefix + "_low.fits\", \"" + prefix +
                                  "_high.fits\", \"" + prefix + "_coverage.fits\"]"));
  // Written by rename: no temporary file is left beside them.
  for (const auto& name : directory_entries(session.out)) BOOST_TEST(name.front() != '.', name);
}
