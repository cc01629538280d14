// The streaming runner: decodes each source's frames on every core, runs the per-frame stages in
// the decoding threads, and hands frames to the stacks strictly in index order, so results are
// bit-identical for any thread count and memory holds only the frames in flight.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/frame_statistics.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/image_statistics.hpp"
#include "pipeline/log.hpp"
#include "pipeline/progress.hpp"

namespace nightstack {

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
};

// One frame a source found: its measurements and whether it went into the stacks.
struct FrameRecord {
  std::filesystem::path path;
  FrameStatistics statistics;  // empty when the frame was never decoded (e.g. a run stopped early)
  bool used = true;
  std::string rejection;  // why it was left out, when not used
  // Set (with used = false) when the frame could not be read or processed and `on_error: skip`
  // left it out; empty for frames rejected as outliers.
  std::string failure;
};

struct SourceSummary {
  std::string id;
  std::size_t frames = 0;  // frames stacked
  std::vector<FrameRecord> records;
  std::vector<SkippedFile> skipped;
  // How the frames were decoded: "bands of 8-bit codes" (or 16-bit codes, 32-bit float) by the
  // banded pass, or "whole frames".
  std::string frame_pass;
  // Frames left out by `on_error: skip` (records with a failure).
  std::size_t failed_frames() const;
};

// Seconds of work per stage, summed over the threads that did it.
struct StageTiming {
  std::string id;
  double seconds = 0;
};

// What one sink wrote, with a small copy of the image it was given, for the run report.
struct OutputRecord {
  std::string stage;
  std::vector<std::filesystem::path> files;
  ImageD preview;
  ImageStatistics statistics;  // of the full image given to the sink
};

struct RunSummary {
  std::vector<SourceSummary> sources;
  std::vector<OutputRecord> outputs;
  std::vector<StageTiming> timings;  // in graph order
  unsigned threads = 0;
  double seconds = 0;
};

// Finds every source's inputs (directory listings, first bytes); reads no pixels. run_graph calls
// it too; `validate` calls it alone.
std::vector<SourceSummary> prepare_sources(Graph& graph, Log& log);

RunSummary run_graph(Graph& graph, const RunOptions& options, Log& log, std::ostream& progress_stream);

unsigned resolve_thread_count(unsigned requested);

}  // namespace nightstack
