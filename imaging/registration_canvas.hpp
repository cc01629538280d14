// The output canvas of a registered stack, in the reference frame's pixel coordinates: the
// reference frame itself, the part every frame covers (intersection), or all of them (union).
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

#include "imaging/warp.hpp"

namespace nightstack {

enum class Crop { reference, intersection, union_of_frames };

std::optional<Crop> parse_crop(const std::string& text);

struct FrameFootprint {
  Eigen::Matrix3d reference_to_frame;
  int width = 0;
  int height = 0;
};

// The canvas for frames seen through their transforms (the reference included). intersection: the
// largest axis-aligned rectangle whose pixel centres every frame covers (empty canvas when there is
// none); union: the bounding box of all frames, at most `largest_side` pixels a side.
Canvas registration_canvas(Crop crop, int reference_width, int reference_height,
                           const std::vector<FrameFootprint>& frames, int largest_side = 65536);

}  // namespace nightstack
