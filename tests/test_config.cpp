// Tests of config loading: every kind of mistake is reported at its exact file:line:column,
// all of them at once; defaults are filled; --set overrides apply and are recorded.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "tests/config_test_support.hpp"

using namespace nightstack;
using namespace nightstack::test_doubles;

namespace {

// A source-only config (valid on its own) with its lines after the `type` line given.
std::string ingest_with(const std::string& lines) {
  return "stages:\n"
         "  - id: lights\n"
         "    type: ingest\n" +
         lines;
}

std::vector<Diagnostic> set_errors(const std::string& setting) {
  return load_errors(basic_config, {parse_override(setting)});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loading)

BOOST_AUTO_TEST_CASE(loads_the_stages_in_written_order) {
  const Config config = load(basic_config);
  BOOST_TEST(config.source == "test.yaml");
  BOOST_REQUIRE_EQUAL(config.stages.size(), 4u);
  BOOST_TEST(config.stages[0].id == "lights");
  BOOST_TEST(config.stages[0].type == registry().find("ingest"));
  BOOST_TEST(config.stages[0].inputs.empty());
  BOOST_TEST(config.stages[0].parameters.list("paths") == std::vector<std::string>{"data/night/*.JPG"});
  BOOST_TEST(to_string(config.stages[0].parameters.location("paths")) == "test.yaml:4:12");
  BOOST_TEST(config.stages[1].inputs == std::vector<std::string>{"lights"});
  BOOST_TEST(to_string(config.stages[1].input_location) == "test.yaml:7:5");
  BOOST_TEST(config.stages[2].parameters.text("method") == "max");
  BOOST_TEST(config.stages[3].parameters.text("fits") == "out/trails.fits");
  BOOST_TEST(to_string(config.stages[3].location) == "test.yaml:13:5");
}

BOOST_AUTO_TEST_CASE(fills_defaults_at_the_stage_location_and_leaves_optional_ones_unset) {
  const Config config = load(basic_config);
  const Parameters& ingest = config.stages[0].parameters;
  BOOST_TEST(ingest.text("sort") == "name");
  BOOST_TEST(ingest.boolean("recursive") == false);
  BOOST_TEST(!ingest.has("limit"));
  BOOST_TEST(to_string(ingest.location("sort")) == "test.yaml:2:5");
  const Parameters& linearize = config.stages[1].parameters;
  BOOST_TEST(linearize.number("gamma") == 2.2);
  BOOST_TEST(to_string(linearize.location("gamma")) == "test.yaml:5:5");
  BOOST_TEST(!config.stages[3].parameters.has("tiff"));
}

BOOST_AUTO_TEST_CASE(accepts_every_parameter_type) {
  const Config config =
      load(ingest_with("    paths: one.jpg\n"
                       "    recursive: true\n"
                       "    limit: 12\n"
                       "    sort: time\n"));
  const Parameters& parameters = config.stages[0].parameters;
  BOOST_TEST(parameters.list("paths") == std::vector<std::string>{"one.jpg"});
  BOOST_TEST(parameters.boolean("recursive") == true);
  BOOST_TEST(parameters.integer("limit") == 12);
  BOOST_TEST(parameters.text("sort") == "time");
  const Config with_gamma = load(with_line(basic_config, 8, "    transfer: gamma\n    gamma: 1.8"));
  BOOST_TEST(with_gamma.stages[1].parameters.number("gamma") == 1.8);
}

BOOST_AUTO_TEST_CASE(reports_a_yaml_syntax_error_at_its_mark) {
  const auto errors = load_errors("stages:\n  - id: lights\n    paths: [a.jpg, b.jpg\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  // yaml-cpp notices the unclosed list where the text ends.
  BOOST_TEST(has_diagnostic(errors, "test.yaml:4:1", "YAML syntax error: end of sequence flow not found"));
}

BOOST_AUTO_TEST_CASE(reports_a_syntax_error_with_an_exact_location) {
  const auto errors = load_errors("stages:\n  - id: lights\n   type: ingest\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:3:4", "YAML syntax error"));
}

BOOST_AUTO_TEST_CASE(refuses_a_top_level_that_is_not_a_mapping) {
  const auto errors = load_errors("- id: lights\n  type: ingest\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:1:1", "a config is a mapping with one key, 'stages'"));
}

BOOST_AUTO_TEST_CASE(refuses_an_empty_config) {
  const auto errors = load_errors("# nothing yet\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml", "the config is empty"));
}

BOOST_AUTO_TEST_CASE(reports_missing_stages) {
  const auto errors = load_errors("steps:\n  - id: lights\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 2u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:1:1", "unknown top-level key 'steps'"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:1:1", "the config has no 'stages' list"));
}

BOOST_AUTO_TEST_CASE(reports_an_unknown_top_level_key_with_a_suggestion) {
  const auto errors = load_errors(basic_config + "stage: extra\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(
      has_diagnostic(errors, "test.yaml:17:1", "unknown top-level key 'stage'; did you mean 'stages'?"));
}

BOOST_AUTO_TEST_CASE(reports_empty_stages) {
  const auto errors = load_errors("stages: []\n");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:1:9", "'stages' is empty"));
}

BOOST_AUTO_TEST_CASE(reports_stages_that_are_not_a_list_and_entries_that_are_not_mappings) {
  BOOST_TEST(has_diagnostic(load_errors("stages: lights\n"), "test.yaml:1:9",
                            "'stages' must be a list of stages, got 'lights'"));
  const auto errors = load_errors(with_line(basic_config, 13, "  - just text\n  - id: out"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:13:5", "stage #4 must be a mapping"));
}

BOOST_AUTO_TEST_CASE(reports_an_unknown_stage_type_with_a_suggestion_and_the_known_types) {
  const auto errors = load_errors(with_line(basic_config, 10, "    type: stak"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:10:11",
                            "unknown stage type 'stak'; did you mean 'stack'? known types: ingest, "
                            "linearize, stack, normalize, write"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 10, "    type: blender")), "test.yaml:10:11",
                            "unknown stage type 'blender'; known types: ingest"));
}

BOOST_AUTO_TEST_CASE(reports_an_unknown_parameter_with_a_suggestion) {
  const auto errors = load_errors(with_line(basic_config, 12, "    metod: max"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:12:5",
                            "stage 'trails' (stack) has no parameter 'metod'; did you mean 'method'?"));
}

BOOST_AUTO_TEST_CASE(lists_the_parameters_when_no_name_is_close) {
  const auto errors = load_errors(with_line(basic_config, 12, "    colour: red"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:12:5",
                            "stage 'trails' (stack) has no parameter 'colour'; its parameters are "
                            "method"));
}

BOOST_AUTO_TEST_CASE(accepts_only_true_and_false_for_a_boolean) {
  const auto errors = load_errors(ingest_with("    paths: a.jpg\n    recursive: yes\n"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(
      has_diagnostic(errors, "test.yaml:5:16", "stage 'lights': recursive needs true or false, got 'yes'"));
}

BOOST_AUTO_TEST_CASE(accepts_only_whole_numbers_for_an_integer) {
  BOOST_TEST(has_diagnostic(load_errors(ingest_with("    paths: a.jpg\n    limit: 2.5\n")), "test.yaml:5:12",
                            "limit needs a whole number, got 2.5"));
  BOOST_TEST(has_diagnostic(load_errors(ingest_with("    paths: a.jpg\n    limit: abc\n")), "test.yaml:5:12",
                            "limit needs a whole number, got 'abc'"));
  BOOST_TEST(has_diagnostic(load_errors(ingest_with("    paths: a.jpg\n    limit: \"3\"\n")),
                            "test.yaml:5:12", "remove the quotes"));
  BOOST_TEST(has_diagnostic(load_errors(ingest_with("    paths: a.jpg\n    limit: 99999999999999999999\n")),
                            "test.yaml:5:12", "limit = 99999999999999999999 is out of range"));
}

BOOST_AUTO_TEST_CASE(accepts_only_numbers_for_a_number) {
  const auto errors = load_errors(with_line(basic_config, 8, "    gamma: abc"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:8:12", "stage 'linear': gamma needs a number, got 'abc'"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 8, "    gamma: .nan")), "test.yaml:8:12",
                            "gamma needs a number"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 8, "    gamma: [1, 2]")), "test.yaml:8:12",
                            "gamma needs a number, got a list"));
}

BOOST_AUTO_TEST_CASE(reports_a_value_out_of_range_with_the_range) {
  const auto errors = load_errors(with_line(basic_config, 8, "    gamma: 0"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:8:12", "gamma = 0 is out of range [0.1, 10]"));
  BOOST_TEST(has_diagnostic(load_errors(ingest_with("    paths: a.jpg\n    limit: 0\n")), "test.yaml:5:12",
                            "limit = 0 is out of range: it must be at least 1"));
}

BOOST_AUTO_TEST_CASE(reports_a_choice_that_is_not_offered) {
  const auto errors = load_errors(with_line(basic_config, 12, "    method: median"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:12:13", "'median' is not one of max, sum, mean"));
}

BOOST_AUTO_TEST_CASE(checks_path_lists_and_paths) {
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 4, "    paths: []")), "test.yaml:4:12",
                            "paths is an empty list"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 4, "    paths: {a: b}")), "test.yaml:4:12",
                            "paths needs a path or a list of paths, got a mapping"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 4, "    paths: [a.jpg, [b]]")),
                            "test.yaml:4:12", "one item is a list"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 16, "    fits: [a, b]")), "test.yaml:16:11",
                            "fits needs a path, got a list"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 16, "    fits:")), "test.yaml:16:5",
                            "fits needs a path, got nothing"));
}

BOOST_AUTO_TEST_CASE(reports_a_missing_required_parameter_at_the_stage) {
  const auto errors = load_errors(with_line(basic_config, 4, "    sort: name"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:2:5",
                            "stage 'lights' (ingest) is missing its required parameter 'paths'"));
}

BOOST_AUTO_TEST_CASE(reports_a_duplicate_id_at_the_second_naming_the_first_line) {
  const auto errors = load_errors(with_line(basic_config, 13, "  - id: trails"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:13:9", "duplicate stage id 'trails'; the first is on line 9"));
}

BOOST_AUTO_TEST_CASE(reports_missing_and_malformed_ids_and_types) {
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 13, "  - name: out")), "test.yaml:13:5",
                            "stage #4 has no 'id'"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 13, "  - id: 2nd-out")), "test.yaml:13:9",
                            "stage id '2nd-out' is not valid"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 13, "  - id: out.fits")), "test.yaml:13:9",
                            "stage id 'out.fits' is not valid"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 14, "    kind: write")), "test.yaml:13:5",
                            "stage 'out' has no 'type'; known types: ingest"));
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 14, "    typ: write")), "test.yaml:13:5",
                            "stage 'out' has no 'type'; is 'typ' on line 14 meant to be 'type'?"));
}

BOOST_AUTO_TEST_CASE(reports_a_key_given_twice) {
  const auto errors = load_errors(with_line(basic_config, 12, "    method: max\n    method: sum"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:13:5", "'method' is given twice; the first is on line 12"));
}

BOOST_AUTO_TEST_CASE(reads_input_as_an_id_or_a_list_of_ids) {
  const Config config = load(with_line(basic_config, 15, "    input: [trails]"));
  BOOST_TEST(config.stages[3].inputs == std::vector<std::string>{"trails"});
  BOOST_TEST(has_diagnostic(load_errors(with_line(basic_config, 15, "    input: {id: trails}")),
                            "test.yaml:15:12", "'input' must be a stage id or a list of stage ids"));
}

BOOST_AUTO_TEST_CASE(reports_every_problem_of_a_file_at_once) {
  std::string text = with_line(basic_config, 8, "    transfer: cubic");
  text = with_line(text, 10, "    type: stak");
  text = with_line(text, 13, "  - id: lights");
  text = with_line(text, 16, "    fts: out/trails.fits");
  const auto errors = load_errors(text);
  BOOST_REQUIRE_EQUAL(errors.size(), 4u);
  BOOST_TEST(errors[0].location.line == 8);  // in file order
  BOOST_TEST(errors[3].location.line == 16);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:8:15", "'cubic' is not one of srgb, gamma, linear"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:10:11", "unknown stage type 'stak'"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:13:9", "duplicate stage id 'lights'"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:16:5", "has no parameter 'fts'; did you mean 'fits'?"));
}

BOOST_AUTO_TEST_CASE(error_text_lists_every_diagnostic_with_its_location) {
  std::string text = with_line(basic_config, 8, "    transfer: cubic");
  text = with_line(text, 12, "    method: median");
  try {
    load(text);
    BOOST_FAIL("expected a ConfigError");
  } catch (const ConfigError& error) {
    const std::string what = error.what();
    BOOST_TEST(what.find("test.yaml:8:15: ") != std::string::npos);
    BOOST_TEST(what.find("\ntest.yaml:12:13: ") != std::string::npos);
    BOOST_TEST(exit_code_for(error.kind()) == exit_code::config);
  }
}

BOOST_AUTO_TEST_CASE(refuses_more_than_one_document) {
  BOOST_TEST(has_diagnostic(load_errors(basic_config + "---\nstages: []\n"), "test.yaml:18:1",
                            "more than one YAML document"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(overrides)

BOOST_AUTO_TEST_CASE(parse_override_splits_at_the_first_equals_and_dot) {
  const Override plain = parse_override("linear.gamma=2.4");
  BOOST_TEST(plain.stage_id == "linear");
  BOOST_TEST(plain.parameter == "gamma");
  BOOST_TEST(plain.value == "2.4");
  const Override dotted = parse_override("out.fits=out/a.b=c.fits");
  BOOST_TEST(dotted.stage_id == "out");
  BOOST_TEST(dotted.parameter == "fits");
  BOOST_TEST(dotted.value == "out/a.b=c.fits");
}

BOOST_AUTO_TEST_CASE(parse_override_refuses_malformed_text) {
  for (const std::string text : {"linear.gamma", "gamma=2", ".gamma=2", "linear.=2", "=2", ""}) {
    try {
      parse_override(text);
      BOOST_ERROR("no UsageError for '" + text + "'");
    } catch (const UsageError& error) {
      BOOST_TEST(std::string(error.what()) == "--set expects ID.PARAM=VALUE, got '" + text + "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(sets_a_number_at_the_override_location) {
  const Config config = load(basic_config, {parse_override("linear.gamma=3")});
  BOOST_TEST(config.stages[1].parameters.number("gamma") == 3.0);
  const SourceLocation location = config.stages[1].parameters.location("gamma");
  BOOST_TEST(location.file == "--set linear.gamma=3");
  BOOST_TEST(location.line == 0);
}

BOOST_AUTO_TEST_CASE(sets_a_list_and_a_single_glob) {
  const Config list = load(basic_config, {parse_override("lights.paths=[a.jpg, b.jpg]")});
  BOOST_TEST(list.stages[0].parameters.list("paths") == (std::vector<std::string>{"a.jpg", "b.jpg"}));
  // "*" opens a YAML alias; from a shell it means a glob.
  const Config glob = load(basic_config, {parse_override("lights.paths=*.jpg")});
  BOOST_TEST(glob.stages[0].parameters.list("paths") == std::vector<std::string>{"*.jpg"});
}

BOOST_AUTO_TEST_CASE(sets_input_and_adds_a_parameter_missing_from_the_file) {
  const Config config =
      load(basic_config, {parse_override("out.input=linear"), parse_override("out.tiff=out/trails.tif")});
  BOOST_TEST(config.stages[3].inputs == std::vector<std::string>{"linear"});
  BOOST_TEST(config.stages[3].input_location.file == "--set out.input=linear");
  BOOST_TEST(config.stages[3].parameters.text("tiff") == "out/trails.tif");
}

BOOST_AUTO_TEST_CASE(the_last_of_two_overrides_wins) {
  const Config config =
      load(basic_config, {parse_override("trails.method=sum"), parse_override("trails.method=mean")});
  BOOST_TEST(config.stages[2].parameters.text("method") == "mean");
}

BOOST_AUTO_TEST_CASE(reports_an_override_of_an_unknown_stage) {
  const auto errors = set_errors("trials.method=sum");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].location.file == "--set trials.method=sum");
  BOOST_TEST(errors[0].location.line == 0);
  BOOST_TEST(errors[0].message.find("no stage has id 'trials'; did you mean 'trails'?") == 0u);
}

BOOST_AUTO_TEST_CASE(checks_override_values_like_file_values) {
  BOOST_TEST(has_diagnostic(set_errors("linear.gamma=0"), "--set linear.gamma=0",
                            "gamma = 0 is out of range [0.1, 10]"));
  BOOST_TEST(has_diagnostic(set_errors("trails.metod=sum"), "--set trails.metod=sum",
                            "has no parameter 'metod'; did you mean 'method'?"));
  BOOST_TEST(has_diagnostic(set_errors("lights.paths=[a, b"), "--set lights.paths=[a, b",
                            "the value is not valid YAML"));
  BOOST_TEST(
      has_diagnostic(set_errors("out.id=other"), "--set out.id=other", "--set cannot change a stage's id"));
}

BOOST_AUTO_TEST_CASE(resolved_yaml_records_the_overrides_and_loads_back_the_same) {
  const Config config =
      load(basic_config, {parse_override("trails.method=sum"), parse_override("out.object=\"null\"")});
  BOOST_TEST(config.resolved_yaml.find("method: sum") != std::string::npos);
  BOOST_TEST(config.resolved_yaml.find("method: max") == std::string::npos);
  const Config again = load(config.resolved_yaml);
  BOOST_REQUIRE_EQUAL(again.stages.size(), 4u);
  for (std::size_t i = 0; i < again.stages.size(); ++i) {
    BOOST_TEST(again.stages[i].id == config.stages[i].id);
    BOOST_TEST(again.stages[i].inputs == config.stages[i].inputs);
    BOOST_TEST((again.stages[i].parameters.values() == config.stages[i].parameters.values()));
  }
  // A quoted "null" stays a string, not an empty value.
  BOOST_TEST(again.stages[3].parameters.text("object") == "null");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config_files)

BOOST_AUTO_TEST_CASE(reports_a_missing_file_with_the_reason) {
  const auto errors = diagnostics_of([] { load_config_file("no/such/config.yaml", {}, registry()); });
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].location.file == "no/such/config.yaml");
  BOOST_TEST(errors[0].location.line == 0);
  BOOST_TEST(errors[0].message.find("No such file or directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(reports_a_directory) {
  const auto directory = std::filesystem::temp_directory_path();
  const auto errors = diagnostics_of([&] { load_config_file(directory, {}, registry()); });
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].message.find("Is a directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(loads_a_file_naming_it_in_locations) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("nightstack-test-config-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << with_line(basic_config, 12, "    method: median");
  const auto errors = diagnostics_of([&] { load_config_file(path, {}, registry()); });
  std::ofstream(path) << basic_config;
  const Config config = load_config_file(path, {}, registry());
  std::filesystem::remove(path);
  BOOST_TEST(has_diagnostic(errors, path.string() + ":12:13", "'median' is not one of"));
  BOOST_TEST(config.source == path.string());
  BOOST_TEST(config.stages.size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
