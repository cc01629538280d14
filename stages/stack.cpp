// stack: combines a frame stream into one image with a stacking method, and records what was
// combined (frame count, method, transfer curve) in the image's provenance.
#include <stdexcept>

#include "stages/frame_provenance.hpp"
#include "stages/registry.hpp"
#include "stages/stack_methods.hpp"

namespace nightstack {

namespace {

class Stack : public FrameReducer {
 public:
  Stack(std::string id, const StackMethodInfo& method)
      : FrameReducer(std::move(id)), method_info_(method), method_(method.make()) {}

  void accept(const Frame& frame) override {
    if (frames_ == 0) first_ = frame.info;
    frames_provenance_.add(frame.info);
    method_->add(frame.pixels);
    ++frames_;
  }

  Image finish() override {
    if (frames_ == 0) throw std::logic_error("stack '" + id() + "' finished without frames");
    Image image{method_->result(), {}};
    auto& provenance = image.provenance;
    frames_provenance_.record(provenance, method_info_.name == "sum");
    provenance.set("STACKMTH", method_info_.name, "stacking method");
    provenance.set("TRANSFER", first_.linearization, "curve undone before stacking (none: values as read)");
    provenance.set("INFORMAT", first_.format, "format of the input frames");
    if (first_.encoding == Encoding::linear && first_.white_level == 1.0 && first_.linearization != "none") {
      provenance.set("BUNIT", std::string("full scale"), "1.0 = a saturated pixel of one frame");
    }
    return image;
  }

 private:
  const StackMethodInfo& method_info_;
  std::unique_ptr<StackMethod> method_;
  std::size_t frames_ = 0;
  FrameInfo first_;
  FrameProvenance frames_provenance_;
};

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& method : stack_methods()) names.push_back(method.name);
  return names;
}

std::string method_help() {
  std::string help = "How frames are combined:";
  for (const auto& method : stack_methods()) help += " " + method.name + ": " + method.help + ";";
  help.back() = '.';
  return help;
}

}  // namespace

StageType stack_stage_type() {
  StageType type;
  type.name = "stack";
  type.summary =
      "Combines every frame of its input into one image (double precision), frame by frame: "
      "memory holds the accumulators, never the whole sequence.";
  type.input = DataKind::frames;
  type.output = DataKind::image;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("mean"),
       .choices = method_names(),
       .help = method_help()},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Stack>(context.id, *find_stack_method(context.parameters.text("method")));
  };
  return type;
}

}  // namespace nightstack
