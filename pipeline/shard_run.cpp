// How a shard runs a pass, and a merge in place of the passes.
#include "pipeline/shard_run.hpp"

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

// Whether the source may read only each frame's band: every frame stage of the pass acts on each
// value alone, no stack measures whole frames, and a damaged frame stops the run (a shard that did
// not read the damaged rows could not skip the frame as the others do).
bool source_can_cut(const Graph& graph, const FramePass& pass) {
  if (pass.bad_frames != BadFramePolicy::fail || !pass.ordered_transforms.empty()) return false;
  for (std::size_t transform : pass.transforms)
    if (!dynamic_cast<const PointTransform*>(graph.nodes[transform].stage.get())) return false;
  for (std::size_t reducer : pass.reducers)
    if (dynamic_cast<const FrameReducer&>(*graph.nodes[reducer].stage).needs_whole_frames_in_a_band())
      return false;
  return true;
}

}  // namespace

void check_shardable(const Graph& graph) {
  for (const auto& node : graph.nodes) {
    if (dynamic_cast<const ImageSequenceReducer*>(node.stage.get()))
      throw UsageError("stage '" + node.stage->id() +
                       "' emits a sequence of images as frames arrive, which shards cannot split; run it in "
                       "one process");
    const auto files = node.stage->planned_outputs();
    if (dynamic_cast<const FrameTransform*>(node.stage.get()) && !files.empty())
      throw UsageError("stage '" + node.stage->id() + "' writes " + files.front().string() +
                       " from every frame, which shards cannot split; run it in one process");
  }
}

std::vector<std::size_t> start_shard_pass(Graph& graph, FramePass& pass, const std::optional<BandPlan>& plan,
                                          const std::vector<std::size_t>& indices, const ShardSpec& shard,
                                          RunPartial& partial) {
  const auto& source = dynamic_cast<const FrameSource&>(*graph.nodes[pass.source].stage);
  RunPartial::SourcePart source_part;
  source_part.node = pass.source;
  source_part.records.resize(source.frame_count());
  // Frames outside `indices` (outliers, unreadable when screened) are measured alike by every shard.
  source_part.owned.assign(source.frame_count(), true);
  std::vector<std::size_t> share = indices;
  const auto [first, end] = shard_positions(shard, indices.size());
  const bool cut_at_source = !plan && source_can_cut(graph, pass);
  if (plan) {
    share.assign(indices.begin() + static_cast<std::ptrdiff_t>(first),
                 indices.begin() + static_cast<std::ptrdiff_t>(end));
  } else if (cut_at_source) {
    pass.row_cut = FramePass::RowCut{shard.index, shard.count, first, end};
  }
  if (plan || cut_at_source) {
    for (std::size_t position = 0; position < indices.size(); ++position)
      source_part.owned[indices[position]] = position >= first && position < end;
  }
  partial.sources.push_back(std::move(source_part));
  for (std::size_t reducer : pass.reducers) {
    RunPartial::ReducerPart part;
    part.node = reducer;
    part.by_rows = !plan;
    if (part.by_rows)
      dynamic_cast<FrameReducer&>(*graph.nodes[reducer].stage)
          .take_row_band(shard.index, shard.count, cut_at_source);
    partial.reducers.push_back(std::move(part));
  }
  return share;
}

void keep_shard_pass(const FramePass& pass, const std::optional<BandPlan>& plan, BandPassResult& kept,
                     const std::vector<FrameRecord>& records, RunPartial& partial) {
  auto& source_part = partial.sources.back();
  for (std::size_t index = 0; index < records.size(); ++index)
    if (source_part.owned[index]) source_part.records[index] = records[index];
  source_part.frame_pass = plan ? "bands of " + to_string(plan->shape.type) : "whole frames";
  if (!plan) return;
  const std::size_t first_part = partial.reducers.size() - pass.reducers.size();
  for (std::size_t r = 0; r < pass.reducers.size(); ++r) {
    auto& part = partial.reducers[first_part + r];
    part.shape = plan->shape;
    part.first_info = plan->first_info;
    part.frames = std::move(kept.frames[r]);
    part.total = std::move(kept.totals[r]);
  }
}

void finish_shard(Graph& graph, const ShardSpec& shard, RunPartial& partial,
                  const std::filesystem::path& path) {
  for (auto& part : partial.reducers) {
    if (part.by_rows)
      part.bands.emplace(shard.index, dynamic_cast<FrameReducer&>(*graph.nodes[part.node].stage).finish());
  }
  partial.hold(shard.index, "shard " + to_string(shard));
  partial.save(path);
}

std::map<std::size_t, Image> merge_partials(Graph& graph, const PartialIdentity& identity,
                                            const std::vector<std::filesystem::path>& files,
                                            const std::string& config_path,
                                            std::vector<SourceSummary>& sources) {
  check_shardable(graph);
  RunPartial merged(identity);
  for (const auto& file : files) merged.add(file, graph);
  merged.check_complete(config_path);
  return merged.hand_to_graph(graph, sources);
}

}  // namespace nightstack
