// `nightstack run` and `nightstack validate`: load a config, check it whole, run or describe it.
#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "pipeline/cli_commands.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/output_protection.hpp"
#include "pipeline/run_record.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const run_help =
    R"(Usage: nightstack run CONFIG [--set ID.PARAM=VALUE]... [--threads N] [--quiet] [--resume]
       nightstack run CONFIG --shard I/N --partial FILE [--set ...]   (one shard of N)
       mpirun -np N nightstack run CONFIG [--set ...]                  (N MPI ranks)

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

With --shard I/N (I counted from 0) the run computes one shard of N and saves
it as a partial file instead of writing outputs; `nightstack merge CONFIG
PARTIAL...` then writes exactly the outputs of one process (docs/cluster.md).

Options)";

const char* const merge_help =
    R"(Usage: nightstack merge CONFIG PARTIAL... [--set ID.PARAM=VALUE]... [--report PREFIX]

Merges the partial files of every shard of CONFIG (made by `nightstack run
CONFIG --shard I/N --partial FILE`, in any order) and writes the outputs, FITS
headers and run report of one process, bit for bit. Give the config and --set
values the shards ran with: a partial of another config, of another input
list, of another number of shards, a damaged one, a shard given twice or a
shard missing is refused, naming the file or the shard (rerun just that shard).

Options)";

const char* const validate_help = R"(Usage: nightstack validate CONFIG [--set ID.PARAM=VALUE]...

Checks CONFIG as `run` would (stage types, parameters, inputs, cycles, data
kinds, output clashes), lists the files each ingest stage would read (it looks
at their first bytes only), and prints the graph. Reads no pixels. Exits 0
when the config can run.

Options)";

enum class CommandKind { validate, run, merge };

po::options_description config_options(CommandKind kind) {
  const bool with_run_options = kind != CommandKind::validate;
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
        "config (e.g. out/startrails-report.html); none: no report");
  }
  if (kind == CommandKind::run) {
    options.add_options()(
        "resume",
        "continue an interrupted run from the checkpoints its stacks saved (stack parameter checkpoint: N); "
        "the output is the same as that of an uninterrupted run. Without checkpoints, starts from the "
        "first frame")(
        "whole-frames",
        "decode every frame whole even where the banded pass could run (to compare the two, or to "
        "measure); the results are the same")(
        "video",
        "make an MP4 of every numbered JPEG/PNG/TIFF sequence written (a time-lapse), with ffmpeg when it "
        "is installed; without this, the ffmpeg command is printed")(
        "shard", po::value<std::string>()->value_name("I/N"),
        "compute only shard I of N (I from 0): frames split by index for max, min, sum "
        "and mean on 8/16-bit frames, the image split into bands of rows otherwise; "
        "needs --partial")(
        "partial", po::value<std::string>()->value_name("FILE"),
        "where the shard's partial goes (written whole or not at all); merge them with nightstack merge");
  }
  return options;
}

struct ParsedConfigCommand {
  po::variables_map values;
  std::string config_path;
  std::vector<Override> overrides;
};

std::optional<ParsedConfigCommand> parse_config_command(const Arguments& arguments, CommandKind kind,
                                                        const char* help_text) {
  auto options = config_options(kind);
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>())("partials", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  if (kind == CommandKind::merge) positional.add("partials", -1);
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

std::string& library_versions() {
  static std::string versions;
  return versions;
}

// Beside the first file of the first sink, named after the config (the quick `stack` command's
// report after that file), known before the run so that the report is in the output plan.
std::filesystem::path default_report_prefix(const Config& config, const Graph& graph) {
  std::optional<std::filesystem::path> first;
  for (const auto& node : graph.nodes) {
    const auto* sink = dynamic_cast<const ImageSink*>(node.stage.get());
    if (!sink) continue;
    if (auto files = sink->planned_outputs(); !files.empty()) {
      first = files.front();
      break;
    }
  }
  const std::filesystem::path directory = first ? first->parent_path() : ".";
  std::string name = std::filesystem::path(config.source).stem().string();
  if (name.empty() || config.source == "nightstack stack") name = first ? first->stem().string() : "stack";
  return (directory.empty() ? std::filesystem::path(".") : directory) / (name + "-report");
}

}  // namespace

void set_report_writer(ReportWriter writer) { report_writer() = std::move(writer); }

void set_library_versions(std::string versions) { library_versions() = std::move(versions); }

int execute_shard(const Config& config, RunOptions options, bool quiet) {
  // A partial left by an earlier run of this shard must not outlive a failure of this one; any other
  // file there (an input named by mistake) is left alone.
  std::error_code no_file;
  if (std::filesystem::exists(options.partial, no_file)) {
    if (!is_state_file(options.partial))
      throw UsageError("--partial " + options.partial.string() +
                       ": a file that is not a partial is there already; name another file");
    std::filesystem::remove(options.partial, no_file);
  }
  options.resolved_config = config.resolved_yaml;
  options.report = "none";
  RunInfo run{.config_path = config.source,
              .resolved_config = config.resolved_yaml,
              .threads = resolve_thread_count(options.threads)};
  Graph graph = build_graph(config, run);
  Log log(std::cerr, quiet);
  RunSummary summary = run_graph(graph, options, log, std::cerr);
  print_summary(summary);
  std::cout << "  shard " << to_string(*options.shard) << ": wrote " << options.partial.string() << '\n';
  return exit_code::success;
}

int execute_config(const Config& config, RunOptions options, bool quiet) {
  options.resolved_config = config.resolved_yaml;
  std::error_code no_directory;
  RunInfo run{.config_path = config.source,
              .resolved_config = config.resolved_yaml,
              .complete_config = config.complete_yaml,
              .directory = std::filesystem::current_path(no_directory).string(),
              .versions = "nightstack " NIGHTSTACK_VERSION "; " +
                          (library_versions().empty() ? "" : library_versions() + "; ") +
                          pipeline_library_versions(),
              .threads = resolve_thread_count(options.threads)};
  options.run_info = &run;
  Graph graph = build_graph(config, run);
  std::optional<std::filesystem::path> report;
  if (options.report != "none" && report_writer()) {
    report = options.report == "auto" ? default_report_prefix(config, graph)
                                      : std::filesystem::path(options.report);
    for (const char* extension : {".json", ".html"})
      options.extra_outputs.push_back(
          {report->string() + extension, "the run report (--report)", SourceLocation{"--report", 0, 0}});
  }
  Log log(std::cerr, quiet);
  RunSummary summary = run_graph(graph, options, log, std::cerr);
  print_summary(summary);
  if (report) {
    report_writer()(*report, summary, run);
    std::cout << "  wrote " << report->string() << ".json\n  wrote " << report->string() << ".html\n";
  }
  return exit_code::success;
}

int command_run(const Arguments& arguments, const StageRegistry& registry) {
  auto parsed = parse_config_command(arguments, CommandKind::run, run_help);
  if (!parsed) return exit_code::success;
  bool quiet = parsed->values.count("quiet") != 0;
  Config config = load_config_file(parsed->config_path, parsed->overrides, registry);
  RunOptions options;
  options.threads = parsed->values["threads"].as<unsigned>();
  options.progress = parse_progress_style(parsed->values["progress"].as<std::string>(), quiet);
  options.report = parsed->values["report"].as<std::string>();
  options.resume = parsed->values.count("resume") != 0;
  options.whole_frames = parsed->values.count("whole-frames") != 0;
  options.video = parsed->values.count("video") != 0;
  options.config_path = parsed->config_path;
  if (parsed->values.count("shard") != parsed->values.count("partial"))
    throw UsageError("--shard and --partial go together: --shard I/N --partial FILE");
  if (parsed->values.count("shard")) {
    options.shard = parse_shard(parsed->values["shard"].as<std::string>());
    options.partial = parsed->values["partial"].as<std::string>();
    if (options.resume)
      throw UsageError("--resume and --shard do not go together: a failed shard is run again");
    return execute_shard(config, options, quiet);
  }
  if (auto mpi = mpi_world(); mpi && mpi->size > 1) {
    if (options.resume)
      throw UsageError("--resume and MPI ranks do not go together: a failed job is run again");
    return execute_mpi(config, options, quiet, *mpi);
  }
  return execute_config(config, options, quiet);
}

int command_merge(const Arguments& arguments, const StageRegistry& registry) {
  auto parsed = parse_config_command(arguments, CommandKind::merge, merge_help);
  if (!parsed) return exit_code::success;
  if (!parsed->values.count("partials"))
    throw UsageError("nightstack merge CONFIG PARTIAL...: give the partial file of every shard");
  const bool quiet = parsed->values.count("quiet") != 0;
  Config config = load_config_file(parsed->config_path, parsed->overrides, registry);
  RunOptions options;
  options.threads = parsed->values["threads"].as<unsigned>();
  options.progress = parse_progress_style(parsed->values["progress"].as<std::string>(), quiet);
  options.report = parsed->values["report"].as<std::string>();
  options.config_path = parsed->config_path;
  for (const auto& file : parsed->values["partials"].as<std::vector<std::string>>())
    options.merge_partials.emplace_back(file);
  return execute_config(config, options, quiet);
}

int command_validate(const Arguments& arguments, const StageRegistry& registry) {
  auto parsed = parse_config_command(arguments, CommandKind::validate, validate_help);
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
