// Least-squares fits of plane transforms. Points are centred (and, for the homography, scaled as
// Hartley recommends) before solving, so frames of thousands of pixels keep the normal equations
// well conditioned.
#include "imaging/geometric_transform.hpp"

#include <cmath>

namespace nightstack {

namespace {

// The translation and scale that move points to their centroid with a mean distance of sqrt(2).
Eigen::Matrix3d normalisation(const std::vector<Point>& points) {
  double cx = 0, cy = 0;
  for (const Point& p : points) {
    cx += p.x;
    cy += p.y;
  }
  cx /= static_cast<double>(points.size());
  cy /= static_cast<double>(points.size());
  double distance = 0;
  for (const Point& p : points) distance += std::hypot(p.x - cx, p.y - cy);
  distance /= static_cast<double>(points.size());
  const double scale = distance > 0 ? std::sqrt(2.0) / distance : 1.0;
  Eigen::Matrix3d matrix;
  matrix << scale, 0, -scale * cx, 0, scale, -scale * cy, 0, 0, 1;
  return matrix;
}

std::vector<Point> transformed(const Eigen::Matrix3d& matrix, const std::vector<Point>& points) {
  std::vector<Point> result;
  result.reserve(points.size());
  for (const Point& p : points) result.push_back(apply(matrix, p));
  return result;
}

// Solves the linear model in normalised coordinates; `rows` fills two equations per point pair.
template <class Rows>
std::optional<Eigen::VectorXd> least_squares(std::size_t unknowns, std::size_t pairs, Rows rows) {
  Eigen::MatrixXd design(2 * pairs, unknowns);
  Eigen::VectorXd target(2 * pairs);
  for (std::size_t i = 0; i < pairs; ++i) rows(i, design, target);
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> solver(design);
  if (solver.rank() < static_cast<Eigen::Index>(unknowns)) return std::nullopt;
  return Eigen::VectorXd(solver.solve(target));
}

}  // namespace

std::optional<TransformKind> parse_transform_kind(const std::string& text) {
  if (text == "shift") return TransformKind::shift;
  if (text == "similarity") return TransformKind::similarity;
  if (text == "affine") return TransformKind::affine;
  if (text == "homography") return TransformKind::homography;
  return std::nullopt;
}

std::string to_string(TransformKind kind) {
  switch (kind) {
    case TransformKind::shift:
      return "shift";
    case TransformKind::similarity:
      return "similarity";
    case TransformKind::affine:
      return "affine";
    case TransformKind::homography:
      return "homography";
  }
  return "?";
}

std::size_t minimum_points(TransformKind kind) {
  switch (kind) {
    case TransformKind::shift:
      return 1;
    case TransformKind::similarity:
      return 2;
    case TransformKind::affine:
      return 3;
    case TransformKind::homography:
      return 4;
  }
  return 4;
}

Point apply(const Eigen::Matrix3d& m, Point p) {
  const double w = m(2, 0) * p.x + m(2, 1) * p.y + m(2, 2);
  return {(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)) / w, (m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)) / w};
}

std::optional<Eigen::Matrix3d> fit_transform(TransformKind kind, const std::vector<Point>& from,
                                             const std::vector<Point>& to) {
  if (from.size() != to.size() || from.size() < minimum_points(kind)) return std::nullopt;
  const std::size_t pairs = from.size();
  // Both sets are moved to their own centroid and scaled alike; the fit happens there and the
  // normalisations are undone afterwards. Shift and similarity keep one common scale so their form
  // survives (a similarity composed with two different scales is still a similarity).
  const Eigen::Matrix3d from_normal = normalisation(from);
  Eigen::Matrix3d to_normal = normalisation(to);
  if (kind != TransformKind::homography) {
    to_normal(0, 0) = to_normal(1, 1) = from_normal(0, 0);
    Point centre{0, 0};
    for (const Point& p : to) centre = {centre.x + p.x, centre.y + p.y};
    to_normal(0, 2) = -from_normal(0, 0) * centre.x / static_cast<double>(pairs);
    to_normal(1, 2) = -from_normal(0, 0) * centre.y / static_cast<double>(pairs);
  }
  const std::vector<Point> a = transformed(from_normal, from), b = transformed(to_normal, to);
  Eigen::Matrix3d fitted = Eigen::Matrix3d::Identity();
  switch (kind) {
    case TransformKind::shift: {
      // Both centroids sit at the origin after normalising.
      break;
    }
    case TransformKind::similarity: {
      // x' = s x - r y + tx, y' = r x + s y + ty
      auto solution =
          least_squares(4, pairs, [&](std::size_t i, Eigen::MatrixXd& design, Eigen::VectorXd& target) {
            const auto r = static_cast<Eigen::Index>(2 * i);
            design.row(r) << a[i].x, -a[i].y, 1, 0;
            design.row(r + 1) << a[i].y, a[i].x, 0, 1;
            target(r) = b[i].x;
            target(r + 1) = b[i].y;
          });
      if (!solution) return std::nullopt;
      const Eigen::VectorXd& v = *solution;
      fitted << v(0), -v(1), v(2), v(1), v(0), v(3), 0, 0, 1;
      break;
    }
    case TransformKind::affine: {
      auto solution =
          least_squares(6, pairs, [&](std::size_t i, Eigen::MatrixXd& design, Eigen::VectorXd& target) {
            const auto r = static_cast<Eigen::Index>(2 * i);
            design.row(r) << a[i].x, a[i].y, 1, 0, 0, 0;
            design.row(r + 1) << 0, 0, 0, a[i].x, a[i].y, 1;
            target(r) = b[i].x;
            target(r + 1) = b[i].y;
          });
      if (!solution) return std::nullopt;
      const Eigen::VectorXd& v = *solution;
      fitted << v(0), v(1), v(2), v(3), v(4), v(5), 0, 0, 1;
      break;
    }
    case TransformKind::homography: {
      // Direct linear transform: the null vector of the stacked constraints (smallest singular value).
      Eigen::MatrixXd design(2 * pairs, 9);
      for (std::size_t i = 0; i < pairs; ++i) {
        const auto r = static_cast<Eigen::Index>(2 * i);
        design.row(r) << a[i].x, a[i].y, 1, 0, 0, 0, -b[i].x * a[i].x, -b[i].x * a[i].y, -b[i].x;
        design.row(r + 1) << 0, 0, 0, a[i].x, a[i].y, 1, -b[i].y * a[i].x, -b[i].y * a[i].y, -b[i].y;
      }
      Eigen::JacobiSVD<Eigen::MatrixXd> svd(design, Eigen::ComputeFullV);
      const auto& singular = svd.singularValues();
      if (singular.size() < 8 || singular(7) <= 1e-9 * singular(0)) return std::nullopt;
      const Eigen::VectorXd v = svd.matrixV().col(8);
      fitted << v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8);
      if (std::abs(fitted(2, 2)) < 1e-12) return std::nullopt;
      break;
    }
  }
  Eigen::Matrix3d result = to_normal.inverse() * fitted * from_normal;
  result /= result(2, 2);
  if (!result.allFinite()) return std::nullopt;
  return result;
}

double rms_residual(const Eigen::Matrix3d& matrix, const std::vector<Point>& from,
                    const std::vector<Point>& to) {
  if (from.empty()) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const Point p = apply(matrix, from[i]);
    sum += (p.x - to[i].x) * (p.x - to[i].x) + (p.y - to[i].y) * (p.y - to[i].y);
  }
  return std::sqrt(sum / static_cast<double>(from.size()));
}

}  // namespace nightstack
