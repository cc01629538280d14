// What happens to every frame of a calibration run, lights and calibration frames alike, before
// masters are subtracted: the FITS PEDESTAL undone, the overscan subtracted, the frame trimmed.
#pragma once

#include <optional>
#include <string>

#include "pipeline/frame.hpp"
#include "stages/overscan.hpp"

namespace nightstack {

struct FramePreparation {
  bool pedestal = false;                // add each FITS frame's PEDESTAL keyword (MaxIm DL's offset)
  std::optional<std::string> overscan;  // a section, or "header" for the frame's BIASSEC
  std::optional<std::string> trim;      // a section, or "header" for the frame's TRIMSEC
  OverscanCombine overscan_combine = OverscanCombine::median;
  OverscanAxis overscan_axis = OverscanAxis::row;

  bool does_anything() const { return pedestal || overscan || trim; }
  // For messages, provenance and the masters' cache key.
  std::string describe() const;
  // Throws InputError naming the frame when a keyword is missing or a section does not fit.
  void apply(Frame& frame, const std::string& stage_id) const;
};

// Checks the syntax of a section parameter (its fit is checked per frame). Throws
// std::invalid_argument saying what is wrong.
void check_section_syntax(const std::string& text);

}  // namespace nightstack
