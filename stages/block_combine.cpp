#include "stages/block_combine.hpp"

#include <sstream>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

std::string parameters_text(Combine combine, const RejectionSettings& rejection) {
  std::ostringstream text;
  if (combine == Combine::median) return "";
  switch (rejection.method) {
    case Rejection::none:
      break;
    case Rejection::sigma_clip:
    case Rejection::mad_clip:
    case Rejection::median_sigma_clip:
    case Rejection::winsorized_sigma_clip:
      text << "sigma_low=" << rejection.sigma_low << " sigma_high=" << rejection.sigma_high
           << " max_iters=" << rejection.max_iters;
      break;
    case Rejection::min_max:
      text << "min_max_count=" << rejection.min_max_count;
      break;
    case Rejection::percentile_clip:
      text << "percentile_low=" << rejection.percentile_low
           << " percentile_high=" << rejection.percentile_high;
      break;
    case Rejection::gesd:
      text << "gesd_alpha=" << rejection.gesd_alpha << " gesd_max_outliers=" << rejection.gesd_max_outliers;
      break;
  }
  return text.str();
}

}  // namespace

std::vector<FrameTerms> frame_terms(const FrameWeighting& weighting, std::size_t frames, int channels) {
  std::vector<FrameTerms> terms(frames * static_cast<std::size_t>(channels));
  for (int channel = 0; channel < channels; ++channel) {
    for (std::size_t frame = 0; frame < frames; ++frame) {
      const ChannelAdjustment& adjustment = weighting.adjustment(frame, channel);
      terms[static_cast<std::size_t>(channel) * frames + frame] = {adjustment.multiply, adjustment.add,
                                                                   adjustment.weight};
    }
  }
  return terms;
}

void record_block_stack(Provenance& provenance, Combine combine, const RejectionSettings& rejection,
                        const FrameWeighting& weighting, std::uint64_t rejected_low,
                        std::uint64_t rejected_high, double values) {
  const std::string parameters = parameters_text(combine, rejection);
  if (!parameters.empty()) provenance.set("STACKPAR", parameters, "parameters of the stacking method");
  if (weighting.normalization() != FrameNormalization::none)
    provenance.set("FRMNORM", to_string(weighting.normalization()), "frames normalized to the first");
  if (combine == Combine::mean && weighting.weights() != FrameWeights::equal)
    provenance.set("WEIGHTS", to_string(weighting.weights()), "frame weights of the mean");
  if (combine == Combine::median) return;
  provenance.set("REJLOW", static_cast<std::int64_t>(rejected_low), "values rejected as too low");
  provenance.set("REJHIGH", static_cast<std::int64_t>(rejected_high), "values rejected as too high");
  provenance.set("REJLOWF", values > 0 ? static_cast<double>(rejected_low) / values : 0.0,
                 "fraction of all values rejected as too low");
  provenance.set("REJHIGHF", values > 0 ? static_cast<double>(rejected_high) / values : 0.0,
                 "fraction of all values rejected as too high");
}

void check_min_max_frames(Combine combine, const RejectionSettings& rejection, std::size_t frames,
                          const std::string& stage_id) {
  if (combine == Combine::mean && rejection.method == Rejection::min_max &&
      2 * static_cast<std::size_t>(rejection.min_max_count) >= frames) {
    throw NightstackError(
        ErrorKind::input,
        "stack '" + stage_id + "': min_max_count " + std::to_string(rejection.min_max_count) +
            " drops that many values at each end of every pixel, but only " + std::to_string(frames) +
            " frames were stacked; lower min_max_count or add frames");
  }
}

}  // namespace nightstack
