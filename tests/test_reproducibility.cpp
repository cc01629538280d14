// A run rebuilt from its output: the FITS header and the report carry the complete config (every
// parameter, defaults included), the inputs with sizes and SHA-256, the directory and the versions;
// `nightstack config --from OUT.fits` prints that config, running it again gives the same pixels,
// and `--check` names the inputs that changed (exit 4) or says none did (exit 0).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <random>

#include "pipeline/config.hpp"
#include "pipeline/run_record.hpp"
#include "stages/registry.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Five noisy float frames with a satellite streak in one, for a clipped stack.
struct Session {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  fs::path out = directory.path() / "out";
  fs::path config = directory.path() / "sky.yaml";

  Session() {
    fs::create_directories(frames);
    std::mt19937 random(7);
    std::normal_distribution<double> noise(0.2, 0.01);
    for (int k = 1; k <= 5; ++k) {
      ImageD frame(12, 9, 1);
      for (double& value : frame.samples()) value = noise(random);
      if (k == 3)
        for (int x = 0; x < 12; ++x) frame.at(0, 4, x) = 0.9;
      write_reference_fits(frame_path(k), frame, -32);
    }
    std::ofstream(config) << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << frames.string()
                          << "]\n  - id: sky\n    type: stack\n    input: lights\n    method: sigma_clip\n"
                             "    normalize_frames: additive\n  - id: save\n    type: write\n    input: sky\n"
                             "    fits: "
                          << (out / "sky.fits").string() << "\n    tiff: " << (out / "sky.tif").string()
                          << "\n";
  }

  fs::path frame_path(int k) const { return frames / ("light_" + std::to_string(k) + ".fits"); }

  CommandResult run(const fs::path& yaml, std::vector<std::string> extra = {}) const {
    std::vector<std::string> arguments{"run", yaml.string(), "--threads", "2", "--progress", "none"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_nightstack(arguments);
  }

  CommandResult config_from(const fs::path& output, bool check = false) const {
    std::vector<std::string> arguments{"config", "--from", output.string()};
    if (check) arguments.push_back("--check");
    return run_nightstack(arguments);
  }
};

std::string sha256_by_coreutils(const fs::path& path) {
  const CommandResult result = run_command({"sha256sum", path.string()});
  return result.out.substr(0, 64);
}

}  // namespace

BOOST_AUTO_TEST_CASE(header_text_encoding_reads_back_exactly) {
  const std::string text = "stages:\n  - id: a  \n    paths: [\"Nuit étoilée/100%.fits\"]\t'quoted'  ";
  const std::string encoded = encode_header_text(text);
  for (char character : encoded) BOOST_TEST((character >= 0x20 && character <= 0x7e));
  BOOST_TEST(encoded.back() != ' ');
  BOOST_TEST(decode_header_text(encoded) == text);
  BOOST_TEST(encode_header_text("a b%") == "a b%25");
  BOOST_CHECK_THROW(decode_header_text("abc%4"), std::invalid_argument);
  BOOST_CHECK_THROW(decode_header_text("%zz"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(input_lists_read_back_exactly) {
  const std::vector<InputFileRecord> inputs{{"frames/a b.fits", 2880, std::string(64, 'a')},
                                            {"/abs/ünï.cr2", 123456789012, std::string(64, '0')}};
  const auto back = parse_inputs_text(inputs_text(inputs));
  BOOST_TEST_REQUIRE(back.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(back[i].path == inputs[i].path);
    BOOST_TEST(back[i].size == inputs[i].size);
    BOOST_TEST(back[i].sha256 == inputs[i].sha256);
  }
  BOOST_CHECK_THROW(parse_inputs_text("not a line\n"), std::invalid_argument);
}

// Every parameter with a value is written, defaults included, and loading the complete config
// gives the same complete config again (what `config --from` then `run` relies on).
BOOST_AUTO_TEST_CASE(the_complete_config_holds_every_default_and_reads_back_the_same) {
  const StageRegistry registry = builtin_stage_registry();
  const std::string text =
      "stages:\n  - id: lights\n    type: ingest\n    paths: [\"night/*.fits\", \"true\"]\n"
      "  - id: sky\n    type: stack\n    input: lights\n    method: sigma_clip\n    sigma_low: 2.1\n"
      "  - id: out\n    type: write\n    input: sky\n    fits: \"null\"\n    fits_bitpix: 16\n";
  const Config config = load_config_text(text, "test.yaml", {{"sky", "sigma_high", "0.1"}}, registry);
  const std::string& complete = config.complete_yaml;
  BOOST_TEST_INFO(complete);
  for (const auto& stage : config.stages)
    for (const auto& spec : stage.type->parameters)
      if (spec.default_value && !std::holds_alternative<std::vector<std::string>>(*spec.default_value))
        BOOST_TEST(contains(complete, "    " + spec.name + ": "), stage.id << "." << spec.name);
  BOOST_TEST(contains(complete, "    sigma_low: 2.1\n"));
  BOOST_TEST(contains(complete, "    sigma_high: 0.1\n"));  // the --set, exactly
  BOOST_TEST(contains(complete, "    fits: \"null\"\n"));   // a path, not a YAML null
  const Config again = load_config_text(complete, "complete.yaml", {}, registry);
  BOOST_TEST(again.complete_yaml == complete);
  BOOST_TEST(again.stages[1].parameters.number("sigma_low") == 2.1);
  BOOST_TEST(again.stages[0].parameters.list("paths") == (std::vector<std::string>{"night/*.fits", "true"}));
  BOOST_TEST(again.stages[2].parameters.text("fits") == "null");
}

BOOST_AUTO_TEST_CASE(config_from_an_output_runs_again_to_the_same_pixels) {
  Session session;
  const CommandResult first = session.run(session.config, {"--set", "sky.sigma_high=2.5"});
  BOOST_TEST_INFO("stderr: " << first.err);
  BOOST_TEST_REQUIRE(first.exit_code == 0);

  const CommandResult rebuilt = session.config_from(session.out / "sky.fits");
  BOOST_TEST_INFO("stderr: " << rebuilt.err);
  BOOST_TEST_REQUIRE(rebuilt.exit_code == 0);
  BOOST_TEST(contains(rebuilt.out, "    sigma_high: 2.5\n"));  // the --set
  BOOST_TEST(contains(rebuilt.out, "    max_iters: 5\n"));     // a default
  BOOST_TEST(contains(rebuilt.out, "    normalize_frames: additive\n"));
  BOOST_TEST(contains(rebuilt.out, "# Made by: nightstack "));
  BOOST_TEST(contains(rebuilt.out, "CFITSIO "));
  BOOST_TEST(contains(rebuilt.out, "# Inputs (5;"));
  for (int k = 1; k <= 5; ++k) {
    const fs::path frame = session.frame_path(k);
    BOOST_TEST(contains(rebuilt.out, "#   " + sha256_by_coreutils(frame) + " " +
                                         std::to_string(fs::file_size(frame)) + " " + frame.string() + "\n"));
  }
  const std::string report = file_text(session.out / "sky-report.json");
  BOOST_TEST(contains(report, "\"sha256\": \"" + sha256_by_coreutils(session.frame_path(3)) + "\""));
  BOOST_TEST(contains(report, "\"complete_config\": \"stages:\\n  - id: lights"));

  const fs::path again = session.directory.path() / "again.yaml";
  std::ofstream(again) << rebuilt.out;
  const fs::path kept = session.directory.path() / "first";
  fs::rename(session.out, kept);
  const CommandResult second = session.run(again);
  BOOST_TEST_INFO("stderr: " << second.err);
  BOOST_TEST_REQUIRE(second.exit_code == 0);
  std::vector<std::string> first_cards, second_cards;
  const ImageD first_pixels = read_reference_fits(kept / "sky.fits", &first_cards);
  const ImageD second_pixels = read_reference_fits(session.out / "sky.fits", &second_cards);
  BOOST_TEST(same_bits(first_pixels, second_pixels));
  // The TIFF's description quotes the config as written, which differs; its pixels do not.
  const auto first_tiff = read_reference_tiff16(kept / "sky.tif");
  const auto second_tiff = read_reference_tiff16(session.out / "sky.tif");
  BOOST_TEST((first_tiff.samples() == second_tiff.samples()));
  // The rebuilt run records the same complete config, so it rebuilds to itself.
  BOOST_TEST(session.config_from(session.out / "sky.fits").out == rebuilt.out);
}

BOOST_AUTO_TEST_CASE(check_names_the_inputs_that_changed) {
  Session session;
  BOOST_TEST_REQUIRE(session.run(session.config).exit_code == 0);
  const fs::path output = session.out / "sky.fits";

  const CommandResult unchanged = session.config_from(output, true);
  BOOST_TEST_INFO("stdout: " << unchanged.out << "stderr: " << unchanged.err);
  BOOST_TEST(unchanged.exit_code == 0);
  BOOST_TEST(contains(unchanged.out, "0 of 5 inputs changed or missing"));

  // The same size, another pixel: only the hash tells.
  ImageD changed = read_reference_fits(session.frame_path(2));
  changed.at(0, 0, 0) += 0.5;
  fs::remove(session.frame_path(2));
  write_reference_fits(session.frame_path(2), changed, -32);
  fs::remove(session.frame_path(4));
  const CommandResult check = session.config_from(output, true);
  BOOST_TEST_INFO("stdout: " << check.out << "stderr: " << check.err);
  BOOST_TEST(check.exit_code == 4);
  BOOST_TEST(contains(check.out, session.frame_path(2).string() + ": changed: SHA-256 "));
  BOOST_TEST(contains(check.out, session.frame_path(4).string() + ": missing"));
  BOOST_TEST(!contains(check.out, session.frame_path(1).string()));
  BOOST_TEST(contains(check.out, "2 of 5 inputs changed or missing"));
}

BOOST_AUTO_TEST_CASE(a_file_without_a_run_record_is_named) {
  Session session;
  const CommandResult result = session.config_from(session.frame_path(1));
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(contains(result.err, session.frame_path(1).string() + ": has no run record (NSCONFIG)"));
}
