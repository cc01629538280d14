// `nightstack stack`: the quick form. Builds the same YAML graph a config would hold (so it goes
// through the same checks and its outputs record a config that `run` can repeat) and runs it.
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "pipeline/cli_commands.hpp"
#include "pipeline/parameter_options.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const stack_help =
    R"(Usage: nightstack stack --method NAME --fits OUT.fits [--tiff OUT.tif]
                        [--transfer auto|srgb|linear|gamma] [--gamma G]
                        [--normalize percentile|max|none] [--low P] [--high P]
                        [stacking options] [--on-error fail|skip]
                        [--gap-fill] [--comet-fade F] [--reject-flashes T]
                        [--timelapse DIR [--every K] [--timelapse-format jpeg|tiff]
                         [--video]]
                        [--register [--transform KIND] [registration options]]
                        [--threads N] [--quiet]
                        [--progress STYLE] [--report PREFIX|none] INPUT...

Stacks the frames INPUT (files, directories or globs; sorted naturally; files
that are not images are skipped with a warning, but an empty file or a
directory named like an image is an error) in one go:

  ingest -> linearize (--transfer) [-> register] -> stack (--method) -> FITS (values as stacked)
                                                                     -> normalize -> 16-bit TIFF

Methods: max, min, sum, mean, last (frame by frame); median; and means with outlier
rejection: sigma_clip, mad_clip, median_sigma_clip, winsorized_sigma_clip,
min_max, percentile_clip, gesd. Median and rejection cache each frame once
(--cache-directory) and stack blocks of rows within --memory-limit.
`nightstack stages` explains every method and parameter.

Star trails: --gap-fill joins the dashes the gaps between exposures leave;
--comet-fade F makes comet trails (light fades by F per frame; the stack is the
last faded frame, so --method max becomes last); --timelapse DIR writes the
growing stack every --every K frames as DIR/trails_0001.jpg, ... with one
stretch for all (the last image is the final stack), and --video makes the MP4
when ffmpeg is installed; --reject-flashes T leaves out frames far brighter than
their neighbours (see docs/star-trails.md).

The FITS keeps the stack's linear values (a sum stays a sum); --normalize sets
the display stretch of the TIFF and JPEG only (--normalize-frames is the
per-frame normalization before stacking).

Examples:
  star trails:    nightstack stack --method max --fits trails.fits --tiff trails.tif night/
  unbroken, with a time-lapse:
                  nightstack stack --method max --gap-fill --timelapse out/video --every 5
                      --fits trails.fits --tiff trails.tif night/
  long exposure:  nightstack stack --method sum --fits sky.fits --tiff sky.tif "night/*.JPG"
  no satellites:  nightstack stack --method sigma_clip --sigma-low 3 --sigma-high 3 --max-iters 5
                      --normalize-frames additive --weights noise --memory-limit 1GiB
                      --fits sky.fits night/
  deep sky:       nightstack stack --register --method sigma_clip --fits m27.fits data/m27/
  see the config: nightstack stack --method mean --fits m.fits --print-config night/

)";

// The stack stage's parameters are offered as options generated from its schema in the registry
// (names, types, defaults, help), so the quick form cannot drift from the stage: --sigma-low is the
// YAML key sigma_low. --method is one of them, listed with the main options and required here.
const StageType& stack_stage_type(const StageRegistry& registry) {
  const StageType* type = registry.find("stack");
  if (!type) throw std::logic_error("the stage registry has no stack stage");
  return *type;
}

YAML::Node stage(const std::string& id, const std::string& type, const std::string& input) {
  YAML::Node node;
  node["id"] = id;
  node["type"] = type;
  if (!input.empty()) node["input"] = input;
  return node;
}

// The star-trail steps between linearize and the stack, as the flags ask: gap filling, then the
// comet fade. Returns the id of the last stage of the chain.
std::string add_trail_steps(const po::variables_map& values, YAML::Node& stages, std::string input) {
  if (values.count("gap-fill")) {
    stages.push_back(stage("gaps", "gap_fill", input));
    input = "gaps";
  }
  if (values.count("comet-fade")) {
    YAML::Node fade = stage("comets", "fade", input);
    fade["decay"] = values["comet-fade"].as<double>();
    stages.push_back(fade);
    input = "comets";
  }
  return input;
}

// --timelapse DIR: the running stack (the stack's own method, so the last image is the final
// stack) every --every frames, one stretch for all images, numbered JPEGs or 16-bit TIFFs.
void add_timelapse(const po::variables_map& values, YAML::Node& stages, const std::string& input,
                   const std::string& method) {
  YAML::Node timelapse = stage("timelapse", "timelapse", input);
  timelapse["method"] = method;
  timelapse["every"] = values["every"].as<unsigned>();
  YAML::Node normalize = stage("timelapse_display", "normalize", "timelapse");
  normalize["method"] = values["normalize"].as<std::string>();
  if (values.count("low")) normalize["low"] = values["low"].as<double>();
  if (values.count("high")) normalize["high"] = values["high"].as<double>();
  normalize["hold"] = "first";
  YAML::Node write = stage("timelapse_files", "write", "timelapse_display");
  const std::string format = values["timelapse-format"].as<std::string>();
  if (format != "jpeg" && format != "tiff")
    throw UsageError("--timelapse-format must be jpeg or tiff, not '" + format + "'");
  const std::string extension = format == "jpeg" ? ".jpg" : ".tif";
  write[format] =
      (std::filesystem::path(values["timelapse"].as<std::string>()) / ("trails_{index}" + extension))
          .string();
  stages.push_back(timelapse);
  stages.push_back(normalize);
  stages.push_back(write);
}

YAML::Node build_stack_config(const po::variables_map& values, const StageType& stack_type,
                              const StageType& register_type) {
  YAML::Node ingest = stage("frames", "ingest", "");
  for (const auto& path : values["input"].as<std::vector<std::string>>()) ingest["paths"].push_back(path);
  if (values.count("on-error")) ingest["on_error"] = values["on-error"].as<std::string>();
  if (values.count("reject-flashes")) ingest["reject_flashes"] = values["reject-flashes"].as<double>();

  YAML::Node linearize = stage("linear", "linearize", "frames");
  linearize["transfer"] = values["transfer"].as<std::string>();
  if (values.count("gamma")) linearize["gamma"] = values["gamma"].as<double>();

  YAML::Node stages;
  stages.push_back(ingest);
  stages.push_back(linearize);
  std::string stacked = "linear";
  if (values.count("register")) {
    YAML::Node registration = stage("registered", "register", "linear");
    for (const auto& parameter : register_type.parameters)
      set_parameter_from_option(registration, parameter, values);
    stages.push_back(registration);
    stacked = "registered";
  }

  const std::string trail_end = add_trail_steps(values, stages, stacked);

  YAML::Node stack = stage("stack", "stack", trail_end);
  for (const auto& parameter : stack_type.parameters) set_parameter_from_option(stack, parameter, values);
  std::string method = values["method"].as<std::string>();
  if (values.count("comet-fade")) {
    // Comet trails are the last faded frame; a max of faded frames would restore the whole trails.
    if (method != "max" && method != "last")
      throw UsageError(
          "--comet-fade gives comet trails, the last faded frame: use --method max (or last), not " + method);
    method = "last";
    stack["method"] = method;
  }
  if (values.count("timelapse")) {
    if (method != "max" && method != "min" && method != "sum" && method != "mean" && method != "last")
      throw UsageError(
          "--timelapse shows the stack growing, which needs a single-pass --method (max, min, sum, "
          "mean), not " +
          method);
    add_timelapse(values, stages, trail_end, method);
  } else if ((values.count("every") && !values["every"].defaulted()) || values.count("video")) {
    throw UsageError("--every and --video are for the time-lapse; give --timelapse DIR too");
  }

  YAML::Node fits = stage("fits", "write", "stack");
  fits["fits"] = values["fits"].as<std::string>();
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

// --register puts a register stage between linearize and stack; its parameters are offered too
// (--transform, --interpolation, --crop, --keep-best, ...).
po::options_description registration_options(const StageType& register_type) {
  po::options_description options("Registration options (YAML keys of the register stage)");
  options.add_options()("register",
                        "align the frames on their stars before stacking (Bayer FITS are "
                        "demosaiced by the reader first)");
  for (const auto& parameter : register_type.parameters) add_parameter_option(options, parameter);
  return options;
}

po::options_description stacking_options(const StageType& stack_type) {
  po::options_description options("Stacking options (YAML keys of the stack stage, '-' written '_')");
  for (const auto& parameter : stack_type.parameters) {
    if (parameter.name != "method") add_parameter_option(options, parameter);
  }
  return options;
}

}  // namespace

int command_stack(const Arguments& arguments, const StageRegistry& registry) {
  const StageType& stack_type = stack_stage_type(registry);
  po::options_description options("Options");
  options.add_options()("help,h", "show this help");
  ParameterSpec method = *stack_type.find_parameter("method");
  method.required = true;  // the quick form names its method rather than taking the config's default
  add_parameter_option(options, method, "m");
  options.add_options()("fits,o", po::value<std::string>()->value_name("OUT.fits"),
                        "32-bit float FITS output (required)")(
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
  po::options_description trails("Star trails");
  trails.add_options()("gap-fill", "join the trails across the gaps between exposures (stage gap_fill)")(
      "comet-fade", po::value<double>()->value_name("F"),
      "comet trails: light fades by F per frame (0..1, e.g. 0.95; stage fade); the stack is the last faded "
      "frame")("reject-flashes", po::value<double>()->value_name("T"),
               "leave out frames whose mean level is more than T robust sigmas above their neighbours' "
               "(flashes, headlights; e.g. 5), named in the log and the report")(
      "timelapse", po::value<std::string>()->value_name("DIR"),
      "also write the growing stack as numbered images DIR/trails_0001.jpg, ... (one stretch for all)")(
      "every", po::value<unsigned>()->default_value(1)->value_name("K"),
      "with --timelapse: one image every K frames (and after the last)")(
      "timelapse-format", po::value<std::string>()->default_value("jpeg")->value_name("FORMAT"),
      "with --timelapse: jpeg (8-bit) or tiff (16-bit)")(
      "video",
      "with --timelapse: make DIR/trails.mp4 with ffmpeg when installed (the command is printed "
      "either way)");
  options.add(trails);
  options.add(stacking_options(stack_type));
  const StageType* register_type = registry.find("register");
  if (!register_type) throw std::logic_error("the stage registry has no register stage");
  // Printed on their own, so their long value names do not narrow the other options' help column.
  const po::options_description registration = registration_options(*register_type);
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(registration).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << stack_help << options << '\n' << registration;
    return exit_code::success;
  }
  if (!values.count("method"))
    throw UsageError("--method is required: max, min, sum, mean, median, sigma_clip, ... (see --help)");
  if (!values.count("fits")) throw UsageError("--fits OUT.fits is required");
  if (!values.count("input")) throw UsageError("no INPUT given: name frames, directories or globs");

  if (!values.count("register")) {
    for (const auto& parameter : register_type->parameters)
      if (values.count(option_name(parameter.name)))
        throw UsageError("--" + option_name(parameter.name) + " is a registration option: add --register");
  }

  YAML::Emitter emitter;
  emitter << build_stack_config(values, stack_type, *register_type);
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
  run_options.video = values.count("video") != 0;
  return execute_config(config, run_options, quiet);
}

}  // namespace nightstack
