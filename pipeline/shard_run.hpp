// The runner's side of shards: which frames or rows a shard stacks, what it keeps of each pass, its
// partial file, and a merge of partials in place of the passes. Frames are split by index where the
// banded pass runs (its partials merge exactly); otherwise every shard decodes every frame and
// stacks one band of rows of it, so the stacks (median, rejection, float sums in frame order) run
// unchanged on fewer rows.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/band_pass.hpp"
#include "pipeline/frame_pass.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/shard_partial.hpp"

namespace nightstack {

// Refuses graphs a shard cannot split: stacks that emit sequences (a time-lapse).
void check_shardable(const Graph& graph);

// Before a source's pass: records how the shard splits it in `partial` and, split by rows, asks its
// stacks to take their band, cut by the source (pass.row_cut) where nothing needs whole frames.
// Returns the positions of `indices` to decode (a share when split by frames, all of them when
// split by rows).
std::vector<std::size_t> start_shard_pass(Graph& graph, FramePass& pass, const std::optional<BandPlan>& plan,
                                          const std::vector<std::size_t>& indices, const ShardSpec& shard,
                                          RunPartial& partial);

// After it: the records the shard measured and, split by frames, what the banded pass kept.
void keep_shard_pass(const FramePass& pass, const std::optional<BandPlan>& plan, BandPassResult& kept,
                     const std::vector<FrameRecord>& records, RunPartial& partial);

// After every pass: the stacks split by rows finish their band; the partial is saved at `path`.
void finish_shard(Graph& graph, const ShardSpec& shard, RunPartial& partial,
                  const std::filesystem::path& path);

// Merges the partials `files` (any order) for the prepared graph; refuses missing, duplicate,
// damaged and foreign ones. Returns the images of the stacks split by rows (by node) and fills
// the sources' records; the stacks split by frames finish as after a pass.
std::map<std::size_t, Image> merge_partials(Graph& graph, const PartialIdentity& identity,
                                            const std::vector<std::filesystem::path>& files,
                                            const std::string& config_path,
                                            std::vector<SourceSummary>& sources);

}  // namespace nightstack
