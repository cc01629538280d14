// The streaming runner: decodes each source's frames on every core, runs the per-frame stages in
// the decoding threads, and hands frames to the stacks strictly in index order, so results are
// bit-identical for any thread count and memory holds only the frames in flight.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/graph.hpp"
#include "pipeline/log.hpp"
#include "pipeline/progress.hpp"

namespace nightstack {

struct RunOptions {
  unsigned threads = 0;  // 0: every core
  ProgressStyle progress = ProgressStyle::off;
};

struct SourceSummary {
  std::string id;
  std::size_t frames = 0;
  std::size_t files_skipped = 0;
};

struct RunSummary {
  std::vector<SourceSummary> sources;
  std::vector<std::filesystem::path> outputs;
  unsigned threads = 0;
  double seconds = 0;
};

// Finds every source's inputs (directory listings, first bytes); reads no pixels. run_graph calls
// it too; `validate` calls it alone.
std::vector<SourceSummary> prepare_sources(Graph& graph, Log& log);

RunSummary run_graph(Graph& graph, const RunOptions& options, Log& log, std::ostream& progress_stream);

unsigned resolve_thread_count(unsigned requested);

}  // namespace nightstack
