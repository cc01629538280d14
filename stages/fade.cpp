// fade: comet-style trails. Older light fades, either by `decay` per frame (each frame becomes the
// brighter of itself and the previous result times decay: an exponential tail) or over
// `trail_length` frames (light j frames old counts 1 - j/trail_length: a tail of that length,
// ending). In linear light, so the tail dims light, not display codes. Each output frame shows the
// comets at that moment: a time-lapse of them shows comets moving, and the stack method `last`
// gives the final one (a max stack would bring back the whole trail). A sequence step: it needs
// the frames in order and carries state from frame to frame.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class Fade : public FrameSequenceStep {
 public:
  using FrameSequenceStep::FrameSequenceStep;

 protected:
  void check_size(const Frame& frame, std::size_t held) const {
    if (held != 0 && held != frame.pixels.samples().size())
      throw InputError(frame.info.path, "differs in size from the frame before it", frame.info.index, id());
  }
};

class ExponentialFade : public Fade {
 public:
  ExponentialFade(std::string id, double decay) : Fade(std::move(id)), decay_(static_cast<float>(decay)) {}

  Frame step(Frame frame) override {
    auto& values = frame.pixels.samples();
    check_size(frame, previous_.size());
    if (!previous_.empty())
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::max(values[i], decay_ * previous_[i]);
    previous_.assign(values.begin(), values.end());
    return frame;
  }

 private:
  float decay_;
  std::vector<float> previous_;  // the last frame's result
};

// Each sample keeps the value that wins it now and that value's age. A value that loses to the
// tapered one is forgotten, even if, dimmer but newer, it would outlast it: on a trail a star
// passes a pixel once, so there the result is exact (tested against the frames held whole).
class LinearFade : public Fade {
 public:
  LinearFade(std::string id, std::int64_t length) : Fade(std::move(id)) {
    for (std::int64_t age = 0; age < length; ++age)
      taper_.push_back(static_cast<float>(1.0 - static_cast<double>(age) / static_cast<double>(length)));
  }

  Frame step(Frame frame) override {
    auto& values = frame.pixels.samples();
    check_size(frame, kept_.size());
    if (kept_.empty()) {
      kept_.assign(values.begin(), values.end());
      ages_.assign(values.size(), 0);
      return frame;
    }
    const auto length = static_cast<std::uint32_t>(taper_.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::uint32_t age = ages_[i] + 1;  // of the kept value, at this frame
      const float tapered = age < length ? kept_[i] * taper_[age] : -std::numeric_limits<float>::infinity();
      if (!(values[i] < tapered)) {
        kept_[i] = values[i];
        ages_[i] = 0;
      } else {
        values[i] = tapered;
        ages_[i] = age;
      }
    }
    return frame;
  }

 private:
  std::vector<float> taper_;  // by age in frames
  std::vector<float> kept_;
  std::vector<std::uint32_t> ages_;
};

}  // namespace

StageType fade_stage_type() {
  StageType type;
  type.name = "fade";
  type.summary =
      "Comet-style trails: older light fades, by decay per frame or over trail_length frames, so moving "
      "stars "
      "leave tails that taper behind them. Each output frame shows the comets at that moment: stack them "
      "with "
      "method: last for the final comets (a max stack would restore the whole trails), or feed a timelapse "
      "(method: last) for the video. Sees the frames in order; put it after linearize, so it dims light, not "
      "display codes.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "decay",
       .type = ParameterType::number,
       .default_value = 0.9,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "How much of the previous result survives each frame: each frame becomes max(frame, decay x "
               "previous result). 0 keeps only the current frame, 1 never fades (a running maximum). A tail "
               "fades to 1/e after about 1/(1 - decay) frames."},
      {.name = "trail_length",
       .type = ParameterType::integer,
       .minimum = 1,
       .help = "Instead of decay: light fades linearly to nothing over this many frames (light j frames old "
               "counts 1 - j/trail_length), so tails have this length and end."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    if (context.parameters.has("trail_length"))
      return std::make_unique<LinearFade>(context.id, context.parameters.integer("trail_length"));
    return std::make_unique<ExponentialFade>(context.id, context.parameters.number("decay"));
  };
  return type;
}

}  // namespace nightstack
