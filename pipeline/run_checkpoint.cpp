// Run identity, default checkpoint location, and the frame records carried in checkpoints.
#include "pipeline/run_checkpoint.hpp"

#include <system_error>

#include "pipeline/sha256.hpp"

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

void save_records(StateWriter& writer, const std::vector<FrameRecord>& records,
                  const std::vector<std::size_t>& indices, std::size_t positions) {
  writer.unsigned_integer(positions);
  for (std::size_t position = 0; position < positions; ++position) {
    const FrameRecord& record = records[indices[position]];
    writer.text(record.path.string());
    writer.numbers(record.statistics.background);
    writer.numbers(record.statistics.noise);
    writer.numbers(record.statistics.mean);
    writer.unsigned_integer(record.statistics.saturated);
  }
}

void load_records(StateReader& reader, std::vector<FrameRecord>& records,
                  const std::vector<std::size_t>& indices, std::size_t positions) {
  if (reader.unsigned_integer() != positions || positions > indices.size())
    reader.fail("holds another number of frame records than frames");
  for (std::size_t position = 0; position < positions; ++position) {
    FrameRecord& record = records[indices[position]];
    if (reader.text() != record.path.string()) reader.fail("lists other frames than this run");
    record.statistics.background = reader.numbers();
    record.statistics.noise = reader.numbers();
    record.statistics.mean = reader.numbers();
    record.statistics.saturated = reader.unsigned_integer();
  }
}

}  // namespace

std::vector<std::size_t> start_pass_checkpoints(Graph& graph, const FramePass& pass,
                                                const std::vector<std::size_t>& indices,
                                                std::vector<FrameRecord>& records,
                                                const RunIdentity& identity, Log& log) {
  std::vector<std::size_t> held;
  for (std::size_t reducer : pass.reducers) {
    auto& stage = dynamic_cast<FrameReducer&>(*graph.nodes[reducer].stage);
    CheckpointRequest request{
        .directory = identity.root / stage.id(),
        .config_hash = identity.config_hash,
        .inputs_hash = identity.inputs_hash,
        .resume = identity.resume,
        // Called in the hand-off, when every record up to `frames` has been filled.
        .save_run_state = [&records, &indices](
                              StateWriter& writer,
                              std::size_t frames) { save_records(writer, records, indices, frames); },
        .load_run_state = [&records, &indices](
                              StateReader& reader,
                              std::size_t frames) { load_records(reader, records, indices, frames); },
    };
    const std::size_t frames = stage.start_checkpoints(request, log);
    if (frames > indices.size())
      throw InputError(identity.root / stage.id(),
                       "checkpoint of stack '" + stage.id() + "' holds " + std::to_string(frames) +
                           " frames, but the run has only " + std::to_string(indices.size()) +
                           "; delete it to start over");
    held.push_back(frames);
  }
  return held;
}

void remove_checkpoints(Graph& graph) {
  for (auto& node : graph.nodes) {
    if (auto* reducer = dynamic_cast<FrameReducer*>(node.stage.get())) reducer->remove_checkpoint();
  }
}

}  // namespace nightstack
