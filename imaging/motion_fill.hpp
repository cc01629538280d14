// Gap filling between two frames of star trails: the light of the earlier frame carried along the
// stars' motion, so the gap between two exposures is drawn as the trail it would have been.
#pragma once

#include <cstddef>
#include <vector>

#include "imaging/star_motion.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

struct MotionFillInput {
  const ImageF& earlier;
  const std::vector<float>& earlier_luminance;
  double earlier_level;  // bright above this (luminance)
  const std::vector<float>& later_luminance;
  double later_level;
  AffineMotion motion;  // where a point of the earlier frame is in the later one
  double max_shift;     // longer displacements are not drawn (a fit gone wrong far from its stars)
};

// Every pixel p of the earlier frame that is bright there and no longer bright in `later` (so it
// moved: landscape lights and hot pixels stay bright and are left alone) is drawn along the segment
// from p to where the motion carries it, one sample per pixel step, with its own values per
// channel; each pixel of `later` keeps the brighter of its value and what is drawn over it.
// Returns how many pixels were carried.
std::size_t fill_along_motion(const MotionFillInput& input, ImageF& later);

}  // namespace nightstack
