// timelapse: the video of the trails growing. A running max (or mean) of the frames so far, emitted
// as an image every `every` frames and after the last, so the write stages after it produce one
// numbered image per step (trails_0001.jpg, ...) for any video tool to assemble. A sequence
// reducer: it emits during the pass and holds one accumulator, never the sequence.
#include <algorithm>
#include <limits>

#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class Timelapse : public ImageSequenceReducer {
 public:
  Timelapse(std::string id, std::string method, std::size_t every)
      : ImageSequenceReducer(std::move(id)), method_(std::move(method)), every_(every) {}

  void accept(const Frame& frame) override {
    const auto& values = frame.pixels.samples();
    if (frames_ == 0) {
      const double initial = method_ == "max" ? -std::numeric_limits<double>::infinity() : 0.0;
      accumulator_ = ImageD(frame.pixels.width(), frame.pixels.height(), frame.pixels.channels(), initial);
      first_ = frame.info;
    } else if (accumulator_.samples().size() != values.size()) {
      throw InputError(frame.info.path, "differs in size from the first frame of the time-lapse",
                       frame.info.index, id());
    }
    auto& kept = accumulator_.samples();
    if (method_ == "max") {
      for (std::size_t i = 0; i < kept.size(); ++i)
        kept[i] = std::max(kept[i], static_cast<double>(values[i]));
    } else {
      for (std::size_t i = 0; i < kept.size(); ++i) kept[i] += static_cast<double>(values[i]);
    }
    ++frames_;
    if (frames_ % every_ == 0) emit_current();
  }

 protected:
  void finish_sequence() override {
    if (frames_ % every_ != 0) emit_current();
  }

 private:
  void emit_current() {
    Image image{accumulator_, {}};
    if (method_ == "mean")
      for (double& value : image.pixels.samples()) value /= static_cast<double>(frames_);
    image.provenance.set("STACKMTH", method_, "running stack of the frames so far");
    image.provenance.set("NCOMBINE", static_cast<std::int64_t>(frames_), "frames combined so far");
    image.provenance.set("TRANSFER", first_.linearization,
                         "curve undone before stacking (none: values as read)");
    emit(std::move(image));
  }

  std::string method_;
  std::size_t every_;
  std::size_t frames_ = 0;
  ImageD accumulator_;
  FrameInfo first_;
};

}  // namespace

StageType timelapse_stage_type() {
  StageType type;
  type.name = "timelapse";
  type.summary =
      "The trails growing, as a sequence of images: a running max (or mean) of the frames so far, emitted "
      "every "
      "`every` frames and after the last. The stages after it run once per image; write stages name the "
      "files "
      "with {index} (out/trails_{index}.jpg -> out/trails_0001.jpg, ...), ready for a video tool.";
  type.input = DataKind::frames;
  type.output = DataKind::images;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("max"),
       .choices = {"max", "mean"},
       .help = "max: star trails growing; mean: a long exposure building up."},
      {.name = "every",
       .type = ParameterType::integer,
       .default_value = std::int64_t{1},
       .minimum = 1,
       .help = "Frames per image of the sequence (1: one image per frame)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Timelapse>(context.id, context.parameters.text("method"),
                                       static_cast<std::size_t>(context.parameters.integer("every")));
  };
  return type;
}

}  // namespace nightstack
