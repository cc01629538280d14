// Per-frame normalization and weights for stacking: each frame's robust location (median) and scale
// (MAD) per channel, measured exactly once when the frame is accepted, turned into an affine map
// onto the first frame's level and a weight.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/image.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

enum class FrameNormalization { none, additive, multiplicative, additive_scale };
enum class FrameWeights { equal, exposure, noise, stars, fwhm };

std::string to_string(FrameNormalization normalization);
std::string to_string(FrameWeights weights);

// ChannelLevels (pipeline/frame.hpp): exact, by selection over a copy of each plane (no histogram, no
// sampling). A plane without finite values has NaN statistics. `scratch` is reused between calls.
std::vector<ChannelLevels> measure_channels(const ImageF& frame, std::vector<double>& scratch);

// How one channel of one frame enters the stack: value' = multiply * value + add, weighted by weight.
struct ChannelAdjustment {
  double multiply = 1.0;
  double add = 0.0;
  double weight = 1.0;
};

// With L, S the frame's location and scale and L0, S0 the first frame's, per channel:
//   none:            value' = value
//   additive:        value' = value + (L0 - L)
//   multiplicative:  value' = value * (L0 / L)                        (L must be > 0)
//   additive_scale:  value' = value * (S0 / S) + (L0 - L * S0 / S)    (S must be > 0)
// and weights, relative to the first frame (whose weight is 1):
//   equal:     1
//   exposure:  exposure / first frame's exposure (every frame needs a positive exposure time)
//   noise:     (sigma0 / sigma)^2 with sigma = multiply * S, the frame's noise after normalization
//              (inverse variance; the MAD must be > 0). With additive_scale every frame's scaled MAD
//              equals the first frame's, so noise weights are all 1 there by construction.
// and, relative to the frame registration aligned every frame on (FrameInfo::quality, set by register;
// a frame without it is refused), the quality weights:
//   stars:     (stars / reference's stars)^2
//   fwhm:      (reference's weighted FWHM / weighted FWHM)^2
//              = (stars / reference's stars)^2 x (reference's FWHM / FWHM)^2
// A star's peak, and so its signal to noise, goes as 1 / FWHM^2; the star count falls with haze and
// clouds. See docs/registration.md, "Frame weights from quality".
// Problems name the frame (InputError).
class FrameWeighting {
 public:
  FrameWeighting(FrameNormalization normalization, FrameWeights weights, std::string stage_id);

  bool needs_statistics() const;
  // Called once per frame, in index order. Returns the frame's adjustment of each channel.
  const std::vector<ChannelAdjustment>& add(const ImageF& pixels, const FrameInfo& info);

  std::size_t frames() const { return adjustments_.size(); }
  const ChannelAdjustment& adjustment(std::size_t frame, int channel) const {
    return adjustments_[frame][static_cast<std::size_t>(channel)];
  }
  FrameNormalization normalization() const { return normalization_; }
  FrameWeights weights() const { return weights_; }

  // Checkpoints: the reference levels and every frame's adjustments so far.
  void save_state(StateWriter& writer) const;
  void load_state(StateReader& reader);

 private:
  double quality_weight(const FrameInfo& info) const;
  ChannelAdjustment adjust(const ChannelLevels& statistics, const ChannelLevels& reference,
                           double frame_weight, const FrameInfo& info, int channel) const;

  FrameNormalization normalization_;
  FrameWeights weights_;
  std::string stage_id_;
  std::vector<ChannelLevels> reference_;
  double reference_exposure_ = 0.0;
  std::vector<std::vector<ChannelAdjustment>> adjustments_;
  std::vector<double> scratch_;
};

}  // namespace nightstack
