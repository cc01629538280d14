// One decode pass over a source: worker threads decode frames and run the per-frame stages, then
// hand each frame to the reducers in order through a turn counter (the ordered hand-off).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "pipeline/graph.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

// What a pass over one source runs per frame.
struct FramePass {
  std::size_t source = 0;
  std::vector<std::size_t> transforms;  // in graph order
  std::vector<std::size_t> reducers;
  // For each node, the transform that may take its frame instead of copying it: the last of its
  // frame consumers in graph order, when no reducer also reads it.
  std::vector<std::optional<std::size_t>> mover;
  // Resuming from checkpoints: for each reducer, the positions it already holds (empty: none), and
  // the first position to decode (the smallest of those); earlier positions are not read again.
  std::vector<std::size_t> held;
  std::size_t first_position = 0;
};

FramePass plan_frame_pass(const Graph& graph, std::size_t source);

// Decodes the frames `indices` (in that order) and feeds them to the pass's reducers. Fills the
// records' statistics of frames not measured yet, and adds each stage's seconds of work to
// `node_seconds` (indexed like graph.nodes). Rethrows the error of the lowest failing position.
void run_frame_pass(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                    unsigned threads, Progress& progress, std::vector<FrameRecord>& records,
                    std::vector<double>& node_seconds);

// Decodes the frames and measures them only (for screening before the stacking pass).
void measure_frames(FrameSource& source, unsigned threads, Progress& progress,
                    std::vector<FrameRecord>& records, double& seconds);

}  // namespace nightstack
