// Partial files of shards: their layout, the identity checks of a merge, and the merged state
// handed to the graph's stacks.
#include "pipeline/shard_partial.hpp"

#include <algorithm>
#include <charconv>

#include "pipeline/band_pass.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/state_records.hpp"

namespace nightstack {

namespace {

constexpr const char* partial_kind = "nightstack partial";
constexpr std::uint64_t partial_version = 1;
constexpr const char* remedy = "run its shard again (nightstack run CONFIG --shard I/N --partial FILE)";

std::size_t parse_count(const std::string& text, const std::string& whole) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw UsageError("--shard " + whole + ": expected I/N, shard I of N counted from 0 (e.g. 0/4 ... 3/4)");
  return value;
}

// Checkpoints have always saved FrameInfo without these two; partials carry them too.
void save_full_frame_info(StateWriter& writer, const FrameInfo& info) {
  save_frame_info(writer, info);
  writer.text(info.calibration);
}

FrameInfo load_full_frame_info(StateReader& reader) {
  FrameInfo info = load_frame_info(reader);
  info.calibration = reader.text();
  return info;
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    throw UsageError("--shard " + text + ": expected I/N, shard I of N counted from 0 (e.g. 0/4 ... 3/4)");
  ShardSpec shard{parse_count(text.substr(0, slash), text), parse_count(text.substr(slash + 1), text)};
  if (shard.count == 0 || shard.index >= shard.count)
    throw UsageError("--shard " + text + ": I must be at least 0 and below N (shards are counted from 0)");
  return shard;
}

std::string to_string(const ShardSpec& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

std::pair<std::size_t, std::size_t> shard_positions(const ShardSpec& shard, std::size_t positions) {
  return {shard.index * positions / shard.count, (shard.index + 1) * positions / shard.count};
}

RunPartial::RunPartial(PartialIdentity identity)
    : identity_(std::move(identity)), holders_(identity_.shard_count) {}

void RunPartial::hold(std::size_t index, const std::string& holder) { holders_.at(index) = holder; }

void RunPartial::save(const std::filesystem::path& path) const {
  StateWriter writer(path, "partial");
  writer.text(partial_kind);
  writer.unsigned_integer(partial_version);
  writer.text(identity_.config_hash);
  writer.text(identity_.inputs_hash);
  writer.unsigned_integer(identity_.shard_count);
  std::vector<std::uint64_t> held;
  for (std::size_t shard = 0; shard < holders_.size(); ++shard)
    if (!holders_[shard].empty()) held.push_back(shard);
  writer.array(std::span<const std::uint64_t>(held));
  writer.unsigned_integer(sources.size());
  for (const SourcePart& source : sources) {
    writer.unsigned_integer(source.node);
    writer.text(source.frame_pass);
    writer.unsigned_integer(source.records.size());
    for (std::size_t index = 0; index < source.records.size(); ++index) {
      writer.unsigned_integer(source.owned[index]);
      if (source.owned[index]) save_frame_record(writer, source.records[index]);
    }
  }
  writer.unsigned_integer(reducers.size());
  for (const ReducerPart& reducer : reducers) {
    writer.unsigned_integer(reducer.node);
    writer.unsigned_integer(reducer.by_rows);
    if (reducer.by_rows) {
      writer.unsigned_integer(reducer.bands.size());
      for (const auto& [band, image] : reducer.bands) {
        writer.unsigned_integer(band);
        save_stacked_image(writer, image);
      }
      continue;
    }
    save_stored_shape(writer, reducer.shape);
    save_full_frame_info(writer, reducer.first_info);
    writer.unsigned_integer(reducer.frames.size());
    for (const FrameInfo& info : reducer.frames) save_full_frame_info(writer, info);
    reducer.total->save(writer);
  }
  writer.commit();
}

void RunPartial::add(const std::filesystem::path& path, Graph& graph) {
  StateReader reader(path, remedy, "partial");
  if (reader.text() != partial_kind || reader.unsigned_integer() != partial_version)
    reader.fail("is not a partial of this version of nightstack run --shard");
  if (reader.text() != identity_.config_hash)
    reader.fail(
        "was computed from another config (the file or a --set value differs); merge with the "
        "config and --set values the shards ran with");
  if (reader.text() != identity_.inputs_hash)
    reader.fail(
        "was computed from another input list (frames added, removed or changed since); merge partials "
        "of the same frames");
  const std::uint64_t shard_count = reader.unsigned_integer();
  if (identity_.shard_count == 0 && shard_count > 0 && shard_count < (std::uint64_t{1} << 20)) {
    identity_.shard_count = shard_count;  // a merge learns it from its first partial
    holders_.resize(shard_count);
  }
  if (shard_count != identity_.shard_count)
    reader.fail("holds a shard of " + std::to_string(shard_count) + " shards, but the others are of " +
                std::to_string(identity_.shard_count) + "; merge partials of one split");
  for (std::uint64_t shard : reader.array<std::uint64_t>()) {
    if (shard >= holders_.size()) reader.fail("holds a shard beyond its shard count");
    if (!holders_[shard].empty())
      reader.fail("holds shard " + to_string(ShardSpec{shard, identity_.shard_count}) + ", as " +
                  holders_[shard] + " does (the same shard given twice); give each shard once");
    holders_[shard] = path.string();
  }

  const bool first = sources.empty() && reducers.empty();
  const std::uint64_t source_count = reader.unsigned_integer();
  if (!first && source_count != sources.size())
    reader.fail("holds other sources than the partials before it");
  if (first) sources.resize(source_count);
  for (SourcePart& source : sources) {
    const std::uint64_t node = reader.unsigned_integer();
    if (node >= graph.nodes.size() || (!first && node != source.node)) reader.fail("holds another graph");
    source.node = node;
    auto* frame_source = dynamic_cast<FrameSource*>(graph.nodes[node].stage.get());
    if (!frame_source) reader.fail("holds another graph");
    source.frame_pass = reader.text();
    const std::uint64_t records = reader.unsigned_integer();
    if (records != frame_source->frame_count()) reader.fail("lists other frames than this run");
    source.records.resize(records);
    source.owned.resize(records, false);
    for (std::size_t index = 0; index < records; ++index) {
      if (reader.unsigned_integer() == 0) continue;
      source.records[index] = load_frame_record(reader, frame_source->frame_path(index));
      source.owned[index] = true;
    }
  }

  const std::uint64_t reducer_count = reader.unsigned_integer();
  if (!first && reducer_count != reducers.size())
    reader.fail("holds other stacks than the partials before it");
  if (first) reducers.resize(reducer_count);
  for (ReducerPart& part : reducers) {
    const std::uint64_t node = reader.unsigned_integer();
    const bool by_rows = reader.unsigned_integer() != 0;
    if (node >= graph.nodes.size() || !dynamic_cast<FrameReducer*>(graph.nodes[node].stage.get()) ||
        (!first && (node != part.node || by_rows != part.by_rows)))
      reader.fail("holds another graph");
    part.node = node;
    part.by_rows = by_rows;
    if (by_rows) {
      const std::uint64_t bands = reader.unsigned_integer();
      for (std::uint64_t band = 0; band < bands; ++band) {
        const std::uint64_t number = reader.unsigned_integer();
        if (number >= identity_.shard_count || part.bands.count(number)) reader.fail("holds a band twice");
        part.bands.emplace(number, load_stacked_image(reader));
      }
      continue;
    }
    const StoredShape shape = load_stored_shape(reader);
    const FrameInfo first_info = load_full_frame_info(reader);
    auto* reducer = dynamic_cast<BandReducer*>(graph.nodes[node].stage.get());
    if (!reducer) reader.fail("holds another graph");
    if (!part.total) {
      // The merge's first partial of this stack: start it as the banded pass would have.
      std::size_t source = node;
      while (!graph.nodes[source].inputs.empty()) source = graph.nodes[source].inputs.front();
      auto chain = point_chain(graph, source, graph.nodes[node].inputs.front());
      if (!chain) reader.fail("holds another graph");
      reducer->start_bands(shape, ValueMap(shape.type, first_info, *chain), 0);
      part.shape = shape;
      part.first_info = first_info;
    } else if (shape != part.shape || first_info.path != part.first_info.path) {
      reader.fail("was computed from other frames than the partials before it");
    }
    const std::uint64_t frames = reader.unsigned_integer();
    for (std::uint64_t frame = 0; frame < frames; ++frame)
      part.frames.push_back(load_full_frame_info(reader));
    std::unique_ptr<BandPartial> partial = reducer->make_partial();
    partial->load(reader);
    if (part.total) {
      part.total->merge(*partial);
    } else {
      part.total = std::move(partial);
    }
  }
  reader.expect_end();
}

void RunPartial::check_complete(const std::string& config_path) const {
  std::string given, missing;
  std::size_t missing_count = 0;
  for (std::size_t shard = 0; shard < holders_.size(); ++shard) {
    if (!holders_[shard].empty()) continue;
    ++missing_count;
    missing += (missing.empty() ? "" : ", ") + to_string(ShardSpec{shard, identity_.shard_count});
  }
  if (missing_count == 0) return;
  throw NightstackError(ErrorKind::input,
                        std::string(missing_count == 1 ? "shard " : "shards ") + missing +
                            " missing: no partial given holds " + (missing_count == 1 ? "it" : "them") +
                            "; run `nightstack run " + config_path +
                            " --shard I/N --partial FILE` for each, then merge again with every partial");
}

std::map<std::size_t, Image> RunPartial::hand_to_graph(Graph& graph, std::vector<SourceSummary>& summaries) {
  std::size_t source_number = 0;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!dynamic_cast<FrameSource*>(graph.nodes[n].stage.get())) continue;
    SourceSummary& summary = summaries.at(source_number++);
    auto part =
        std::find_if(sources.begin(), sources.end(), [n](const SourcePart& s) { return s.node == n; });
    if (part == sources.end()) continue;
    for (std::size_t index = 0; index < part->records.size(); ++index)
      if (part->owned[index]) summary.records[index] = part->records[index];
    summary.frame_pass = part->frame_pass;
    summary.frames = static_cast<std::size_t>(std::count_if(summary.records.begin(), summary.records.end(),
                                                            [](const FrameRecord& r) { return r.used; }));
  }
  std::map<std::size_t, Image> joined;
  for (ReducerPart& part : reducers) {
    auto& stage = dynamic_cast<FrameReducer&>(*graph.nodes[part.node].stage);
    if (part.by_rows) {
      std::vector<Image> bands;
      for (auto& [band, image] : part.bands) bands.push_back(std::move(image));
      part.bands.clear();
      joined.emplace(part.node, stage.join_row_bands(std::move(bands)));
      continue;
    }
    auto& reducer = dynamic_cast<BandReducer&>(stage);
    for (const FrameInfo& info : part.frames) reducer.frame_taken(info);
    part.frames.clear();
    reducer.finish_bands(std::move(part.total));
  }
  return joined;
}

}  // namespace nightstack
