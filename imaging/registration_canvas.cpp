// Canvas choice. The frames' edges, seen from the reference, are straight lines (every transform
// here maps lines to lines), so on each reference row the pixels a frame covers form one interval
// that linear inequalities give exactly.
#include "imaging/registration_canvas.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "imaging/geometric_transform.hpp"

namespace nightstack {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// Narrows [low, high] to the x where slope * x + constant >= 0.
void require_non_negative(double slope, double constant, double& low, double& high) {
  if (std::abs(slope) < 1e-15) {
    if (constant < 0) high = -infinity;
    return;
  }
  const double root = -constant / slope;
  if (slope > 0) {
    low = std::max(low, root);
  } else {
    high = std::min(high, root);
  }
}

// The x on reference row y whose image lies within the frame (pixel centres from -0.5 to size - 0.5).
void covered_interval(const FrameFootprint& frame, double y, double& low, double& high) {
  const Eigen::Matrix3d& m = frame.reference_to_frame;
  // The frame's x' = (a x + b) / (c x + d) with c x + d > 0 near the frames, so lo <= x' <= hi is linear.
  const double c = m(2, 0), d = m(2, 1) * y + m(2, 2);
  for (int axis = 0; axis < 2; ++axis) {
    const double a = m(axis, 0), b = m(axis, 1) * y + m(axis, 2);
    const double lo = -0.5, hi = (axis == 0 ? frame.width : frame.height) - 0.5;
    require_non_negative(a - lo * c, b - lo * d, low, high);
    require_non_negative(hi * c - a, hi * d - b, low, high);
  }
}

}  // namespace

std::optional<Crop> parse_crop(const std::string& text) {
  if (text == "reference") return Crop::reference;
  if (text == "intersection") return Crop::intersection;
  if (text == "union") return Crop::union_of_frames;
  return std::nullopt;
}

Canvas registration_canvas(Crop crop, int reference_width, int reference_height,
                           const std::vector<FrameFootprint>& frames, int largest_side) {
  if (crop == Crop::reference) return {0, 0, reference_width, reference_height};
  if (crop == Crop::union_of_frames) {
    double left = 0, top = 0, right = reference_width - 1, bottom = reference_height - 1;
    for (const FrameFootprint& frame : frames) {
      const Eigen::Matrix3d to_reference = frame.reference_to_frame.inverse();
      for (const Point corner : {Point{0, 0}, Point{frame.width - 1.0, 0}, Point{0, frame.height - 1.0},
                                 Point{frame.width - 1.0, frame.height - 1.0}}) {
        const Point p = apply(to_reference, corner);
        left = std::min(left, std::floor(p.x));
        top = std::min(top, std::floor(p.y));
        right = std::max(right, std::ceil(p.x));
        bottom = std::max(bottom, std::ceil(p.y));
      }
    }
    auto side = [&](double first, double last) {
      return static_cast<int>(std::min<double>(largest_side, last - first + 1));
    };
    return {static_cast<int>(left), static_cast<int>(top), side(left, right), side(top, bottom)};
  }
  // Intersection: per row, the columns every frame covers; then the largest rectangle of rows.
  std::vector<int> first(static_cast<std::size_t>(reference_height)), last(first.size());
  for (int y = 0; y < reference_height; ++y) {
    double low = 0, high = reference_width - 1;
    for (const FrameFootprint& frame : frames) covered_interval(frame, y, low, high);
    first[static_cast<std::size_t>(y)] = static_cast<int>(std::ceil(low - 1e-9));
    last[static_cast<std::size_t>(y)] = static_cast<int>(std::floor(high + 1e-9));
  }
  Canvas best;
  long long best_area = 0;
  for (int top = 0; top < reference_height; ++top) {
    int left = std::numeric_limits<int>::min(), right = std::numeric_limits<int>::max();
    for (int bottom = top; bottom < reference_height; ++bottom) {
      left = std::max(left, first[static_cast<std::size_t>(bottom)]);
      right = std::min(right, last[static_cast<std::size_t>(bottom)]);
      if (right < left) break;
      const long long area = static_cast<long long>(right - left + 1) * (bottom - top + 1);
      if (area > best_area) {
        best_area = area;
        best = {left, top, right - left + 1, bottom - top + 1};
      }
    }
  }
  return best;
}

}  // namespace nightstack
