// fade: comet-style trails. Each frame becomes the brighter of itself and the previous result dimmed
// by `decay`, so a moving star leaves a tail that fades behind it; a time-lapse of these frames shows
// comets instead of ever-growing arcs, and a max stack of them keeps the fading tails of the last
// frames. A sequence step: it needs the frames in order and carries the last result from frame to frame.
#include <algorithm>

#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class Fade : public FrameSequenceStep {
 public:
  Fade(std::string id, double decay) : FrameSequenceStep(std::move(id)), decay_(static_cast<float>(decay)) {}

  Frame step(Frame frame) override {
    auto& values = frame.pixels.samples();
    if (!previous_.empty()) {
      if (previous_.size() != values.size())
        throw InputError(frame.info.path, "differs in size from the frame before it", frame.info.index, id());
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::max(values[i], decay_ * previous_[i]);
    }
    previous_.assign(values.begin(), values.end());
    return frame;
  }

 private:
  float decay_;
  std::vector<float> previous_;  // the last frame's result
};

}  // namespace

StageType fade_stage_type() {
  StageType type;
  type.name = "fade";
  type.summary =
      "Comet-style trails: each frame becomes the per-pixel maximum of itself and the previous result times "
      "decay, so moving stars leave tails that fade behind them. Sees the frames in order (after linearize, "
      "so "
      "the decay dims light, not display codes).";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "decay",
       .type = ParameterType::number,
       .default_value = 0.9,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "How much of the previous result survives each frame: 0 keeps only the current frame, 1 never "
               "fades (a running maximum). A tail fades to 1/e after about 1/(1 - decay) frames."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Fade>(context.id, context.parameters.number("decay"));
  };
  return type;
}

}  // namespace nightstack
