// Stacking methods behind one interface, and the one table of them. Single-pass methods (max, min,
// sum, mean) keep accumulators (float for max and min, double for sum and mean) and see each frame
// once; the others (median and the means with rejection) need every value of a pixel, so they spill
// frames to a scratch cache and stack it in blocks of rows sized to a memory limit (block_stack.hpp).
// Every method combines only a pixel's valid values (missing_samples.hpp); with none, it is NaN.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/errors.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/image.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/state_file.hpp"
#include "stages/frame_cache.hpp"
#include "stages/frame_normalization.hpp"
#include "stages/missing_samples.hpp"
#include "stages/rejection.hpp"

namespace nightstack {

// What a method needs besides the frames; the stack stage fills it from its parameters.
struct StackSettings {
  std::string stage_id = "stack";  // for messages
  RejectionSettings rejection;     // its `method` is set by the table entry
  FrameNormalization normalization = FrameNormalization::none;
  FrameWeights weights = FrameWeights::equal;
  std::filesystem::path cache_directory;  // empty: default_cache_directory()
  CacheFormat cache_format = CacheFormat::float32;
  std::uint64_t memory_limit = std::uint64_t{1} << 30;
  SourceLocation memory_limit_location;  // where memory_limit was set, for the error when too small
  unsigned threads = 1;                  // threads for the blocks (never 0)
  bool keep_rejection_maps = false;
  bool keep_coverage_map = false;
};

class StackMethod {
 public:
  virtual ~StackMethod() = default;
  // Called once per frame, in index order. The first call fixes the shape; later frames have the
  // same shape (the runner checks).
  virtual void add(const ImageF& pixels, const FrameInfo& info) = 0;
  void add(const ImageF& pixels) { add(pixels, FrameInfo{}); }
  virtual ImageD result() = 0;
  // Where result() reports rows combined, when it works at length (median, rejection); null: nowhere.
  virtual void set_progress(Progress* /*progress*/) {}
  // The result of the frames added so far, leaving the stack as it is (a running stack for a
  // time-lapse); single-pass methods only, others give nothing.
  virtual std::optional<ImageD> snapshot() const { return std::nullopt; }
  // Cards the method adds to the stack's provenance: its parameters, normalization, weights,
  // rejection totals.
  virtual void record(Provenance& /*provenance*/) const {}
  // After result(), with keep_rejection_maps: per pixel, the number of values rejected low and high.
  virtual std::optional<std::pair<ImageD, ImageD>> take_rejection_maps() { return std::nullopt; }
  // After result(): the result samples that had no valid value (NaN in the result) and, with
  // keep_coverage_map, the number of valid values of each sample.
  virtual Coverage take_coverage() = 0;

  // Checkpoints: the complete state after the frames added so far (accumulators, per-frame levels
  // and weights, what is cached), and its restoration into a new method made with the same
  // settings, after which add() carries on bit for bit as if the run had never stopped.
  virtual void save_state(StateWriter& writer) const = 0;
  virtual void load_state(StateReader& reader) = 0;
  // Out-of-core methods, while checkpointing: keep the scratch cache as a named file in `directory`
  // (call before the first add() or load_state()).
  virtual void keep_cache_in(const std::filesystem::path& /*directory*/) {}
};

enum class StackKind {
  single_pass,  // max, min, sum, mean, last: streaming, no cache
  every_value,  // median: cache and blocks, no rejection
  rejection,    // the means with rejection: cache and blocks
};

struct StackMethodInfo {
  std::string name;
  std::string help;
  StackKind kind;
  std::unique_ptr<StackMethod> (*make)(const StackSettings&);
  Rejection rejection = Rejection::none;  // StackKind::rejection: which one
};

// The explicit table: max, min, sum, mean, last, median, sigma_clip, mad_clip, median_sigma_clip,
// winsorized_sigma_clip, min_max, percentile_clip, gesd.
const std::vector<StackMethodInfo>& stack_methods();
const StackMethodInfo* find_stack_method(const std::string& name);

}  // namespace nightstack
