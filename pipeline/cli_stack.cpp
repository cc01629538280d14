// `nightstack stack`: the quick form. Builds the same YAML graph a config would hold (so it goes
// through the same checks and its outputs record a config that `run` can repeat) and runs it.
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "pipeline/cli_commands.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const stack_help =
    R"(Usage: nightstack stack --method max|sum|mean --fits OUT.fits [--tiff OUT.tif]
                        [--transfer auto|srgb|linear|gamma] [--gamma G]
                        [--normalize percentile|max|none] [--low P] [--high P]
                        [--threads N] [--quiet] INPUT...

Stacks the frames INPUT (files, directories or globs; sorted naturally; files
that are not images are skipped with a warning) in one go:

  ingest -> linearize (--transfer) -> stack (--method) -> FITS (values as stacked)
                                                       -> normalize -> 16-bit TIFF

The FITS keeps the stack's linear values (a sum stays a sum); --normalize sets
the display stretch of the TIFF and JPEG only.

Examples:
  star trails:    nightstack stack --method max --fits trails.fits --tiff trails.tif night/
  long exposure:  nightstack stack --method sum --fits sky.fits --tiff sky.tif "night/*.JPG"
  see the config: nightstack stack --method mean --fits m.fits --print-config night/

Options)";

YAML::Node stage(const std::string& id, const std::string& type, const std::string& input) {
  YAML::Node node;
  node["id"] = id;
  node["type"] = type;
  if (!input.empty()) node["input"] = input;
  return node;
}

YAML::Node build_stack_config(const po::variables_map& values) {
  YAML::Node ingest = stage("frames", "ingest", "");
  for (const auto& path : values["input"].as<std::vector<std::string>>()) ingest["paths"].push_back(path);

  YAML::Node linearize = stage("linear", "linearize", "frames");
  linearize["transfer"] = values["transfer"].as<std::string>();
  if (values.count("gamma")) linearize["gamma"] = values["gamma"].as<double>();

  YAML::Node stack = stage("stack", "stack", "linear");
  stack["method"] = values["method"].as<std::string>();

  YAML::Node fits = stage("fits", "write", "stack");
  fits["fits"] = values["fits"].as<std::string>();

  YAML::Node stages;
  stages.push_back(ingest);
  stages.push_back(linearize);
  stages.push_back(stack);
  stages.push_back(fits);
  if (values.count("tiff") || values.count("jpeg")) {
    YAML::Node normalize = stage("display", "normalize", "stack");
    normalize["method"] = values["normalize"].as<std::string>();
    if (values.count("low")) normalize["low"] = values["low"].as<double>();
    if (values.count("high")) normalize["high"] = values["high"].as<double>();
    YAML::Node display = stage("display_files", "write", "display");
    if (values.count("tiff")) display["tiff"] = values["tiff"].as<std::string>();
    if (values.count("jpeg")) display["jpeg"] = values["jpeg"].as<std::string>();
    stages.push_back(normalize);
    stages.push_back(display);
  }
  YAML::Node config;
  config["stages"] = stages;
  return config;
}

}  // namespace

int command_stack(const Arguments& arguments, const StageRegistry& registry) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("method,m", po::value<std::string>()->value_name("NAME"),
                                                    "max, sum or mean (required)")(
      "fits,o", po::value<std::string>()->value_name("OUT.fits"), "32-bit float FITS output (required)")(
      "tiff", po::value<std::string>()->value_name("OUT.tif"),
      "16-bit TIFF output, normalized and sRGB-encoded")("jpeg",
                                                         po::value<std::string>()->value_name("OUT.jpg"),
                                                         "8-bit JPEG preview, normalized and sRGB-encoded")(
      "transfer", po::value<std::string>()->default_value("auto")->value_name("CURVE"),
      "curve to undo before stacking: auto (JPEG: srgb, FITS: linear), srgb, gamma or linear")(
      "gamma", po::value<double>()->value_name("G"), "exponent for --transfer gamma (default 2.2)")(
      "normalize", po::value<std::string>()->default_value("percentile")->value_name("HOW"),
      "display stretch of TIFF/JPEG: percentile, max or none")("low", po::value<double>()->value_name("P"),
                                                               "percentile that becomes black (default 0.1)")(
      "high", po::value<double>()->value_name("P"), "percentile that becomes white (default 99.9)")(
      "threads,j", po::value<unsigned>()->default_value(0)->value_name("N"),
      "decoding threads; 0 means every core")("quiet,q", "no progress and no informational messages")(
      "print-config", "print the equivalent YAML config for `nightstack run` and exit");
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << stack_help << options;
    return exit_code::success;
  }
  if (!values.count("method")) throw UsageError("--method is required: max, sum or mean");
  if (!values.count("fits")) throw UsageError("--fits OUT.fits is required");
  if (!values.count("input")) throw UsageError("no INPUT given: name frames, directories or globs");

  YAML::Emitter emitter;
  emitter << build_stack_config(values);
  std::string yaml_text = emitter.c_str();
  if (values.count("print-config")) {
    std::cout << yaml_text << '\n';
    return exit_code::success;
  }
  Config config = load_config_text(yaml_text, "nightstack stack", {}, registry);
  bool quiet = values.count("quiet") != 0;
  return execute_config(config, RunOptions{values["threads"].as<unsigned>(), default_progress_style(quiet)},
                        quiet);
}

}  // namespace nightstack
