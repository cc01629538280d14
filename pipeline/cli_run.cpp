// `nightstack run` and `nightstack validate`: load a config, check it whole, run or describe it.
#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "pipeline/cli_commands.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/output_protection.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const run_help =
    R"(Usage: nightstack run CONFIG [--set ID.PARAM=VALUE]... [--threads N] [--quiet] [--resume]

Runs the stage graph described by the YAML file CONFIG. The whole config is
checked before any frame is read; every problem is reported with its file,
line and column. Progress goes to stderr (a bar on a terminal, a line every
few seconds otherwise); the summary and the outputs written go to stdout.

A config is a list of stages, each with an id, a type, an input and the
parameters of its type (nightstack stages lists them all):

  stages:
    - id: lights
      type: ingest
      paths: [night/*.jpg]
    - id: linear
      type: linearize
      input: lights
      transfer: srgb
    - id: trails
      type: stack
      input: linear
      method: max
    - id: out
      type: write
      input: trails
      fits: out/trails.fits

Relative paths are relative to the current working directory.

Options)";

const char* const validate_help = R"(Usage: nightstack validate CONFIG [--set ID.PARAM=VALUE]...

Checks CONFIG as `run` would (stage types, parameters, inputs, cycles, data
kinds, output clashes), lists the files each ingest stage would read (it looks
at their first bytes only), and prints the graph. Reads no pixels. Exits 0
when the config can run.

Options)";

po::options_description config_options(bool with_run_options) {
  po::options_description options;
  options.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("ID.PARAM=VALUE"),
      "override one parameter of one stage; VALUE is YAML, e.g. --set lights.paths=[a/,b/] "
      "--set trails.method=mean (repeatable)");
  if (with_run_options) {
    options.add_options()("threads,j", po::value<unsigned>()->default_value(0)->value_name("N"),
                          "decoding threads; 0 means every core. Results are identical for any N")(
        "quiet,q", "no progress and no informational messages (warnings and errors still print)")(
        "progress", po::value<std::string>()->default_value("auto")->value_name("STYLE"),
        "auto (a bar on a terminal, a line every 5 s otherwise), bar, lines, json (one JSON object per line: "
        "stage, done, total, frames_per_second, elapsed_seconds, eta_seconds, finished) or none")(
        "report", po::value<std::string>()->default_value("auto")->value_name("PREFIX"),
        "write the run report as PREFIX.json and PREFIX.html; auto: beside the first output, named after the "
        "config (e.g. out/startrails-report.html); none: no report")(
        "resume",
        "continue an interrupted run from the checkpoints its stacks saved (stack parameter checkpoint: N); "
        "the output is the same as that of an uninterrupted run. Without checkpoints, starts from the "
        "first frame")(
        "whole-frames",
        "decode every frame whole even where the banded pass could run (to compare the two, or to "
        "measure); the results are the same");
  }
  return options;
}

struct ParsedConfigCommand {
  po::variables_map values;
  std::string config_path;
  std::vector<Override> overrides;
};

std::optional<ParsedConfigCommand> parse_config_command(const Arguments& arguments, bool with_run_options,
                                                        const char* help_text) {
  auto options = config_options(with_run_options);
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  ParsedConfigCommand parsed;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), parsed.values);
  po::notify(parsed.values);
  if (parsed.values.count("help")) {
    std::cout << help_text << options;
    return std::nullopt;
  }
  if (!parsed.values.count("config")) throw UsageError("a CONFIG file is required (see --help)");
  parsed.config_path = parsed.values["config"].as<std::string>();
  if (parsed.values.count("set")) {
    for (const auto& text : parsed.values["set"].as<std::vector<std::string>>()) {
      parsed.overrides.push_back(parse_override(text));
    }
  }
  return parsed;
}

void print_summary(const RunSummary& summary) {
  std::size_t frames = 0, skipped = 0, rejected = 0, failed = 0, left_out_by_stages = 0;
  std::string per_source;
  for (const auto& source : summary.sources) {
    frames += source.frames;
    skipped += source.skipped.size();
    const std::size_t source_failed = source.failed_frames();
    failed += source_failed;
    std::size_t source_rejected = 0;
    for (const auto& record : source.records) {
      if (record.used || !record.failure.empty()) continue;
      ++source_rejected;
      // The runner words the rejections of prepared stages (registration) "stage '<id>': ...".
      if (record.rejection.rfind("stage '", 0) == 0) ++left_out_by_stages;
    }
    rejected += source_rejected;
    per_source += (per_source.empty() ? "" : "; ") + source.id + ": " + std::to_string(source.frames) +
                  " frames, " + std::to_string(source.skipped.size()) + " files skipped, " +
                  std::to_string(source_failed) + " bad frames skipped, " + std::to_string(source_rejected) +
                  " frames rejected";
  }
  std::ostringstream line;
  line.precision(1);
  line << std::fixed << "nightstack: stacked " << frames << " frames (" << skipped << " files skipped";
  if (failed) line << ", " << failed << " bad frames skipped";
  if (rejected > left_out_by_stages)
    line << ", " << rejected - left_out_by_stages << " frames rejected as outliers";
  if (left_out_by_stages) line << ", " << left_out_by_stages << " frames left out by registration";
  line << ") in " << summary.seconds << " s on " << summary.threads
       << (summary.threads == 1 ? " thread" : " threads");
  std::cout << line.str() << '\n';
  if (summary.sources.size() > 1) std::cout << "  " << per_source << '\n';
  for (const auto& source : summary.sources)
    if (!source.frame_pass.empty())
      std::cout << "  " << source.id << ": decoded as " << source.frame_pass << '\n';
  for (const auto& source : summary.sources) {
    for (std::size_t index = 0; index < source.records.size(); ++index) {
      const auto& record = source.records[index];
      if (record.failure.empty()) continue;
      std::cout << "  skipped frame " << index << " " << record.path.string() << ": " << record.failure
                << '\n';
    }
  }
  for (const auto& output : summary.outputs) {
    for (const auto& file : output.files) std::cout << "  wrote " << file.string() << '\n';
  }
}

ReportWriter& report_writer() {
  static ReportWriter writer;
  return writer;
}

std::filesystem::path default_report_prefix(const Config& config, const RunSummary& summary) {
  std::filesystem::path directory = ".";
  for (const auto& output : summary.outputs) {
    if (!output.files.empty()) {
      directory = output.files.front().parent_path();
      break;
    }
  }
  std::string name = std::filesystem::path(config.source).stem().string();
  if (name.empty() || config.source == "nightstack stack") {
    name = summary.outputs.empty() || summary.outputs.front().files.empty()
               ? std::string("stack")
               : summary.outputs.front().files.front().stem().string();
  }
  return (directory.empty() ? std::filesystem::path(".") : directory) / (name + "-report");
}

}  // namespace

void set_report_writer(ReportWriter writer) { report_writer() = std::move(writer); }

int execute_config(const Config& config, RunOptions options, bool quiet) {
  options.resolved_config = config.resolved_yaml;
  RunInfo run{.config_path = config.source,
              .resolved_config = config.resolved_yaml,
              .threads = resolve_thread_count(options.threads)};
  Graph graph = build_graph(config, run);
  Log log(std::cerr, quiet);
  RunSummary summary = run_graph(graph, options, log, std::cerr);
  print_summary(summary);
  if (options.report != "none" && report_writer()) {
    std::filesystem::path prefix = options.report == "auto" ? default_report_prefix(config, summary)
                                                            : std::filesystem::path(options.report);
    report_writer()(prefix, summary, run);
    std::cout << "  wrote " << prefix.string() << ".json\n  wrote " << prefix.string() << ".html\n";
  }
  return exit_code::success;
}

int command_run(const Arguments& arguments, const StageRegistry& registry) {
  auto parsed = parse_config_command(arguments, true, run_help);
  if (!parsed) return exit_code::success;
  bool quiet = parsed->values.count("quiet") != 0;
  Config config = load_config_file(parsed->config_path, parsed->overrides, registry);
  RunOptions options;
  options.threads = parsed->values["threads"].as<unsigned>();
  options.progress = parse_progress_style(parsed->values["progress"].as<std::string>(), quiet);
  options.report = parsed->values["report"].as<std::string>();
  options.resume = parsed->values.count("resume") != 0;
  options.whole_frames = parsed->values.count("whole-frames") != 0;
  return execute_config(config, options, quiet);
}

int command_validate(const Arguments& arguments, const StageRegistry& registry) {
  auto parsed = parse_config_command(arguments, false, validate_help);
  if (!parsed) return exit_code::success;
  Config config = load_config_file(parsed->config_path, parsed->overrides, registry);
  RunInfo run{.config_path = config.source, .resolved_config = config.resolved_yaml};
  Graph graph = build_graph(config, run);
  Log log(std::cerr, false);
  auto sources = prepare_sources(graph, log);
  refuse_outputs_over_inputs(graph, sources);
  std::cout << describe(graph);
  for (const auto& source : sources) {
    std::cout << source.id << ": " << source.frames << " frames to read";
    if (!source.skipped.empty()) std::cout << ", " << source.skipped.size() << " files skipped";
    std::cout << '\n';
  }
  std::cout << parsed->config_path << ": valid\n";
  return exit_code::success;
}

}  // namespace nightstack
