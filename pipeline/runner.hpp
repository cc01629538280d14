// The streaming runner: decodes each source's frames on every core, runs the per-frame stages in
// the decoding threads, and hands frames to the stacks strictly in index order, so results are
// bit-identical for any thread count and memory holds only the frames in flight.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/graph.hpp"
#include "pipeline/log.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/run_summary.hpp"
#include "pipeline/shard_partial.hpp"

namespace nightstack {

// A file the run writes that no stage plans (the run report), with what to call its writer.
struct ExtraOutput {
  std::filesystem::path path;
  std::string writer;     // "the run report (--report)"
  SourceLocation origin;  // where it was asked for, e.g. {"--report", 0, 0}
};

struct RunOptions {
  unsigned threads = 0;  // 0: every core
  ProgressStyle progress = ProgressStyle::off;
  // Where the run report goes: "auto" (beside the first output, named after the config), "none",
  // or a path prefix (PREFIX.json and PREFIX.html).
  std::string report = "auto";
  // Checkpoints: continue from the stacks' checkpoints (run --resume); the resolved config they
  // must have been made with.
  bool resume = false;
  std::string resolved_config;
  // Diagnostics and benchmarks: decode every frame whole (the pass that stages other than point
  // transforms need) even where the banded pass could run.
  bool whole_frames = false;
  // Files the caller will write after the run (the report), checked with the stages' outputs.
  std::vector<ExtraOutput> extra_outputs;
  // The facts the stages were built with: when set, the runner adds the inputs with their sizes
  // and SHA-256 (RunInfo::inputs) before any output is written, for the run record.
  RunInfo* run_info = nullptr;
  // Make an MP4 of every numbered JPEG/PNG/TIFF sequence written, with ffmpeg when installed (the
  // command is printed either way).
  bool video = false;
  // A shard (run --shard I/N --partial FILE): stacks only its share of the work and saves it as a
  // partial at `partial` instead of running the image stages and writing outputs.
  std::optional<ShardSpec> shard;
  std::filesystem::path partial;
  // A merge (nightstack merge): the partials of every shard, in any order, instead of decoding.
  std::vector<std::filesystem::path> merge_partials;
  std::string config_path;  // for messages
};

// Finds every source's inputs (directory listings, first bytes); reads no pixels. run_graph calls
// it too; `validate` calls it alone.
std::vector<SourceSummary> prepare_sources(Graph& graph, Log& log);

RunSummary run_graph(Graph& graph, const RunOptions& options, Log& log, std::ostream& progress_stream);

unsigned resolve_thread_count(unsigned requested);

}  // namespace nightstack
