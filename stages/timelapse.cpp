// timelapse: the video of the trails growing. A running stack of the frames so far (the stack
// stage's own single-pass methods: max, min, sum, mean, or last after a fade), emitted as an image
// every `every` frames and after the last, so the write stages after it produce one numbered image
// per step (trails_0001.jpg, ...) for a video tool; its last image is the stack of all frames. A
// sequence reducer: it emits during the one decode pass and holds one accumulator, never the
// sequence.
#include <algorithm>

#include "pipeline/errors.hpp"
#include "stages/registry.hpp"
#include "stages/stack_methods.hpp"

namespace nightstack {

namespace {

class Timelapse : public ImageSequenceReducer {
 public:
  Timelapse(std::string id, const StackMethodInfo& method, std::size_t every)
      : ImageSequenceReducer(std::move(id)), name_(method.name), every_(every) {
    StackSettings settings;
    settings.stage_id = this->id();
    method_ = method.make(settings);
  }

  void accept(const Frame& frame) override {
    if (frames_ == 0) {
      first_ = frame.info;
      samples_ = frame.pixels.samples().size();
    } else if (samples_ != frame.pixels.samples().size()) {
      throw InputError(frame.info.path, "differs in size from the first frame of the time-lapse",
                       frame.info.index, id());
    }
    method_->add(frame.pixels, frame.info);
    ++frames_;
    if (frames_ % every_ == 0) emit_current();
  }

 protected:
  void finish_sequence() override {
    if (frames_ % every_ != 0) emit_current();
  }

 private:
  void emit_current() {
    Image image{*method_->snapshot(), {}};
    image.provenance.set("STACKMTH", name_, "running stack of the frames so far");
    image.provenance.set("NCOMBINE", static_cast<std::int64_t>(frames_), "frames combined so far");
    method_->record(image.provenance);
    image.provenance.set("TRANSFER", first_.linearization,
                         "curve undone before stacking (none: values as read)");
    emit(std::move(image));
  }

  std::string name_;
  std::size_t every_;
  std::unique_ptr<StackMethod> method_;
  std::size_t frames_ = 0;
  std::size_t samples_ = 0;
  FrameInfo first_;
};

std::vector<std::string> running_methods() {
  std::vector<std::string> names;
  for (const auto& method : stack_methods())
    if (method.kind == StackKind::single_pass) names.push_back(method.name);
  return names;
}

}  // namespace

StageType timelapse_stage_type() {
  StageType type;
  type.name = "timelapse";
  type.summary =
      "The trails growing, as a sequence of images: a running stack of the frames so far (the stack stage's "
      "single-pass methods), emitted every `every` frames and after the last, so N frames give ceil(N / "
      "every) "
      "images and the last equals the stack of all frames. The stages after it run once per image; write "
      "stages name the files with {index} (out/trails_{index}.jpg -> out/trails_0001.jpg, ...), ready for a "
      "video tool (the run prints the ffmpeg command). Give the normalize stage after it hold: first, so "
      "every image gets the same stretch and the video does not flicker.";
  type.input = DataKind::frames;
  type.output = DataKind::images;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("max"),
       .choices = running_methods(),
       .help = "max: star trails growing; mean or sum: a long exposure building up; min; last: each frame as "
               "it comes (after a fade stage: comets moving)."},
      {.name = "every",
       .type = ParameterType::integer,
       .default_value = std::int64_t{1},
       .minimum = 1,
       .help = "Frames per image of the sequence (1: one image per frame)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Timelapse>(context.id, *find_stack_method(context.parameters.text("method")),
                                       static_cast<std::size_t>(context.parameters.integer("every")));
  };
  return type;
}

}  // namespace nightstack
