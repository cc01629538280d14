// Inputs are never overwritten: before any pixel is read, a run whose outputs would land on one of
// its own input files (also through a symlink, a hard link or a `..` spelling) is refused, and so is
// an output path that is an existing directory. Every file of the run is in this plan: the sinks'
// images (a sequence's {index} names stand for every number), the stacks' rejection and coverage
// maps, and the run report.
#pragma once

#include <string>
#include <vector>

#include "pipeline/graph.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

// Compares every planned output of the graph's stages, and `extras` (RunOptions), with every file the
// prepared sources found (frames and skipped files alike) by file identity, and the extras with the stages'
// outputs. Throws ConfigError (exit 3) listing each clash with the config location of the output,
// naming both paths.
void refuse_outputs_over_inputs(const Graph& graph, const std::vector<SourceSummary>& sources,
                                const std::vector<ExtraOutput>& extras = {});

}  // namespace nightstack
