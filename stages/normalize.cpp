// normalize: maps an image's values to a display range, black point to 0 and white point to 1,
// from the brightest value or from robust percentiles (so one hot pixel does not set the stretch).
// Values are not clipped here: writers of integer formats clip, FITS keeps everything.
#include <algorithm>
#include <cmath>
#include <limits>

#include "pipeline/percentile.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct NormalizeSettings {
  std::string method;  // max | percentile | none
  double low = 0.1;
  double high = 99.9;
};

class Normalize : public ImageTransform {
 public:
  Normalize(std::string id, NormalizeSettings settings)
      : ImageTransform(std::move(id)), settings_(settings) {}

  Image transform(const Image& input) const override {
    Image output = input;
    auto& samples = output.pixels.samples();
    double black = 0.0, white = 1.0;
    if (settings_.method == "max") {
      white = finite_maximum(samples);
    } else if (settings_.method == "percentile") {
      // Linked across channels: one black and one white point keep the colour balance.
      auto points = percentiles(samples, {settings_.low, settings_.high});
      black = points[0];
      white = points[1];
    }
    double range = white - black;
    if (!(range > 0) || !std::isfinite(range)) range = 1.0;  // a flat image stays flat, not NaN
    if (settings_.method != "none") {
      for (double& value : samples) value = (value - black) / range;
    }
    auto& provenance = output.provenance;
    provenance.set("NORMMETH", settings_.method, "display normalization");
    if (settings_.method == "percentile") {
      provenance.set("NORMPLO", settings_.low, "percentile mapped to 0");
      provenance.set("NORMPHI", settings_.high, "percentile mapped to 1");
    }
    if (settings_.method != "none") {
      provenance.set("NORMBLK", black, "stack value mapped to 0");
      provenance.set("NORMWHT", black + range, "stack value mapped to 1");
    }
    return output;
  }

 private:
  static double finite_maximum(const std::vector<double>& samples) {
    double maximum = -std::numeric_limits<double>::infinity();
    for (double value : samples) {
      if (std::isfinite(value)) maximum = std::max(maximum, value);
    }
    return std::isfinite(maximum) ? maximum : 1.0;
  }

  NormalizeSettings settings_;
};

}  // namespace

StageType normalize_stage_type() {
  StageType type;
  type.name = "normalize";
  type.summary =
      "Maps an image to the display range 0..1 (black point to 0, white point to 1) before a "
      "16-bit TIFF or JPEG is written; the points used are recorded in the output headers.";
  type.input = DataKind::image;
  type.output = DataKind::image;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("percentile"),
       .choices = {"percentile", "max", "none"},
       .help = "percentile: black point at the 'low' percentile, white point at the 'high' one (all channels "
               "together); max: the brightest value becomes 1, as the classic scripts do; none: unchanged."},
      {.name = "low",
       .type = ParameterType::number,
       .default_value = 0.1,
       .minimum = 0.0,
       .maximum = 100.0,
       .help = "Percentile (0-100) that becomes black, for method: percentile."},
      {.name = "high",
       .type = ParameterType::number,
       .default_value = 99.9,
       .minimum = 0.0,
       .maximum = 100.0,
       .help = "Percentile (0-100) that becomes white, for method: percentile."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    NormalizeSettings settings{context.parameters.text("method"), context.parameters.number("low"),
                               context.parameters.number("high")};
    if (settings.method == "percentile" && !(settings.low < settings.high)) {
      throw ParameterError("high", "high (" + to_string(context.parameters.value("high")) +
                                       ") must be greater than low (" +
                                       to_string(context.parameters.value("low")) + ")");
    }
    return std::make_unique<Normalize>(context.id, settings);
  };
  return type;
}

}  // namespace nightstack
