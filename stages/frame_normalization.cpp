// Frame statistics by selection, and the normalization and weights derived from them.
#include "stages/frame_normalization.hpp"

#include <cmath>
#include <limits>

#include "pipeline/errors.hpp"
#include "stages/pixel_statistics.hpp"

namespace nightstack {

std::string to_string(FrameNormalization normalization) {
  switch (normalization) {
    case FrameNormalization::none:
      return "none";
    case FrameNormalization::additive:
      return "additive";
    case FrameNormalization::multiplicative:
      return "multiplicative";
    case FrameNormalization::additive_scale:
      return "additive_scale";
  }
  return "?";
}

std::string to_string(FrameWeights weights) {
  switch (weights) {
    case FrameWeights::equal:
      return "equal";
    case FrameWeights::exposure:
      return "exposure";
    case FrameWeights::noise:
      return "noise";
    case FrameWeights::stars:
      return "stars";
    case FrameWeights::fwhm:
      return "fwhm";
  }
  return "?";
}

std::vector<ChannelLevels> measure_channels(const ImageF& frame, std::vector<double>& scratch) {
  std::vector<ChannelLevels> statistics;
  scratch.resize(frame.plane_size());
  for (int channel = 0; channel < frame.channels(); ++channel) {
    std::size_t count = 0;
    for (float value : frame.plane(channel)) {
      if (std::isfinite(value)) scratch[count++] = static_cast<double>(value);
    }
    std::span<double> finite(scratch.data(), count);
    ChannelLevels channel_statistics;
    channel_statistics.location = median_in_place(finite);
    channel_statistics.scale = median_absolute_deviation(finite, channel_statistics.location, finite);
    statistics.push_back(channel_statistics);
  }
  return statistics;
}

FrameWeighting::FrameWeighting(FrameNormalization normalization, FrameWeights weights, std::string stage_id)
    : normalization_(normalization), weights_(weights), stage_id_(std::move(stage_id)) {}

bool FrameWeighting::needs_statistics() const {
  return normalization_ != FrameNormalization::none || weights_ == FrameWeights::noise;
}

const std::vector<ChannelAdjustment>& FrameWeighting::add(const ImageF& pixels, const FrameInfo& info) {
  double frame_weight = 1.0;
  if (weights_ == FrameWeights::exposure) {
    const auto& exposure = info.capture.exposure_seconds;
    if (!exposure || !(*exposure > 0.0)) {
      throw InputError(info.path,
                       exposure ? "its exposure time is not positive, so 'weights: exposure' cannot weigh it"
                                : "has no exposure time (EXPTIME, EXIF ExposureTime), so 'weights: exposure' "
                                  "cannot weigh it; use weights: equal or noise",
                       info.index, stage_id_);
    }
    if (adjustments_.empty()) reference_exposure_ = *exposure;
    frame_weight = *exposure / reference_exposure_;
  }
  if (weights_ == FrameWeights::stars || weights_ == FrameWeights::fwhm) frame_weight = quality_weight(info);
  std::vector<ChannelLevels> statistics(static_cast<std::size_t>(pixels.channels()));
  if (needs_statistics())
    statistics =
        info.whole_frame_levels.empty() ? measure_channels(pixels, scratch_) : info.whole_frame_levels;
  if (adjustments_.empty()) reference_ = statistics;
  std::vector<ChannelAdjustment> frame(statistics.size());
  for (std::size_t channel = 0; channel < statistics.size(); ++channel) {
    frame[channel] =
        adjust(statistics[channel], reference_[channel], frame_weight, info, static_cast<int>(channel));
  }
  adjustments_.push_back(std::move(frame));
  return adjustments_.back();
}

double FrameWeighting::quality_weight(const FrameInfo& info) const {
  const std::string weights = "'weights: " + to_string(weights_) + "'";
  if (!info.quality)
    throw InputError(info.path,
                     "carries no registration quality, so " + weights +
                         " cannot weigh it; place a register stage before this stack (stack --register)",
                     info.index, stage_id_);
  const FrameQuality& quality = *info.quality;
  const double ratio = weights_ == FrameWeights::stars
                           ? quality.stars / quality.reference_stars
                           : quality.reference_weighted_fwhm / quality.weighted_fwhm;
  if (!(std::isfinite(ratio) && ratio > 0.0))
    throw InputError(info.path, "has no stars to measure, so " + weights + " cannot weigh it", info.index,
                     stage_id_);
  return ratio * ratio;
}

ChannelAdjustment FrameWeighting::adjust(const ChannelLevels& statistics, const ChannelLevels& reference,
                                         double frame_weight, const FrameInfo& info, int channel) const {
  auto refuse = [&](const std::string& why) {
    throw InputError(info.path, "channel " + std::to_string(channel) + " " + why, info.index, stage_id_);
  };
  if (needs_statistics() && !std::isfinite(statistics.location)) refuse("has no finite value to measure");
  ChannelAdjustment adjustment;
  switch (normalization_) {
    case FrameNormalization::none:
      break;
    case FrameNormalization::additive:
      adjustment.add = reference.location - statistics.location;
      break;
    case FrameNormalization::multiplicative:
      if (!(statistics.location > 0.0))
        refuse("has a median of " + std::to_string(statistics.location) +
               ", so 'normalize_frames: multiplicative' cannot scale it; use additive");
      adjustment.multiply = reference.location / statistics.location;
      break;
    case FrameNormalization::additive_scale:
      if (!(statistics.scale > 0.0))
        refuse(
            "has a MAD of 0 (most values equal), so 'normalize_frames: additive_scale' cannot scale it; "
            "use additive");
      adjustment.multiply = reference.scale / statistics.scale;
      adjustment.add = reference.location - statistics.location * adjustment.multiply;
      break;
  }
  adjustment.weight = frame_weight;
  if (weights_ == FrameWeights::noise) {
    if (!(statistics.scale > 0.0))
      refuse("has a MAD of 0 (most values equal), so 'weights: noise' cannot weigh it; use weights: equal");
    const double reference_noise = reference.scale;  // the first frame's multiply is 1
    const double noise = adjustment.multiply * statistics.scale;
    adjustment.weight = (reference_noise / noise) * (reference_noise / noise);
  }
  return adjustment;
}

void FrameWeighting::save_state(StateWriter& writer) const {
  writer.unsigned_integer(reference_.size());
  for (const auto& levels : reference_) {
    writer.number(levels.location);
    writer.number(levels.scale);
  }
  writer.number(reference_exposure_);
  writer.unsigned_integer(adjustments_.size());
  for (const auto& frame : adjustments_) {
    writer.unsigned_integer(frame.size());
    for (const auto& adjustment : frame) {
      writer.number(adjustment.multiply);
      writer.number(adjustment.add);
      writer.number(adjustment.weight);
    }
  }
}

void FrameWeighting::load_state(StateReader& reader) {
  reference_.resize(reader.count(2 * sizeof(double)));
  for (auto& levels : reference_) {
    levels.location = reader.number();
    levels.scale = reader.number();
  }
  reference_exposure_ = reader.number();
  adjustments_.resize(reader.count(sizeof(std::uint64_t)));
  for (auto& frame : adjustments_) {
    frame.resize(reader.count(3 * sizeof(double)));
    for (auto& adjustment : frame) {
      adjustment.multiply = reader.number();
      adjustment.add = reader.number();
      adjustment.weight = reader.number();
    }
  }
}

}  // namespace nightstack
