// Plane transforms between two frames' pixel coordinates, as 3x3 homogeneous matrices, and their
// least-squares fit (Eigen) from matched points: shift, similarity (rotation + scale + shift),
// affine and homography.
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

namespace nightstack {

enum class TransformKind { shift, similarity, affine, homography };

std::optional<TransformKind> parse_transform_kind(const std::string& text);
std::string to_string(TransformKind kind);
// The fewest point pairs that determine a transform of this kind.
std::size_t minimum_points(TransformKind kind);

struct Point {
  double x = 0;
  double y = 0;
};

// x' = (m00 x + m01 y + m02) / (m20 x + m21 y + m22), y' likewise.
Point apply(const Eigen::Matrix3d& matrix, Point point);

// The transform of `kind` that maps each `from` point onto its `to` point with the least squared
// distance (for homography: the normalised direct linear transform, exact for exact data).
// Nothing when there are too few points or they are degenerate (all on one spot, or on a line for
// affine and homography).
std::optional<Eigen::Matrix3d> fit_transform(TransformKind kind, const std::vector<Point>& from,
                                             const std::vector<Point>& to);

// Root mean square distance between apply(matrix, from[i]) and to[i].
double rms_residual(const Eigen::Matrix3d& matrix, const std::vector<Point>& from,
                    const std::vector<Point>& to);

}  // namespace nightstack
