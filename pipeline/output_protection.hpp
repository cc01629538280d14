// Inputs are never overwritten: before any pixel is read, a run whose outputs would land on one of
// its own input files (also through a symlink, a hard link or a `..` spelling) is refused, and so is
// an output path that is an existing directory.
#pragma once

#include <vector>

#include "pipeline/graph.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

// Compares every planned output of the graph's sinks with every file the prepared sources found
// (frames and skipped files alike) by file identity. Throws ConfigError (exit 3) listing each clash
// with the config location of the output, naming both paths.
void refuse_outputs_over_inputs(const Graph& graph, const std::vector<SourceSummary>& sources);

}  // namespace nightstack
