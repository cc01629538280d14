// demosaic: turns one-plane CFA frames (calibrated mosaics) into RGB, with gradient-corrected
// interpolation (Malvar-He-Cutler) by default or plain bilinear.
#include "imaging/bayer.hpp"
#include "imaging/demosaic_gradient.hpp"
#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class Demosaic : public FrameTransform {
 public:
  Demosaic(std::string id, std::string algorithm)
      : FrameTransform(std::move(id)), algorithm_(std::move(algorithm)) {}

  Frame transform(Frame frame) const override {
    const auto pattern = BayerPattern::parse(frame.info.cfa_pattern);
    if (!pattern || frame.pixels.channels() != 1)
      throw InputError(
          frame.info.path,
          "is not a CFA mosaic (" + std::to_string(frame.pixels.channels()) +
              " channels, no Bayer pattern); read RAW files with raw_mode: cfa and Bayer FITS with "
              "bayer: cfa, or leave the demosaic stage out for mono and colour frames",
          frame.info.index, id());
    frame.pixels = algorithm_ == "bilinear" ? demosaic_bilinear(frame.pixels, *pattern)
                                            : demosaic_gradient_corrected(frame.pixels, *pattern);
    const std::string name = algorithm_ == "bilinear" ? "bilinear" : "Malvar-He-Cutler gradient-corrected";
    frame.info.colour_processing =
        "demosaic: " + name + " (CFA " + pattern->name() + ")" +
        (frame.info.colour_processing.empty() ? "" : ", from " + frame.info.colour_processing);
    frame.info.cfa_pattern.clear();
    return frame;
  }

 private:
  std::string algorithm_;
};

}  // namespace

StageType demosaic_stage_type() {
  StageType type;
  type.name = "demosaic";
  type.summary =
      "Turns one-plane Bayer mosaics (RAW read with raw_mode: cfa, FITS with bayer: cfa; usually after "
      "calibrate) "
      "into RGB frames. No white balance or colour matrix is applied: values stay linear camera RGB.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "algorithm",
       .type = ParameterType::choice,
       .default_value = std::string("gradient"),
       .choices = {"gradient", "bilinear"},
       .help =
           "gradient: Malvar-He-Cutler gradient-corrected linear interpolation (5x5 filters; sharper edges, "
           "fewer colour fringes than bilinear); bilinear: the mean of the same-colour neighbours."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Demosaic>(context.id, context.parameters.text("algorithm"));
  };
  return type;
}

}  // namespace nightstack
