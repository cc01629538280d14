// The runner's side of checkpoints: what identifies a run (its resolved config and its input
// files), where checkpoints go by default, starting them for the reducers of a decode pass, and the
// per-frame records of the report, saved inside every checkpoint so a resumed run reports them all.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/frame_pass.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/log.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

// SHA-256 over every source's frames, in order: path, size and modification time.
std::string inputs_fingerprint(Graph& graph);

// <directory of the first output in graph order>/.nightstack-checkpoint (./ when there is none).
std::filesystem::path default_checkpoint_root(const Graph& graph);

struct RunIdentity {
  std::string config_hash;
  std::string inputs_hash;
  std::filesystem::path root;  // default checkpoint directory
  bool resume = false;
};

// Starts the checkpoints of the pass's reducers (in pass.reducers order) and returns how many of
// the positions in `indices` each already holds. `records` are those of the pass's source; a
// resumed reducer restores the ones of the positions it holds.
std::vector<std::size_t> start_pass_checkpoints(Graph& graph, const FramePass& pass,
                                                const std::vector<std::size_t>& indices,
                                                std::vector<FrameRecord>& records,
                                                const RunIdentity& identity, Log& log);

// After a successful run.
void remove_checkpoints(Graph& graph);

}  // namespace nightstack
