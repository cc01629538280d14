// One decode pass over a source: worker threads decode frames and run the per-frame stages, then
// hand each frame to the reducers in order through a turn counter (the ordered hand-off).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "pipeline/errors.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/log.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

// What a pass over one source runs per frame.
struct FramePass {
  std::size_t source = 0;
  std::vector<std::size_t> transforms;  // in graph order, run by the decoding workers in parallel
  // Sequence steps and every frame stage after one, in graph order: run in the ordered hand-off.
  std::vector<std::size_t> ordered_transforms;
  std::vector<std::size_t> prepared;  // the PreparedTransforms among `transforms`
  std::vector<std::size_t> reducers;
  // For each node, the transform that may take its frame instead of copying it: the last of its
  // frame consumers in graph order, when no reducer also reads it.
  std::vector<std::optional<std::size_t>> mover;
  // The source's on_error: with skip, a frame whose decoding, per-frame stages or shape check
  // throws an InputError is left out (warned about in order, recorded in its FrameRecord) instead
  // of stopping the pass. Errors of the reducers themselves always stop it: a stack may already
  // hold part of that frame.
  BadFramePolicy bad_frames = BadFramePolicy::fail;
  // Resuming from checkpoints: for each reducer, the positions it already holds (empty: none), and
  // the first position to decode (the smallest of those); earlier positions are not read again.
  std::vector<std::size_t> held;
  std::size_t first_position = 0;
  // A shard of rows whose source cuts the frames as it reads them (shard_run.hpp): rows of band
  // `band` of `bands` of each frame; the frames at positions [first_whole, end_whole) are read
  // whole and measured for the report, the others only as far as the band's last row.
  struct RowCut {
    std::size_t band = 0;
    std::size_t bands = 1;
    std::size_t first_whole = 0;
    std::size_t end_whole = 0;
  };
  std::optional<RowCut> row_cut;
};

FramePass plan_frame_pass(const Graph& graph, std::size_t source);

// Decodes the frames `indices` (in that order) and feeds them to the pass's reducers. Fills the
// records' statistics of frames not measured yet, and adds each stage's seconds of work to
// `node_seconds` (indexed like graph.nodes). Rethrows the error of the lowest failing position.
// Returns how many frames the reducers took; when frames were given but every one was skipped,
// throws InputError instead.
std::size_t run_frame_pass(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                           unsigned threads, Progress& progress, std::vector<FrameRecord>& records,
                           std::vector<double>& node_seconds, Log& log);

// The first pass of each prepared transform, in graph order: decodes the frames `indices`, runs the
// transforms before it and hands it every frame to observe, then lets it conclude. Frames that fail
// are left to the stacking pass (which applies the policy), unless the policy is fail.
void prepare_transforms(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                        unsigned threads, ProgressStyle progress_style, std::ostream& progress_stream,
                        Log& log);

// Decodes the frames and measures them only (for screening before the stacking pass). With
// `bad_frames` skip, a frame that throws an InputError gets its record's failure set (used = false)
// and the others are still measured; the caller warns about them.
void measure_frames(FrameSource& source, unsigned threads, Progress& progress,
                    std::vector<FrameRecord>& records, double& seconds,
                    BadFramePolicy bad_frames = BadFramePolicy::fail);

// Marks the record of a frame left out by on_error: skip and warns about it, naming file and frame.
void record_skipped_frame(FrameRecord& record, std::size_t index, const InputError& error,
                          const std::string& source_id, Log& log);
void warn_skipped_frame(const FrameRecord& record, std::size_t index, const std::string& source_id, Log& log);

// Within a catch block: the exception being handled, an InputError given the frame index and the
// stage (reader errors name only the file).
std::exception_ptr with_frame_context(std::size_t index, const std::string& stage);

// The InputError in `error`, which on_error: skip may skip; nothing for any other error.
std::optional<InputError> skippable_error(const std::exception_ptr& error);

}  // namespace nightstack
