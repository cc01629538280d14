// match_background: brings every frame's background to a reference frame's, per channel, by adding
// the difference of their medians, so that a sky that brightens through the night (twilight, the
// moon rising, light pollution) does not let its brightest frames decide a max stack or bias a
// mean. DeepSkyStacker calls this background calibration. A prepared transform: a first pass
// measures every frame; the reference is the frame of median background, or the one named.
#include <algorithm>
#include <map>
#include <mutex>

#include "pipeline/errors.hpp"
#include "pipeline/frame_statistics.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class MatchBackground : public PreparedTransform {
 public:
  MatchBackground(std::string id, std::optional<std::size_t> reference)
      : PreparedTransform(std::move(id)), reference_(reference) {}

  void observe(const Frame& frame) override {
    const FrameStatistics statistics = measure_frame(frame);
    std::vector<double> levels;
    for (double background : statistics.background) levels.push_back(background * frame.info.white_level);
    std::lock_guard lock(mutex_);
    backgrounds_[frame.info.index] = std::move(levels);
  }

  void conclude(Log& log) override {
    if (backgrounds_.empty()) return;
    if (reference_) {
      if (!backgrounds_.count(*reference_))
        throw UsageError("stage '" + id() + "': reference frame " + std::to_string(*reference_) +
                         " is not among the frames read (" + std::to_string(backgrounds_.size()) +
                         " frames, indices from 0 in ingest order)");
      reference_level_ = backgrounds_.at(*reference_);
    } else {
      // The frame whose mean background over the channels is the (lower) median of all frames.
      std::vector<std::pair<double, std::size_t>> order;
      for (const auto& [index, levels] : backgrounds_) {
        double sum = 0;
        for (double level : levels) sum += level;
        order.emplace_back(sum / static_cast<double>(levels.size()), index);
      }
      std::sort(order.begin(), order.end());
      const std::size_t chosen = order[(order.size() - 1) / 2].second;
      reference_level_ = backgrounds_.at(chosen);
      log.info("stage '" + id() + "': background reference is frame " + std::to_string(chosen));
    }
  }

  Frame transform(Frame frame) const override {
    const auto found = backgrounds_.find(frame.info.index);
    if (found == backgrounds_.end())
      throw InputError(frame.info.path, "was not seen by the first pass (it changed or appeared since)",
                       frame.info.index, id());
    const auto& levels = found->second;
    if (levels.size() != reference_level_.size())
      throw InputError(frame.info.path, "has another number of channels than the reference frame",
                       frame.info.index, id());
    for (int channel = 0; channel < frame.pixels.channels(); ++channel) {
      const auto offset = static_cast<float>(reference_level_[static_cast<std::size_t>(channel)] -
                                             levels[static_cast<std::size_t>(channel)]);
      for (float& value : frame.pixels.plane(channel)) value += offset;
    }
    frame.info.calibration += std::string(frame.info.calibration.empty() ? "" : ", ") + "background matched";
    return frame;
  }

 private:
  std::optional<std::size_t> reference_;
  std::mutex mutex_;
  std::map<std::size_t, std::vector<double>> backgrounds_;  // frame index -> median per channel
  std::vector<double> reference_level_;
};

}  // namespace

StageType match_background_stage_type() {
  StageType type;
  type.name = "match_background";
  type.summary =
      "Shifts every frame's background to a reference frame's, per channel (the difference of their "
      "medians), "
      "so a sky that brightens through the night does not decide a max stack or bias a mean. Measures every "
      "frame in a first pass (one more decoding of each), then applies the shifts in the stacking pass.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "reference",
       .type = ParameterType::integer,
       .minimum = 0,
       .help = "Index (in ingest order, from 0) of the frame whose background the others take. Default: the "
               "frame of median background."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    std::optional<std::size_t> reference;
    if (context.parameters.has("reference"))
      reference = static_cast<std::size_t>(context.parameters.integer("reference"));
    return std::make_unique<MatchBackground>(context.id, reference);
  };
  return type;
}

}  // namespace nightstack
