// Missing samples: a NaN or infinite value (a FITS pixel that was NaN or BLANK, a pixel a master
// left undefined) is missing and takes no part in any stacking method. MissingSamples counts, per
// sample of the stack, the frames in which it was missing: the coverage map and NBLANK come from it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

inline bool is_missing(double value) { return !std::isfinite(value); }
// The same for a float, written so that loops over frames still vectorize: false for NaN and the
// infinities.
inline bool is_valid(float value) { return std::abs(value) <= std::numeric_limits<float>::max(); }

// What a stack reports after result(): how many result samples had no valid value at all (NaN in
// the result, NBLANK in the header) and, when asked for, the number of valid values per sample.
struct Coverage {
  std::uint64_t blank_samples = 0;
  ImageD map;  // empty unless the stack keeps a coverage map
};

// For the single-pass methods. The per-sample counts are allocated at the first missing sample, so
// a stack of complete frames costs one scan per frame and no memory.
class MissingSamples {
 public:
  // Records the next frame (every frame has the first one's size), of whose samples `missing`
  // are missing (counted by the caller, in its own pass over them); only then are they found and
  // counted one by one.
  void add(std::span<const float> samples, std::size_t missing);

  std::size_t frames() const { return frames_; }
  bool any() const { return !missing_.empty(); }
  // Whether the counts fit a stack of `samples` samples (checked after load_state).
  bool fits(std::size_t samples) const { return missing_.empty() || missing_.size() == samples; }
  // The frames in which sample `index` was valid.
  std::uint32_t valid(std::size_t index) const {
    return static_cast<std::uint32_t>(frames_) - (missing_.empty() ? 0 : missing_[index]);
  }
  // The samples valid in no frame; and, with `keep_map`, the valid count of each sample.
  Coverage coverage(int width, int height, int channels, bool keep_map) const;

  void save_state(StateWriter& writer) const;
  void load_state(StateReader& reader);

 private:
  std::size_t frames_ = 0;
  std::vector<std::uint32_t> missing_;  // per sample; empty while no sample was missing
};

}  // namespace nightstack
