// blend: the landscape from one stack, the sky from another: typically the foreground from a mean
// or median of the frames (sharp, clean, no trails crossing it) and the sky from the star trails
// (max), split by a mask file or a horizon found in the foreground image, with a feathered seam.
// An image combiner: input: [SKY, FOREGROUND], two stacks of the same frames from one decode pass.
#include <cmath>
#include <cstdio>
#include <optional>

#include "imaging/sky_mask.hpp"
#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct BlendSettings {
  std::optional<std::filesystem::path> mask;
  std::string horizon;  // brightness | height
  std::optional<double> horizon_level;
  double horizon_height = 0.3;
  int feather = 20;
};

std::string shape_text(const ImageD& image) {
  return std::to_string(image.width()) + "x" + std::to_string(image.height());
}

class Blend : public ImageCombiner {
 public:
  Blend(std::string id, BlendSettings settings)
      : ImageCombiner(std::move(id)), settings_(std::move(settings)) {}

  Image combine(const std::vector<const Image*>& inputs) const override {
    const Image& sky = *inputs.at(0);
    const Image& foreground = *inputs.at(1);
    if (sky.pixels.width() != foreground.pixels.width() ||
        sky.pixels.height() != foreground.pixels.height() ||
        sky.pixels.channels() != foreground.pixels.channels())
      throw UsageError("stage '" + id() + "': the sky image is " + shape_text(sky.pixels) + " with " +
                       std::to_string(sky.pixels.channels()) + " channels but the foreground image is " +
                       shape_text(foreground.pixels) + " with " +
                       std::to_string(foreground.pixels.channels()) +
                       "; blend two stacks of the same frames");
    const int width = sky.pixels.width(), height = sky.pixels.height();
    Image output{{}, sky.provenance};
    SkyWeights weights;
    if (settings_.mask) {
      weights = read_mask(width, height);
      output.provenance.set("BLENDMSK", settings_.mask->string(), "mask: white = sky, black = foreground");
    } else if (settings_.horizon == "height") {
      weights = horizon_at_height(width, height, settings_.horizon_height);
      output.provenance.set("BLENDHGT", settings_.horizon_height,
                            "foreground: this fraction of rows, bottom");
    } else {
      BrightnessHorizon horizon{settings_.horizon_level, settings_.horizon_height, 0};
      weights = horizon_by_brightness(foreground.pixels, horizon);
      output.provenance.set("BLENDLVL", horizon.level_used, "foreground: darker than this, from the bottom");
    }
    feather(weights, width, height, settings_.feather);
    output.provenance.set("BLENDFTH", static_cast<std::int64_t>(settings_.feather), "feather radius, pixels");
    double sky_share = 0;
    for (double weight : weights) sky_share += weight;
    sky_share /= static_cast<double>(weights.size());
    output.provenance.set("BLENDSKY", sky_share, "share of the image taken from the sky stack");
    if (const HeaderCard* method = foreground.provenance.find("STACKMTH"))
      if (const auto* name = std::get_if<std::string>(&method->value))
        output.provenance.set("FGMETHOD", *name, "stacking method of the foreground");
    output.pixels = blend_by_weights(sky.pixels, foreground.pixels, weights);
    return output;
  }

 private:
  // The mask's luminance over its full scale: 1 (white) sky, 0 (black) foreground.
  SkyWeights read_mask(int width, int height) const {
    const auto& path = *settings_.mask;
    const InputFormat* format = identify_format(path);
    if (!format || !format->make_reader)
      throw InputError(path,
                       "is not an image nightstack can read; a blend mask is an image, white where the "
                       "sky is",
                       std::nullopt, id());
    const Frame mask = format->make_reader(ReadOptions{})->read(path);
    if (mask.pixels.width() != width || mask.pixels.height() != height)
      throw InputError(path,
                       "is " + std::to_string(mask.pixels.width()) + "x" +
                           std::to_string(mask.pixels.height()) + " but the images to blend are " +
                           std::to_string(width) + "x" + std::to_string(height),
                       std::nullopt, id());
    const double white = mask.info.white_level > 0 ? mask.info.white_level : 1.0;
    SkyWeights weights(mask.pixels.plane_size(), 0.0);
    for (int channel = 0; channel < mask.pixels.channels(); ++channel) {
      const auto plane = mask.pixels.plane(channel);
      for (std::size_t i = 0; i < weights.size(); ++i)
        weights[i] += plane[i] / white / mask.pixels.channels();
    }
    for (double& weight : weights) weight = std::isfinite(weight) ? std::clamp(weight, 0.0, 1.0) : 0.0;
    return weights;
  }

  BlendSettings settings_;
};

}  // namespace

StageType blend_stage_type() {
  StageType type;
  type.name = "blend";
  type.summary =
      "Foreground blend: input: [SKY, FOREGROUND], two images of the same size, e.g. a max stack (the "
      "trails) "
      "and a mean or median stack of the same frames (a clean landscape). The sky comes from the first, the "
      "foreground from the second, split by a mask image or a horizon found in the foreground image, and "
      "feathered. Records BLENDMSK / BLENDLVL / BLENDHGT, BLENDFTH and BLENDSKY (the sky's share).";
  type.input = DataKind::image;
  type.output = DataKind::image;
  type.input_roles = {"sky", "foreground"};
  type.parameters = {
      {.name = "mask",
       .type = ParameterType::path,
       .help = "An image of the same size: white where the sky is, black for the foreground, grey blends. "
               "Replaces the horizon search."},
      {.name = "horizon",
       .type = ParameterType::choice,
       .default_value = std::string("brightness"),
       .choices = {"brightness", "height"},
       .help =
           "Without a mask. brightness: in each column, the rows from the bottom up that are darker than "
           "horizon_level in the foreground image (smoothed) are foreground, up to horizon_height at most: "
           "a dark landscape under a brighter sky; height: the bottom horizon_height of the image is "
           "foreground."},
      {.name = "horizon_level",
       .type = ParameterType::number,
       .help = "For horizon: brightness, the level (in the foreground image's values) below which the "
               "landscape lies. Not given: chosen between the dark and bright parts of the image (Otsu's "
               "threshold), recorded as BLENDLVL."},
      {.name = "horizon_height",
       .type = ParameterType::number,
       .default_value = 0.3,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "The fraction of the image height, from the bottom, that is foreground (horizon: height), or "
               "that the foreground may reach at most (horizon: brightness; 1: no limit)."},
      {.name = "feather",
       .type = ParameterType::integer,
       .default_value = std::int64_t{20},
       .minimum = 0,
       .maximum = 10000,
       .help =
           "Softness of the seam: the mask is blurred over about twice this many pixels (0: a hard edge)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const auto& parameters = context.parameters;
    BlendSettings settings;
    if (parameters.has("mask")) {
      settings.mask = parameters.text("mask");
      std::error_code error;
      if (!std::filesystem::is_regular_file(*settings.mask, error))
        throw ParameterError("mask", "mask " + settings.mask->string() + " is not a file");
    }
    settings.horizon = parameters.text("horizon");
    if (parameters.has("horizon_level")) settings.horizon_level = parameters.number("horizon_level");
    settings.horizon_height = parameters.number("horizon_height");
    settings.feather = static_cast<int>(parameters.integer("feather"));
    return std::make_unique<Blend>(context.id, std::move(settings));
  };
  return type;
}

}  // namespace nightstack
