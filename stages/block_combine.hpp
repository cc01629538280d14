// The per-pixel work shared by the stacks that need every value of a pixel (median, rejection),
// whatever holds their frames (the float file cache, or the store of stored codes): a row of one
// channel combined pixel by pixel from each frame's value, and the cards those stacks record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline/frame.hpp"
#include "pipeline/image.hpp"
#include "stages/frame_normalization.hpp"
#include "stages/missing_samples.hpp"
#include "stages/pixel_combine.hpp"

namespace nightstack {

// How one channel of one frame enters the combination: value' = multiply * value + add, weighted.
struct FrameTerms {
  double multiply = 1.0, add = 0.0, weight = 1.0;
};

// Where a combined row goes: the result, and the maps the stack keeps (null when it does not).
struct CombineTargets {
  ImageD& stacked;
  ImageD* low_map = nullptr;
  ImageD* high_map = nullptr;
  ImageD* coverage_map = nullptr;
};

struct RowTotals {
  std::uint64_t low = 0, high = 0, blank = 0;
};

// Combines row `row` of channel `channel`: for each column, the valid values `value_of(frame,
// column)` (a double; NaN or infinite when missing) of the frames in order, adjusted by their terms.
// Each pixel depends on its own values alone, so any split of the rows between threads gives the
// same bits.
template <class ValueOf>
RowTotals combine_row(PixelCombiner& combiner, const FrameTerms* terms, std::size_t frames, int width,
                      int channel, int row, const CombineTargets& targets, ValueOf&& value_of) {
  auto values = combiner.values();
  auto weights = combiner.weights();
  RowTotals totals;
  for (int column = 0; column < width; ++column) {
    std::size_t count = 0;
    for (std::size_t frame = 0; frame < frames; ++frame) {
      const double value = value_of(frame, column);
      if (is_missing(value)) continue;
      values[count] = terms[frame].multiply * value + terms[frame].add;
      weights[count] = terms[frame].weight;
      ++count;
    }
    if (count == 0) ++totals.blank;
    if (targets.coverage_map) targets.coverage_map->at(channel, row, column) = static_cast<double>(count);
    const PixelResult result = combiner.combine(count);
    targets.stacked.at(channel, row, column) = result.value;
    totals.low += result.low;
    totals.high += result.high;
    if (targets.low_map) {
      targets.low_map->at(channel, row, column) = result.low;
      targets.high_map->at(channel, row, column) = result.high;
    }
  }
  return totals;
}

// The terms of every frame, channel after channel (frames of a channel together).
std::vector<FrameTerms> frame_terms(const FrameWeighting& weighting, std::size_t frames, int channels);

// The cards of a median or rejection stack: its parameters, normalization, weights and, for the
// rejection methods, the totals rejected out of `values` values.
void record_block_stack(Provenance& provenance, Combine combine, const RejectionSettings& rejection,
                        const FrameWeighting& weighting, std::uint64_t rejected_low,
                        std::uint64_t rejected_high, double values);

// The error of min_max with too few frames, or nothing.
void check_min_max_frames(Combine combine, const RejectionSettings& rejection, std::size_t frames,
                          const std::string& stage_id);

}  // namespace nightstack
