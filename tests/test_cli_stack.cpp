// The quick `stack` command offers the stack stage's own parameter table: every parameter of the
// registry's stack stage is an option with the schema's help, and reaches the config it builds.
#define BOOST_TEST_DYN_LINK
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "pipeline/parameter_options.hpp"
#include "stages/registry.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace po = boost::program_options;

namespace {

// program_options wraps help text to its columns; compare words, not line breaks.
std::string single_spaced(const std::string& text) {
  std::istringstream words(text);
  std::string word, joined;
  while (words >> word) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

// A value of the parameter's type, written as on a command line and as YAML prints it.
std::string sample_value(const ParameterSpec& parameter) {
  switch (parameter.type) {
    case ParameterType::boolean:
      return "true";
    case ParameterType::integer:
      return "7";
    case ParameterType::number:
      return "0.25";
    case ParameterType::choice:
      return parameter.choices.back();
    default:
      return "sample-" + parameter.name;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_stack)

BOOST_AUTO_TEST_CASE(every_stack_parameter_is_an_option_with_the_schema_help) {
  const StageType stack = stack_stage_type();
  const auto help = run_nightstack({"stack", "--help"});
  BOOST_TEST(help.exit_code == 0);
  const std::string text = single_spaced(help.out);
  for (const auto& parameter : stack.parameters) {
    BOOST_TEST_INFO(parameter.name);
    BOOST_TEST(contains(text, "--" + option_name(parameter.name) + " "));
    BOOST_TEST(contains(text, single_spaced(parameter.help)));
  }
}

BOOST_AUTO_TEST_CASE(every_stack_parameter_reaches_the_printed_config) {
  const StageType stack = stack_stage_type();
  std::vector<std::string> arguments{"stack", "--fits", "out.fits", "--print-config"};
  for (const auto& parameter : stack.parameters) {
    arguments.push_back("--" + option_name(parameter.name));
    arguments.push_back(sample_value(parameter));
  }
  arguments.push_back("frames/");
  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  const YAML::Node config = YAML::Load(result.out);
  const YAML::Node stages = config["stages"];
  YAML::Node stack_stage;
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (stages[i]["type"].as<std::string>() == "stack") stack_stage.reset(stages[i]);
  BOOST_TEST_REQUIRE(stack_stage.IsMap());
  for (const auto& parameter : stack.parameters) {
    BOOST_TEST_INFO(parameter.name);
    BOOST_TEST_REQUIRE(stack_stage[parameter.name].IsDefined());
    BOOST_TEST(stack_stage[parameter.name].as<std::string>() == sample_value(parameter));
  }
}

BOOST_AUTO_TEST_CASE(options_round_trip_every_parameter_type) {
  const std::vector<ParameterSpec> parameters{
      {.name = "flag", .type = ParameterType::boolean},
      {.name = "count_limit", .type = ParameterType::integer, .default_value = std::int64_t{3}},
      {.name = "scale", .type = ParameterType::number},
      {.name = "label", .type = ParameterType::text},
      {.name = "mode", .type = ParameterType::choice, .choices = {"fast", "exact"}},
      {.name = "target", .type = ParameterType::path},
      {.name = "paths", .type = ParameterType::path_list},
  };
  po::options_description options;
  for (const auto& parameter : parameters) add_parameter_option(options, parameter);
  const std::vector<std::string> arguments{
      "--flag", "false", "--count-limit", "12",     "--scale", "-1.5", "--label", "night",
      "--mode", "exact", "--target",      "a.fits", "--paths", "a/",   "--paths", "b/*.jpg"};
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(options).run(), values);
  YAML::Node stage;
  for (const auto& parameter : parameters) set_parameter_from_option(stage, parameter, values);
  BOOST_TEST(stage["flag"].as<bool>() == false);
  BOOST_TEST(stage["count_limit"].as<long long>() == 12);
  BOOST_TEST(stage["scale"].as<double>() == -1.5);
  BOOST_TEST(stage["label"].as<std::string>() == "night");
  BOOST_TEST(stage["mode"].as<std::string>() == "exact");
  BOOST_TEST(stage["target"].as<std::string>() == "a.fits");
  BOOST_TEST(stage["paths"].as<std::vector<std::string>>() == (std::vector<std::string>{"a/", "b/*.jpg"}),
             boost::test_tools::per_element());

  // Options not given leave the parameter out, so the config's own default applies.
  po::variables_map none;
  po::store(po::command_line_parser(std::vector<std::string>{}).options(options).run(), none);
  YAML::Node empty;
  for (const auto& parameter : parameters) set_parameter_from_option(empty, parameter, none);
  BOOST_TEST(empty.size() == 0u);

  BOOST_TEST(option_help(parameters[1]) == "(default: 3)");
  BOOST_TEST(option_help(parameters[4]).empty());  // its choices are the value name: fast|exact
}

BOOST_AUTO_TEST_SUITE_END()
