// Matching a frame's stars to a reference frame's: triangles of neighbouring bright stars compared by
// their shape (side ratios, which no shift, rotation or scale changes), each matching triangle a
// candidate similarity scored by how many stars it brings together (RANSAC over every candidate, in a
// fixed order, so the outcome never depends on chance or threads), then a least-squares fit of the
// requested transform to all the stars it paired.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "imaging/geometric_transform.hpp"
#include "imaging/star_detection.hpp"

namespace nightstack {

struct MatchSettings {
  TransformKind kind = TransformKind::similarity;
  std::size_t triangle_stars = 40;  // the brightest stars of each frame that form triangles
  double tolerance = 2.0;           // largest distance of a star from its partner's image, pixels
  std::size_t minimum_matches = 8;  // fewer paired stars than this is no match
  // Largest change of scale between the frames (0.1: 0.9 to 1.1). Frames of one camera and telescope
  // keep their scale, and refusing other scales keeps chance alignments of a few stars out.
  double max_scale_change = 0.1;
};

struct StarMatch {
  // Maps reference pixel coordinates to the frame's (where a reference pixel is found in the frame).
  Eigen::Matrix3d reference_to_frame = Eigen::Matrix3d::Identity();
  std::size_t matched = 0;  // star pairs the final fit used
  double rms = 0;           // their root mean square residual, pixels
};

struct MatchOutcome {
  std::optional<StarMatch> match;
  std::string failure;  // why there is no match, said for a warning
};

MatchOutcome match_stars(const std::vector<Star>& reference, const std::vector<Star>& frame,
                         const MatchSettings& settings);

}  // namespace nightstack
