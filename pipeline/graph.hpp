// The stage graph of a config: inputs resolved, kinds matched, cycles refused, stages built.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

struct GraphNode {
  const StageConfig* config = nullptr;
  std::unique_ptr<Stage> stage;
  std::vector<std::size_t> inputs;     // indices into Graph::nodes
  std::vector<std::size_t> consumers;  // indices into Graph::nodes
};

struct Graph {
  // Topologically ordered: every node comes after all of its inputs; ties keep the config's order.
  std::vector<GraphNode> nodes;
};

// Checks the edges (unknown or missing inputs, wrong data kind, cycles, two sinks writing one
// file), then builds every stage through its factory. Throws ConfigError listing every problem.
// `config` must outlive the graph.
Graph build_graph(const Config& config, const RunInfo& run);

// Where in a stage's config `path` is written: the parameter naming it (the one written last when
// several do), else the stage's entry.
SourceLocation location_of_path(const StageConfig& stage, const std::filesystem::path& path);

// A readable listing of the graph for `nightstack validate`: one line per stage with its kind,
// inputs and the parameters that differ from their defaults.
std::string describe(const Graph& graph);

}  // namespace nightstack
