// What a stack records about the frames it combined, beyond its own method: frame count, exposure
// totals, first and last times, instrument keys when all frames agree, the CFA pattern, and a hash
// of the ordered input list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/image.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

class FrameProvenance {
 public:
  // Called once per frame, in index order.
  void add(const FrameInfo& info);
  std::size_t frame_count() const { return frames_; }
  // Writes the cards (NCOMBINE, STACKCNT, EXPTIME, LIVETIME, DATE-OBS, ...) into `provenance`.
  // `values_are_sums`: the stacked values add the frames' light (sum), so EXPTIME is the total
  // exposure; otherwise they are on the scale of one frame (mean, max, ...) and EXPTIME is the mean
  // exposure of one frame. LIVETIME is always the total.
  void record(Provenance& provenance, bool values_are_sums) const;
  // Checkpoints: everything gathered so far.
  void save_state(StateWriter& writer) const;
  void load_state(StateReader& reader);

 private:
  std::size_t frames_ = 0;
  FrameInfo first_, last_;
  std::vector<std::string> paths_;
  double exposure_sum_ = 0;
  std::size_t frames_with_exposure_ = 0;
  std::optional<double> earliest_start_, latest_end_;
  bool times_are_utc_ = true;
  // Instrument keys kept only while every frame agrees.
  struct Agreement {
    std::string value;
    bool agrees = true;
  };
  Agreement instrument_, telescope_, filter_, object_, cfa_pattern_, gain_, iso_, colour_processing_,
      calibration_, black_level_;
};

}  // namespace nightstack
