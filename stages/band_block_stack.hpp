// median and the means with rejection on frames that arrive as bands of stored samples: each frame is
// kept as stored (a JPEG's 8-bit code is one byte) in a FrameStore slot, its position in the pass, in
// memory whenever the whole store, the result and the maps fit memory_limit and in a nameless scratch
// file otherwise. When the pass ends the frames are taken in index order, each value is the value map's
// value of its code (float frames are mapped as they are stored), and the pixels are combined as the
// whole-frame block stack combines them: the same values in the same order, so the same bits.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "pipeline/band_stage.hpp"
#include "pipeline/image.hpp"
#include "stages/block_combine.hpp"
#include "stages/frame_normalization.hpp"
#include "stages/frame_store.hpp"
#include "stages/lane_sort.hpp"
#include "stages/missing_samples.hpp"
#include "stages/pixel_combine.hpp"
#include "stages/stack_methods.hpp"

namespace nightstack {

class BandBlockStack {
 public:
  BandBlockStack(const StackSettings& settings, Combine combine, Rejection rejection);

  // The shape and value map every frame shares, and the most frames the pass may give. Chooses where
  // the frames are kept; refuses (ConfigError at memory_limit) a limit too small for one row.
  void start(const StoredShape& shape, const ValueMap& map, std::size_t frames);
  std::unique_ptr<BandPartial> make_partial() const;
  // The stack of every frame in `total` (the merged partials), combined in index order.
  // Rows combined go to `progress` when given.
  ImageD result(const BandPartial& total, Progress* progress = nullptr);

  StorePlace place() const { return store_->place(); }
  // "8-bit codes in memory (1.4 GiB)": how the frames were kept, for the log.
  std::string kept_as() const;
  void record(Provenance& provenance) const;
  std::optional<std::pair<ImageD, ImageD>> take_rejection_maps();
  Coverage take_coverage() { return std::move(coverage_); }

 private:
  struct TakenFrame {
    std::size_t slot;
    FrameInfo info;
  };
  class Partial;

  std::vector<TakenFrame> frames_in_order(const BandPartial& total) const;
  void weigh(const std::vector<TakenFrame>& frames);
  template <class Sample>
  void combine_rows(const std::vector<TakenFrame>& frames, ImageD& stacked, Progress* progress);

  // The fast path: 8- and 16-bit codes whose frames all enter unchanged (no normalization, equal
  // weights) stacked by median or sigma_clip. A pixel's values are then the table's values of its
  // codes; the codes of many samples are sorted at once (lane_sort.hpp) and the sorted values
  // clipped as a range, with the same arithmetic, so the same bits, as the general path.
  bool sorts_codes(const std::vector<FrameTerms>& terms) const;
  struct LaneScratch {
    std::vector<std::uint8_t> codes8;    // frames x lanes
    std::vector<std::uint16_t> codes16;  // frames x lanes
    std::vector<double> values;          // one sample's sorted values
  };
  template <class Sample>
  RowTotals combine_sorted_codes(const std::vector<const Sample*>& row_starts, int row,
                                 const CombineTargets& targets, LaneScratch& scratch) const;

  StackSettings settings_;
  Combine combine_;
  FrameWeighting weighting_;
  StoredShape shape_;
  std::optional<ValueMap> map_;
  std::vector<double> table_;  // the map's table in double, for the fast path
  std::optional<SortingNetwork> network_;
  std::unique_ptr<FrameStore> store_;
  std::uint64_t rows_per_block_ = 0;
  std::size_t frames_ = 0;
  std::uint64_t rejected_low_ = 0, rejected_high_ = 0;
  ImageD low_map_, high_map_;
  Coverage coverage_;
};

}  // namespace nightstack
