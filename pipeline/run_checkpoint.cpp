// Run identity, default checkpoint location, and the frame records carried in checkpoints.
#include "pipeline/run_checkpoint.hpp"

#include <algorithm>
#include <system_error>

#include "pipeline/sha256.hpp"
#include "pipeline/state_records.hpp"

namespace nightstack {

std::string inputs_fingerprint(Graph& graph) {
  std::string list;
  for (auto& node : graph.nodes) {
    auto* source = dynamic_cast<FrameSource*>(node.stage.get());
    if (!source) continue;
    list += "source " + source->id() + '\n';
    for (std::size_t index = 0; index < source->frame_count(); ++index) {
      const auto& path = source->frame_path(index);
      std::error_code error;
      const auto size = std::filesystem::file_size(path, error);
      const auto modified = std::filesystem::last_write_time(path, error);
      list += path.string() + '\t' + std::to_string(error ? 0 : size) + '\t' +
              std::to_string(error ? 0 : modified.time_since_epoch().count()) + '\n';
    }
  }
  return sha256_hex(list);
}

std::filesystem::path default_checkpoint_root(const Graph& graph) {
  for (const auto& node : graph.nodes) {
    const auto* sink = dynamic_cast<const ImageSink*>(node.stage.get());
    if (!sink) continue;
    const auto outputs = sink->planned_outputs();
    if (outputs.empty()) continue;
    const auto directory = outputs.front().parent_path();
    return (directory.empty() ? std::filesystem::path(".") : directory) / ".nightstack-checkpoint";
  }
  return ".nightstack-checkpoint";
}

namespace {

// The positions up to and including the frame `last_frame_index` (indices ascend), with the
// records of their frames: measurements, and whether each was used (and why not).
void save_run_state(StateWriter& writer, const std::vector<FrameRecord>& records,
                    const std::vector<std::size_t>& indices, std::size_t last_frame_index) {
  const auto last = std::lower_bound(indices.begin(), indices.end(), last_frame_index);
  const auto positions = static_cast<std::size_t>(last - indices.begin()) + 1;
  writer.unsigned_integer(positions);
  for (std::size_t position = 0; position < positions; ++position)
    save_frame_record(writer, records[indices[position]]);
}

// Returns the number of positions the checkpoint covers.
std::size_t load_run_state(StateReader& reader, std::vector<FrameRecord>& records,
                           const std::vector<std::size_t>& indices) {
  const std::uint64_t positions = reader.unsigned_integer();
  if (positions > indices.size()) reader.fail("holds more frames than this run has");
  for (std::size_t position = 0; position < positions; ++position) {
    FrameRecord& record = records[indices[position]];
    record = load_frame_record(reader, record.path);
  }
  return positions;
}

}  // namespace

std::vector<std::size_t> start_pass_checkpoints(Graph& graph, const FramePass& pass,
                                                const std::vector<std::size_t>& indices,
                                                std::vector<FrameRecord>& records,
                                                const RunIdentity& identity, Log& log) {
  std::vector<std::size_t> held;
  for (std::size_t reducer : pass.reducers) {
    auto& stage = dynamic_cast<FrameReducer&>(*graph.nodes[reducer].stage);
    std::size_t positions = 0;
    CheckpointRequest request{
        .directory = identity.root / stage.id(),
        .config_hash = identity.config_hash,
        .inputs_hash = identity.inputs_hash,
        .resume = identity.resume,
        // Called in the ordered hand-off, when the records of every frame up to this one are filled.
        .save_run_state =
            [&records, &indices](StateWriter& writer, std::size_t last_frame_index) {
              save_run_state(writer, records, indices, last_frame_index);
            },
        .load_run_state = [&records, &indices, &positions](
                              StateReader& reader) { positions = load_run_state(reader, records, indices); },
    };
    held.push_back(stage.start_checkpoints(request, log) ? positions : 0);
  }
  return held;
}

void remove_checkpoints(Graph& graph) {
  for (auto& node : graph.nodes) {
    if (auto* reducer = dynamic_cast<FrameReducer*>(node.stage.get())) reducer->remove_checkpoint();
  }
}

}  // namespace nightstack
