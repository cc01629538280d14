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
    R"(Usage: nightstack stack --method NAME --fits OUT.fits [--tiff OUT.tif]
                        [--transfer auto|srgb|linear|gamma] [--gamma G]
                        [--normalize percentile|max|none] [--low P] [--high P]
                        [stacking options] [--on-error fail|skip]
                        [--threads N] [--quiet]
                        [--progress STYLE] [--report PREFIX|none] INPUT...

Stacks the frames INPUT (files, directories or globs; sorted naturally; files
that are not images are skipped with a warning, but an empty file or a
directory named like an image is an error) in one go:

  ingest -> linearize (--transfer) -> stack (--method) -> FITS (values as stacked)
                                                       -> normalize -> 16-bit TIFF

Methods: max, min, sum, mean (frame by frame); median; and means with outlier
rejection: sigma_clip, mad_clip, median_sigma_clip, winsorized_sigma_clip,
min_max, percentile_clip, gesd. Median and rejection cache each frame once
(--cache-directory) and stack blocks of rows within --memory-limit.
`nightstack stages` explains every method and parameter.

The FITS keeps the stack's linear values (a sum stays a sum); --normalize sets
the display stretch of the TIFF and JPEG only (--normalize-frames is the
per-frame normalization before stacking).

Examples:
  star trails:    nightstack stack --method max --fits trails.fits --tiff trails.tif night/
  long exposure:  nightstack stack --method sum --fits sky.fits --tiff sky.tif "night/*.JPG"
  no satellites:  nightstack stack --method sigma_clip --sigma-low 3 --sigma-high 3 --max-iters 5
                      --normalize-frames additive --weights noise --memory-limit 1GiB
                      --fits sky.fits night/
  see the config: nightstack stack --method mean --fits m.fits --print-config night/

Options)";

// The stack stage's parameters offered as options: --sigma-low is the YAML key sigma_low.
enum class ValueKind { number, integer, text };

struct StackOption {
  const char* name;
  ValueKind kind;
  const char* value_name;
  const char* help;
};

const StackOption stack_options[] = {
    {"sigma-low", ValueKind::number, "S", "reject below centre - S x spread (clipping methods; default 3)"},
    {"sigma-high", ValueKind::number, "S", "reject above centre + S x spread (clipping methods; default 3)"},
    {"max-iters", ValueKind::integer, "N", "clipping iterations at most (default 5)"},
    {"min-max-count", ValueKind::integer, "N", "min_max: values dropped at each end (default 1)"},
    {"percentile-low", ValueKind::number, "F",
     "percentile_clip: reject below median x (1 - F) (default 0.2)"},
    {"percentile-high", ValueKind::number, "F",
     "percentile_clip: reject above median x (1 + F) (default 0.1)"},
    {"gesd-alpha", ValueKind::number, "A", "gesd: significance of each test (default 0.05)"},
    {"gesd-max-outliers", ValueKind::number, "F", "gesd: largest fraction of outliers (default 0.3)"},
    {"normalize-frames", ValueKind::text, "HOW",
     "none, additive, multiplicative or additive_scale: frames brought to the first one's level"},
    {"weights", ValueKind::text, "HOW", "equal, exposure or noise: weights of the mean"},
    {"memory-limit", ValueKind::text, "SIZE",
     "memory for median/rejection blocks, e.g. 1GiB (default: half the free RAM)"},
    {"cache-directory", ValueKind::text, "DIR",
     "where median/rejection cache the frames (default $TMPDIR or /tmp)"},
    {"cache-format", ValueKind::text, "FORMAT", "float32 (exact) or uint16 (half the space)"},
    {"rejection-maps", ValueKind::text, "PREFIX",
     "also write PREFIX_low.fits and PREFIX_high.fits (rejection counts)"},
    {"coverage-map", ValueKind::text, "PREFIX",
     "also write PREFIX_coverage.fits (valid, not NaN or BLANK, values per pixel)"},
};

std::string yaml_key(const char* option) {
  std::string key = option;
  for (char& character : key)
    if (character == '-') character = '_';
  return key;
}

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
  if (values.count("on-error")) ingest["on_error"] = values["on-error"].as<std::string>();

  YAML::Node linearize = stage("linear", "linearize", "frames");
  linearize["transfer"] = values["transfer"].as<std::string>();
  if (values.count("gamma")) linearize["gamma"] = values["gamma"].as<double>();

  YAML::Node stack = stage("stack", "stack", "linear");
  stack["method"] = values["method"].as<std::string>();
  for (const auto& option : stack_options) {
    if (!values.count(option.name)) continue;
    const auto& value = values[option.name];
    switch (option.kind) {
      case ValueKind::number:
        stack[yaml_key(option.name)] = value.as<double>();
        break;
      case ValueKind::integer:
        stack[yaml_key(option.name)] = value.as<long long>();
        break;
      case ValueKind::text:
        stack[yaml_key(option.name)] = value.as<std::string>();
        break;
    }
  }

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

po::options_description stacking_options() {
  po::options_description options("Stacking options (YAML keys of the stack stage, '-' written '_')");
  for (const auto& option : stack_options) {
    switch (option.kind) {
      case ValueKind::number:
        options.add_options()(option.name, po::value<double>()->value_name(option.value_name), option.help);
        break;
      case ValueKind::integer:
        options.add_options()(option.name, po::value<long long>()->value_name(option.value_name),
                              option.help);
        break;
      case ValueKind::text:
        options.add_options()(option.name, po::value<std::string>()->value_name(option.value_name),
                              option.help);
        break;
    }
  }
  return options;
}

}  // namespace

int command_stack(const Arguments& arguments, const StageRegistry& registry) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("method,m", po::value<std::string>()->value_name("NAME"),
                                                    "stacking method (required; see above)")(
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
      "on-error", po::value<std::string>()->value_name("POLICY"),
      "a frame that cannot be read or used: fail (default) stops with an error naming it; skip leaves it "
      "out with a warning and lists it in the summary, report and FITS header")(
      "threads,j", po::value<unsigned>()->default_value(0)->value_name("N"),
      "decoding threads; 0 means every core")("quiet,q", "no progress and no informational messages")(
      "progress", po::value<std::string>()->default_value("auto")->value_name("STYLE"),
      "auto, bar, lines, json or none, as for `nightstack run`")(
      "report", po::value<std::string>()->default_value("auto")->value_name("PREFIX"),
      "run report PREFIX.json and PREFIX.html; auto: beside the FITS; none: no report")(
      "print-config", "print the equivalent YAML config for `nightstack run` and exit");
  options.add(stacking_options());
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
  if (!values.count("method"))
    throw UsageError("--method is required: max, min, sum, mean, median, sigma_clip, ... (see --help)");
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
  RunOptions run_options;
  run_options.threads = values["threads"].as<unsigned>();
  run_options.progress = parse_progress_style(values["progress"].as<std::string>(), quiet);
  run_options.report = values["report"].as<std::string>();
  return execute_config(config, run_options, quiet);
}

}  // namespace nightstack
