// gap_fill: continuous star trails across the gaps between exposures. Between each frame and the
// one before it, the stars' motion is measured from the frames themselves (bright spots matched,
// an affine map fitted: the rotation about the pole as the lens draws it) and the earlier frame's
// moving light is drawn along it into the later frame, so a max stack joins the dashes. A
// sequence step: it needs the frames in order and keeps the previous one.
#include <algorithm>
#include <optional>

#include "imaging/motion_fill.hpp"
#include "imaging/star_motion.hpp"
#include "pipeline/errors.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

class GapFill : public FrameSequenceStep {
 public:
  GapFill(std::string id, double threshold, double max_motion)
      : FrameSequenceStep(std::move(id)), threshold_(threshold), max_motion_(max_motion) {}

  Frame step(Frame frame) override {
    const ImageF& pixels = frame.pixels;
    Seen current{pixels, luminance(pixels), 0.0, {}};
    current.level =
        measure_sky_level(current.luminance, pixels.width(), pixels.height()).bright_level(threshold_);
    current.spots = find_star_spots(current.luminance, pixels.width(), pixels.height(), current.level);
    if (previous_) {
      const ImageF& earlier = previous_->pixels;
      if (earlier.width() != pixels.width() || earlier.height() != pixels.height() ||
          earlier.channels() != pixels.channels())
        throw InputError(frame.info.path, "differs in size from the frame before it", frame.info.index, id());
      // A pair that lost half its stars (clouds) keeps the last motion measured: a fixed camera
      // sees the sky turn at the same rate all night. A pair whose stars are there but do not
      // match (frames far apart in time, a motion beyond max_motion) is not filled.
      const std::size_t spots = std::min(previous_->spots.size(), current.spots.size());
      std::optional<AffineMotion> motion;
      if (auto estimate = estimate_star_motion(previous_->spots, current.spots, max_motion_)) {
        motion = last_motion_ = estimate->motion;
        last_spots_ = spots;
      } else if (last_motion_ && 2 * spots < last_spots_) {
        motion = last_motion_;
      }
      if (motion) {
        fill_along_motion({earlier, previous_->luminance, previous_->level, current.luminance, current.level,
                           *motion, max_motion_},
                          frame.pixels);
      }
    }
    previous_ = std::move(current);  // the frame as read: filling from filled frames would smear on
    return frame;
  }

 private:
  struct Seen {
    ImageF pixels;
    std::vector<float> luminance;
    double level = 0;
    std::vector<StarSpot> spots;
  };

  double threshold_;
  double max_motion_;
  std::optional<Seen> previous_;
  std::optional<AffineMotion> last_motion_;
  std::size_t last_spots_ = 0;  // spots of the sparser frame of the pair that measured it
};

}  // namespace

StageType gap_fill_stage_type() {
  StageType type;
  type.name = "gap_fill";
  type.summary =
      "Joins star trails across the gaps between exposures: measures how the stars moved from each frame to "
      "the next (bright spots matched, an affine map fitted) and draws the earlier frame's moving light "
      "along "
      "that motion into the later frame, keeping the brighter value; a max stack after it shows unbroken "
      "trails. Landscape lights and hot pixels, bright in both frames, are not drawn. Sees the frames in "
      "order; put it after linearize (and calibration), before fade and the stack.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "threshold",
       .type = ParameterType::number,
       .default_value = 5.0,
       .minimum = 0.0,
       .help =
           "How bright a pixel must be to be carried: this many robust standard deviations (1.4826 x MAD) "
           "of the frame's luminance above its median. Lower fills fainter stars, but smears noise."},
      {.name = "max_motion",
       .type = ParameterType::number,
       .default_value = 100.0,
       .minimum = 1.0,
       .help = "The largest distance, in pixels, a star may move from one frame to the next (longer gaps are "
               "not filled; raise it for long intervals or long lenses)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<GapFill>(context.id, context.parameters.number("threshold"),
                                     context.parameters.number("max_motion"));
  };
  return type;
}

}  // namespace nightstack
