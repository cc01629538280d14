// The banded frame pass: each worker opens a frame, decodes it a band of rows at a time in its stored
// type, measures the band and adds it to its own partial of every stack while the band is in cache;
// the partials merge at the end. Used when every stage between the source and its stacks is a point
// transform and every stack takes bands; otherwise the whole-frame pass (frame_pass.hpp) runs.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "pipeline/band_stage.hpp"
#include "pipeline/frame_pass.hpp"

namespace nightstack {

struct BandPlan {
  StoredShape shape;     // of the first frame that opens; every frame must match it
  FrameInfo first_info;  // that frame's, as read: its encoding and white level set every value map
  // Per reducer of the pass (same order): the point transforms from the source to its input, in order.
  std::vector<std::vector<const PointTransform*>> chains;
  int band_rows = 16;
};

// The plan when the pass can run band by band: no reducer resuming from a checkpoint, every reducer a
// BandReducer taking the stored type of the first frame that opens, every stage between the source
// and a reducer a PointTransform. Decodes frames of `indices` until one decodes whole, to learn the
// stored shape and type (as the whole-frame pass, the first frame the stacks take sets the shape).
// Whether every reducer of the pass can save and merge its partials (BandReducer::partials_merge).
bool band_partials_merge(Graph& graph, const FramePass& pass);

std::optional<BandPlan> plan_band_pass(Graph& graph, const FramePass& pass,
                                       const std::vector<std::size_t>& indices);

// What a shard keeps of a banded pass instead of handing it to the reducers (pass.reducers order):
// each reducer's merged partial and the info of every frame it took.
struct BandPassResult {
  std::vector<std::unique_ptr<BandPartial>> totals;
  std::vector<std::vector<FrameInfo>> frames;
};

// Runs the pass as planned; the same contract as run_frame_pass (records, node seconds, skip policy,
// errors). With on_error: skip, a frame that fails after some of its bands went into a worker's
// partials contributes nothing: that worker rebuilds its partials from the frames it held before.
// With `kept`, the reducers are started but given neither the frames taken nor the merged partial:
// those go to `kept`.
std::size_t run_band_pass(Graph& graph, const FramePass& pass, const BandPlan& plan,
                          const std::vector<std::size_t>& indices, unsigned threads, Progress& progress,
                          std::vector<FrameRecord>& records, std::vector<double>& node_seconds, Log& log,
                          BandPassResult* kept = nullptr);

// The point transforms from `source` to `node` (a reducer's input), in order, or nothing when
// another kind of stage stands between.
std::optional<std::vector<const PointTransform*>> point_chain(const Graph& graph, std::size_t source,
                                                              std::size_t node);

}  // namespace nightstack
