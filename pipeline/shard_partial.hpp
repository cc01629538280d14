// Shards of one run (nightstack run --shard I/N, MPI ranks) and their partial files: what a shard
// computed, saved with the identity of its run, and partials merged into the state one process
// would have reached, refusing a missing, duplicate, damaged or foreign partial by name.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/band_stage.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/run_summary.hpp"

namespace nightstack {

// Shard `index` of `count`, counted from 0 (as Slurm's array task ids and MPI ranks are).
struct ShardSpec {
  std::size_t index = 0;
  std::size_t count = 1;
};

// "I/N" with 0 <= I < N; throws UsageError otherwise.
ShardSpec parse_shard(const std::string& text);
std::string to_string(const ShardSpec& shard);

// The positions [first, end) of `positions` that a shard stacks when frames are split by index:
// N nearly equal, consecutive runs.
std::pair<std::size_t, std::size_t> shard_positions(const ShardSpec& shard, std::size_t positions);

// What every partial of one run carries, and a merge checks: the resolved config and the input
// list (the hashes of RunIdentity), and the number of shards.
struct PartialIdentity {
  std::string config_hash;
  std::string inputs_hash;
  std::size_t shard_count = 0;  // 0 in a merge until its first partial says
};

// The state of some shards of a run: per source, the report's records of the frames those shards
// decoded; per stack, either the merged band partial and the frames it holds (frames split by
// index: the banded pass's max, min, sum and mean) or the finished rows of each band (the image
// split into bands of rows: everything else).
class RunPartial {
 public:
  struct SourcePart {
    std::size_t node = 0;
    std::string frame_pass;
    std::vector<FrameRecord> records;  // every frame of the source; only the owned ones are known
    std::vector<bool> owned;           // the records these shards measured
  };
  struct ReducerPart {
    std::size_t node = 0;
    bool by_rows = false;
    // Split by frames:
    StoredShape shape;
    FrameInfo first_info;  // of the first frame that opened: its encoding sets the value map
    std::vector<FrameInfo> frames;
    std::unique_ptr<BandPartial> total;
    // Split by rows: each band's finished image, by band number.
    std::map<std::size_t, Image> bands;
  };

  explicit RunPartial(PartialIdentity identity);
  RunPartial(RunPartial&&) = default;
  RunPartial& operator=(RunPartial&&) = default;

  const PartialIdentity& identity() const { return identity_; }
  // Marks shard `index` as held; `holder` names where it came from in messages.
  void hold(std::size_t index, const std::string& holder);

  std::vector<SourcePart> sources;
  std::vector<ReducerPart> reducers;

  // Written under a temporary name and renamed into place: a shard that fails leaves no partial.
  void save(const std::filesystem::path& path) const;

  // Adds the partial at `path` to this one (a partial of none, of the same graph, to start a merge).
  // The file is checked whole before any of it is used; a file of another config, input list or
  // shard count, or holding a shard already held, is refused naming both files.
  void add(const std::filesystem::path& path, Graph& graph);

  // Throws an InputError naming each shard no partial held, and how to make it.
  void check_complete(const std::string& config_path) const;

  // Hands a complete merge to the graph: each stack split by frames takes its frames and its total;
  // each stack split by rows has its bands joined. Returns the joined images, by node. Fills the
  // sources' records and frame counts into `summaries` (in source order).
  std::map<std::size_t, Image> hand_to_graph(Graph& graph, std::vector<SourceSummary>& summaries);

 private:
  PartialIdentity identity_;
  std::vector<std::string> holders_;  // per shard: the partial that holds it, empty when none does
};

}  // namespace nightstack
