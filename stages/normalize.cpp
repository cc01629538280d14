// normalize: maps an image's values to a display range, black point to 0 and white point to 1,
// from robust percentiles (so one hot pixel does not set the stretch) or the brightest value, linked
// across channels or per channel; then a display curve (linear, asinh, gamma, or Siril's midtones
// autostretch). Every point and parameter used is recorded in the provenance, so a stretch can be
// reproduced. The linear mapping does not clip: writers of integer formats clip, FITS keeps all.
// Given a sequence (a time-lapse), `hold: first` keeps the first image's stretch for every image,
// so the video does not flicker.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/image_statistics.hpp"
#include "stages/registry.hpp"
#include "stages/stretch_curves.hpp"

namespace nightstack {

namespace {

struct NormalizeSettings {
  std::string method;  // percentile | max | fixed | none
  double black = 0.0;  // for fixed
  double white = 1.0;
  bool hold = false;  // the first image's points and curve for every image
  double low = 0.1;
  double high = 99.9;
  bool independent = false;  // channels: independent (each its own points) or linked (one set)
  std::string curve;         // linear | asinh | gamma | mtf
  double asinh_stretch = 10.0;
  double gamma = 2.2;
  double shadows_clipping = default_shadows_clipping;
  double target_background = default_target_background;
};

struct DisplayPoints {
  double black = 0.0;
  double white = 1.0;
};

// Keys of per-channel cards: NORMBLK1, NORMMTF3, ... (FITS keys have at most 8 characters).
std::string channel_key(const std::string& prefix, int channel) {
  std::string key = prefix + std::to_string(channel + 1);
  if (key.size() > 8) throw std::length_error("too many channels for the header key " + key);
  return key;
}

class Normalize : public ImageTransform {
 public:
  Normalize(std::string id, NormalizeSettings settings)
      : ImageTransform(std::move(id)), settings_(std::move(settings)) {}

  Image transform(const Image& input) const override {
    Image output = input;
    ImageD& pixels = output.pixels;
    const std::vector<DisplayPoints> points = held_or_new_points(pixels);
    if (settings_.method != "none") {
      for (int channel = 0; channel < pixels.channels(); ++channel) {
        const double black = points[channel].black, range = points[channel].white - black;
        for (double& value : pixels.plane(channel)) value = (value - black) / range;
      }
    }
    record_points(output.provenance, points, pixels.channels());
    apply_curve(pixels, output.provenance);
    return output;
  }

 private:
  std::vector<DisplayPoints> held_or_new_points(const ImageD& pixels) const {
    if (!settings_.hold) return display_points(pixels);
    std::lock_guard lock(held_mutex_);
    if (!held_points_) held_points_ = display_points(pixels);
    return *held_points_;
  }

  // One pair of points per channel: the same pair for all when linked (keeps the colour balance).
  std::vector<DisplayPoints> display_points(const ImageD& pixels) const {
    if (!settings_.independent) {
      return std::vector<DisplayPoints>(pixels.channels(), points_of(pixels.samples()));
    }
    std::vector<DisplayPoints> points;
    for (int channel = 0; channel < pixels.channels(); ++channel)
      points.push_back(points_of(pixels.plane(channel)));
    return points;
  }

  DisplayPoints points_of(std::span<const double> samples) const {
    DisplayPoints points;
    if (settings_.method == "fixed") {
      points = {settings_.black, settings_.white};
    } else if (settings_.method == "max") {
      points.white = finite_maximum(samples);
    } else if (settings_.method == "percentile") {
      const auto values = finite_percentiles(samples, {settings_.low, settings_.high});
      if (std::isfinite(values[0]) && std::isfinite(values[1])) points = {values[0], values[1]};
    }
    const double range = points.white - points.black;
    if (!(range > 0) || !std::isfinite(range)) points.white = points.black + 1.0;  // a flat image stays flat
    return points;
  }

  static double finite_maximum(std::span<const double> samples) {
    double maximum = -std::numeric_limits<double>::infinity();
    for (double value : samples) {
      if (std::isfinite(value)) maximum = std::max(maximum, value);
    }
    return std::isfinite(maximum) ? maximum : 1.0;
  }

  void record_points(Provenance& provenance, const std::vector<DisplayPoints>& points, int channels) const {
    provenance.set("NORMMETH", settings_.method, "display normalization");
    if (settings_.method == "percentile") {
      provenance.set("NORMPLO", settings_.low, "percentile mapped to 0");
      provenance.set("NORMPHI", settings_.high, "percentile mapped to 1");
    }
    provenance.set("NORMCHAN", settings_.independent ? "independent" : "linked",
                   "channels' black/white points");
    if (settings_.hold) provenance.set("NORMHOLD", "first", "stretch of the sequence's first image kept");
    if (settings_.method == "none" || points.empty()) return;
    if (!settings_.independent) {
      provenance.set("NORMBLK", points[0].black, "stack value mapped to 0");
      provenance.set("NORMWHT", points[0].white, "stack value mapped to 1");
      return;
    }
    for (int channel = 0; channel < channels; ++channel) {
      const std::string which = "channel " + std::to_string(channel + 1);
      provenance.set(channel_key("NORMBLK", channel), points[channel].black,
                     which + " stack value mapped to 0");
      provenance.set(channel_key("NORMWHT", channel), points[channel].white,
                     which + " stack value mapped to 1");
    }
  }

  void apply_curve(ImageD& pixels, Provenance& provenance) const {
    provenance.set("NORMCURV", settings_.curve, "display curve after the black/white points");
    if (settings_.curve == "asinh") {
      const double beta = settings_.asinh_stretch;
      for (double& value : pixels.samples()) value = asinh_stretch(value, beta);
      provenance.set("NORMBETA", beta, "asinh stretch: y = asinh(beta x) / asinh(beta)");
    } else if (settings_.curve == "gamma") {
      const double gamma = settings_.gamma;
      for (double& value : pixels.samples()) value = gamma_stretch(value, gamma);
      provenance.set("NORMGAMM", gamma, "gamma stretch: y = x^(1/gamma)");
    } else if (settings_.curve == "mtf") {
      apply_midtones(pixels, provenance);
    }
  }

  // Siril-style autostretch: shadows and midtones from each channel's median and MAD.
  void apply_midtones(ImageD& pixels, Provenance& provenance) const {
    std::vector<MidtonesStretch> stretches;
    if (settings_.hold) {
      std::lock_guard lock(held_mutex_);
      if (!held_stretches_) held_stretches_ = midtones_stretches(pixels);
      stretches = *held_stretches_;
    } else {
      stretches = midtones_stretches(pixels);
    }
    for (int channel = 0; channel < pixels.channels(); ++channel)
      for (double& value : pixels.plane(channel))
        value = apply_midtones_stretch(stretches[static_cast<std::size_t>(channel)], value);
    record_midtones(stretches, provenance);
  }

  std::vector<MidtonesStretch> midtones_stretches(const ImageD& pixels) const {
    std::vector<double> medians, mads;
    for (int channel = 0; channel < pixels.channels(); ++channel) {
      const MedianAndMad location = median_and_mad(pixels.plane(channel));
      medians.push_back(location.median);
      mads.push_back(location.mad);
    }
    std::vector<MidtonesStretch> stretches;
    for (int channel = 0; channel < pixels.channels(); ++channel) {
      if (settings_.independent) {
        stretches.push_back(auto_midtones_stretch({medians[channel]}, {mads[channel]},
                                                  settings_.shadows_clipping, settings_.target_background));
      } else if (channel == 0) {
        stretches.push_back(
            auto_midtones_stretch(medians, mads, settings_.shadows_clipping, settings_.target_background));
      } else {
        stretches.push_back(stretches.front());
      }
    }
    return stretches;
  }

  void record_midtones(const std::vector<MidtonesStretch>& stretches, Provenance& provenance) const {
    provenance.set("NORMSCLP", settings_.shadows_clipping, "mtf shadows: median - NORMSCLP*1.4826*MAD");
    provenance.set("NORMTBG", settings_.target_background, "mtf target for the background median");
    const std::string formula = "; y = MTF(m, (x - s) / (1 - s))";
    if (!settings_.independent && !stretches.empty()) {
      provenance.set("NORMSHD", stretches[0].shadows, "mtf shadows s" + formula);
      provenance.set("NORMMTF", stretches[0].midtones, "mtf midtones m" + formula);
      return;
    }
    for (int channel = 0; channel < static_cast<int>(stretches.size()); ++channel) {
      const std::string which = "channel " + std::to_string(channel + 1) + " mtf ";
      provenance.set(channel_key("NORMSHD", channel), stretches[channel].shadows, which + "shadows s");
      provenance.set(channel_key("NORMMTF", channel), stretches[channel].midtones, which + "midtones m");
    }
  }

  NormalizeSettings settings_;
  // With hold: what the first image set. transform() is const and may run on one image at a time
  // from any thread, hence the lock.
  mutable std::mutex held_mutex_;
  mutable std::optional<std::vector<DisplayPoints>> held_points_;
  mutable std::optional<std::vector<MidtonesStretch>> held_stretches_;
};

void require_positive(const StageContext& context, const std::string& name) {
  if (!(context.parameters.number(name) > 0)) {
    throw ParameterError(
        name, name + " (" + to_string(context.parameters.value(name)) + ") must be greater than 0");
  }
}

}  // namespace

StageType normalize_stage_type() {
  StageType type;
  type.name = "normalize";
  type.summary =
      "Maps an image to the display range 0..1 (black point to 0, white point to 1), then applies a "
      "display curve, before a 16-bit TIFF or JPEG is written; every point and curve parameter used is "
      "recorded in the output headers (NORMMETH, NORMCHAN, NORMBLK/NORMWHT or NORMBLKn/NORMWHTn per "
      "channel, NORMCURV, NORMBETA, NORMGAMM, NORMSCLP, NORMTBG, NORMSHD/NORMMTF or NORMSHDn/NORMMTFn). "
      "The write stage sRGB-encodes TIFF and JPEG on top of this unless it is given 'encoding: linear', "
      "which is what asinh and mtf stretches are usually written with.";
  type.input = DataKind::image;
  type.output = DataKind::image;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("percentile"),
       .choices = {"percentile", "max", "fixed", "none"},
       .help =
           "percentile: black point at the 'low' percentile, white point at the 'high' one (exact, numpy's "
           "linear interpolation); max: the brightest value becomes 1, as the classic scripts do; fixed: the "
           "given 'black' and 'white' values (e.g. NORMBLK and NORMWHT of an earlier run); none: values are "
           "taken as they are."},
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
      {.name = "black",
       .type = ParameterType::number,
       .default_value = 0.0,
       .help = "The stack value that becomes black, for method: fixed."},
      {.name = "white",
       .type = ParameterType::number,
       .default_value = 1.0,
       .help = "The stack value that becomes white, for method: fixed (greater than black)."},
      {.name = "hold",
       .type = ParameterType::choice,
       .default_value = std::string("each"),
       .choices = {"each", "first"},
       .help = "For a sequence of images (a time-lapse): each: every image its own black/white points and "
               "curve; first: those of the first image kept for all the others, so a video does not flicker "
               "(in a growing max stack later images are brighter and may clip where the first was dark)."},
      {.name = "channels",
       .type = ParameterType::choice,
       .default_value = std::string("linked"),
       .choices = {"linked", "independent"},
       .help = "linked: one black and white point (and one mtf stretch) from all channels together, keeping "
               "the colour balance; independent: each channel its own, which neutralises a colour cast of "
               "the background."},
      {.name = "curve",
       .type = ParameterType::choice,
       .default_value = std::string("linear"),
       .choices = {"linear", "asinh", "gamma", "mtf"},
       .help = "Applied to x, the value after the black/white points. linear: y = x; asinh: y = asinh(b x) / "
               "asinh(b) with b = asinh_stretch; gamma: y = x^(1/gamma); mtf: Siril's autostretch, y = "
               "MTF(m, (x - s) / (1 - s)) clipped to 0..1 with MTF(m, x) = ((m - 1) x) / ((2m - 1) x - m), "
               "shadows s = median - shadows_clipping * 1.4826 * MAD (at least 0) and m chosen so the "
               "median lands on target_background (linked channels average median and s over the channels)."},
      {.name = "asinh_stretch",
       .type = ParameterType::number,
       .default_value = 10.0,
       .minimum = 0.0,
       .help =
           "b of curve: asinh, greater than 0; larger values lift faint parts more (near 0 it is linear)."},
      {.name = "gamma",
       .type = ParameterType::number,
       .default_value = 2.2,
       .minimum = 0.0,
       .help = "gamma of curve: gamma, greater than 0; y = x^(1/gamma), so values above 1 brighten."},
      {.name = "shadows_clipping",
       .type = ParameterType::number,
       .default_value = default_shadows_clipping,
       .minimum = 0.0,
       .maximum = 100.0,
       .help = "For curve: mtf, how far below the median the shadows clip, in robust sigmas (1.4826 * MAD); "
               "Siril's autostretch uses 2.8."},
      {.name = "target_background",
       .type = ParameterType::number,
       .default_value = default_target_background,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "For curve: mtf, where the background median lands (between 0 and 1, exclusive); Siril's "
               "autostretch uses 0.25."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const Parameters& parameters = context.parameters;
    NormalizeSettings settings{.method = parameters.text("method"),
                               .black = parameters.number("black"),
                               .white = parameters.number("white"),
                               .hold = parameters.text("hold") == "first",
                               .low = parameters.number("low"),
                               .high = parameters.number("high"),
                               .independent = parameters.text("channels") == "independent",
                               .curve = parameters.text("curve"),
                               .asinh_stretch = parameters.number("asinh_stretch"),
                               .gamma = parameters.number("gamma"),
                               .shadows_clipping = parameters.number("shadows_clipping"),
                               .target_background = parameters.number("target_background")};
    if (settings.method == "percentile" && !(settings.low < settings.high)) {
      throw ParameterError("high", "high (" + to_string(parameters.value("high")) +
                                       ") must be greater than low (" + to_string(parameters.value("low")) +
                                       ")");
    }
    if (settings.method == "fixed" && !(settings.black < settings.white)) {
      throw ParameterError("white", "white (" + to_string(parameters.value("white")) +
                                        ") must be greater than black (" +
                                        to_string(parameters.value("black")) + ")");
    }
    require_positive(context, "asinh_stretch");
    require_positive(context, "gamma");
    if (!(settings.target_background > 0 && settings.target_background < 1)) {
      throw ParameterError("target_background", "target_background (" +
                                                    to_string(parameters.value("target_background")) +
                                                    ") must lie strictly between 0 and 1");
    }
    return std::make_unique<Normalize>(context.id, std::move(settings));
  };
  return type;
}

}  // namespace nightstack
