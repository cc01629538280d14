// Drops and their overlaps. The area of a convex drop inside a unit square is the signed sum, over
// the drop's edges, of the area between each edge (its y clamped to the square) and the square's
// side y = row, over the part of the square's width the edge spans: no polygon clipping, a few
// operations per edge. Drops under a transform without rotation are rectangles, whose overlaps are products
// of two interval overlaps.
#include "imaging/drizzle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nightstack {

namespace {

// floor (or ceil) of a coordinate as an int within [low, high], whatever the coordinate's size.
int floor_within(double value, int low, int high) {
  return static_cast<int>(std::floor(std::clamp(value, static_cast<double>(low), static_cast<double>(high))));
}
int ceil_within(double value, int low, int high) {
  return static_cast<int>(std::ceil(std::clamp(value, static_cast<double>(low), static_cast<double>(high))));
}

// The integral over [0, length] of clamp(y, 0, 1), y running linearly from y_start to y_end.
double clamped_integral(double length, double y_start, double y_end) {
  if (y_start > y_end) std::swap(y_start, y_end);  // the integral does not depend on the direction
  if (y_end <= 0) return 0;
  if (y_start >= 1) return length;
  const double rise = y_end - y_start;
  if (rise <= 0) return length * y_start;
  // The part where 0 <= y <= 1 is a trapezoid, the part above 1 a rectangle of height 1.
  const double t_low = std::max(0.0, -y_start / rise);
  const double t_high = std::min(1.0, (1 - y_start) / rise);
  const double y_low = y_start + rise * t_low, y_high = y_start + rise * t_high;
  return length * ((t_high - t_low) * 0.5 * (y_low + y_high) + (1 - t_high));
}

// An edge of a drop that is not vertical (vertical edges enclose no area against the bottom).
struct Edge {
  double x_low = 0, x_high = 0;  // x_low < x_high
  double y_at_low = 0, slope = 0;
  double sign = 1;  // +1: the edge runs towards +x
};

struct Drop {
  std::array<Edge, 4> edges;
  int edge_count = 0;
  double min_x = 0, max_x = 0, min_y = 0, max_y = 0;
};

Drop make_drop(const std::array<Point, 4>& corners) {
  Drop drop;
  drop.min_x = drop.max_x = corners[0].x;
  drop.min_y = drop.max_y = corners[0].y;
  for (std::size_t i = 0; i < 4; ++i) {
    const Point from = corners[i], to = corners[(i + 1) % 4];
    drop.min_x = std::min(drop.min_x, from.x);
    drop.max_x = std::max(drop.max_x, from.x);
    drop.min_y = std::min(drop.min_y, from.y);
    drop.max_y = std::max(drop.max_y, from.y);
    if (from.x == to.x) continue;
    Edge& edge = drop.edges[static_cast<std::size_t>(drop.edge_count++)];
    const bool rightwards = from.x < to.x;
    const Point low = rightwards ? from : to, high = rightwards ? to : from;
    edge = {low.x, high.x, low.y, (high.y - low.y) / (high.x - low.x), rightwards ? 1.0 : -1.0};
  }
  return drop;
}

double drop_overlap(const Drop& drop, double column, double row) {
  double area = 0;
  for (int i = 0; i < drop.edge_count; ++i) {
    const Edge& edge = drop.edges[static_cast<std::size_t>(i)];
    const double a = std::max(edge.x_low, column), b = std::min(edge.x_high, column + 1);
    if (a >= b) continue;
    const double y_a = edge.y_at_low + edge.slope * (a - edge.x_low) - row;
    const double y_b = edge.y_at_low + edge.slope * (b - edge.x_low) - row;
    area += edge.sign * clamped_integral(b - a, y_a, y_b);
  }
  return std::abs(area);
}

// Reference pixel coordinates (centres on integers) to output coordinates in which output pixel
// (u, v) is the square [u, u + 1] x [v, v + 1].
Eigen::Matrix3d output_from_reference(const Canvas& canvas, int scale) {
  Eigen::Matrix3d matrix = Eigen::Matrix3d::Identity();
  matrix(0, 0) = matrix(1, 1) = scale;
  matrix(0, 2) = scale * (0.5 - canvas.left);
  matrix(1, 2) = scale * (0.5 - canvas.top);
  return matrix;
}

// Adds one drop's value (already known valid in every channel) to the output pixels it overlaps.
class Accumulator {
 public:
  Accumulator(const ImageF& source, ImageF& output, std::vector<double>& weights)
      : source_(source),
        output_(output),
        weights_(weights),
        width_(output.width()),
        height_(output.height()) {}

  // The output rows [first_row, end_row) and columns [first_column, end_column) the box
  // [min_x, max_x] x [min_y, max_y] may overlap, clipped to the output; false when none.
  bool bounds(double min_x, double max_x, double min_y, double max_y) {
    first_column_ = floor_within(min_x, 0, width_);
    end_column_ = ceil_within(max_x, 0, width_);
    first_row_ = floor_within(min_y, 0, height_);
    end_row_ = ceil_within(max_y, 0, height_);
    return first_column_ < end_column_ && first_row_ < end_row_;
  }

  template <class Overlap>
  void drop(int source_row, int source_column, Overlap overlap) {
    const std::size_t source_offset = static_cast<std::size_t>(source_row) * source_.width() + source_column;
    const std::size_t source_plane = source_.plane_size(), output_plane = output_.plane_size();
    const int channels = source_.channels();
    for (int row = first_row_; row < end_row_; ++row) {
      for (int column = first_column_; column < end_column_; ++column) {
        const double area = overlap(column, row);
        if (area <= 0) continue;
        const std::size_t offset = static_cast<std::size_t>(row) * width_ + column;
        weights_[offset] += area;
        for (int channel = 0; channel < channels; ++channel)
          output_.samples()[output_plane * channel + offset] +=
              static_cast<float>(area * source_.samples()[source_plane * channel + source_offset]);
      }
    }
  }

  int first_column() const { return first_column_; }
  int first_row() const { return first_row_; }

 private:
  const ImageF& source_;
  ImageF& output_;
  std::vector<double>& weights_;
  int width_, height_;
  int first_column_ = 0, end_column_ = 0, first_row_ = 0, end_row_ = 0;
};

bool valid_in_every_channel(const ImageF& source, int row, int column) {
  for (int channel = 0; channel < source.channels(); ++channel)
    if (std::isnan(source.at(channel, row, column))) return false;
  return true;
}

}  // namespace

double overlap_area(const std::array<Point, 4>& corners, int column, int row) {
  return drop_overlap(make_drop(corners), column, row);
}

DrizzledFrame drizzle_image(const ImageF& source, const Eigen::Matrix3d& reference_to_frame,
                            const Canvas& canvas, const DrizzleSettings& settings) {
  if (settings.scale < 1 || !(settings.pixfrac > 0 && settings.pixfrac <= 1))
    throw std::invalid_argument("drizzle needs scale >= 1 and 0 < pixfrac <= 1");
  const int width = canvas.width * settings.scale, height = canvas.height * settings.scale;
  DrizzledFrame result{ImageF(width, height, source.channels(), 0.0f),
                       std::vector<double>(static_cast<std::size_t>(width) * height, 0.0)};
  Eigen::Matrix3d to_output = output_from_reference(canvas, settings.scale) * reference_to_frame.inverse();
  to_output /= to_output(2, 2);
  const bool affine = to_output(2, 0) == 0 && to_output(2, 1) == 0;
  const bool axis_aligned = affine && to_output(0, 1) == 0 && to_output(1, 0) == 0;
  const double half = settings.pixfrac / 2;
  // The drop's half-sides in output coordinates (an affine map takes every drop to the same
  // parallelogram, only moved).
  const Point half_x{to_output(0, 0) * half, to_output(1, 0) * half};
  const Point half_y{to_output(0, 1) * half, to_output(1, 1) * half};
  Accumulator accumulator(source, result.pixels, result.weights);
  std::vector<double> across, down;  // axis-aligned drops: overlap per column and per row
  for (int row = 0; row < source.height(); ++row) {
    for (int column = 0; column < source.width(); ++column) {
      if (!valid_in_every_channel(source, row, column)) continue;
      if (axis_aligned) {
        const double centre_x = to_output(0, 0) * column + to_output(0, 2);
        const double centre_y = to_output(1, 1) * row + to_output(1, 2);
        const double reach_x = std::abs(half_x.x), reach_y = std::abs(half_y.y);
        const double left = centre_x - reach_x, right = centre_x + reach_x;
        const double top = centre_y - reach_y, bottom = centre_y + reach_y;
        if (!accumulator.bounds(left, right, top, bottom)) continue;
        across.clear();
        down.clear();
        const int first_column = accumulator.first_column(), first_row = accumulator.first_row();
        for (int u = first_column; u < width && u < right; ++u)
          across.push_back(std::max(0.0, std::min(right, u + 1.0) - std::max(left, static_cast<double>(u))));
        for (int v = first_row; v < height && v < bottom; ++v)
          down.push_back(std::max(0.0, std::min(bottom, v + 1.0) - std::max(top, static_cast<double>(v))));
        accumulator.drop(row, column, [&](int u, int v) {
          return across[static_cast<std::size_t>(u - first_column)] *
                 down[static_cast<std::size_t>(v - first_row)];
        });
        continue;
      }
      std::array<Point, 4> corners;
      if (affine) {
        const Point centre{to_output(0, 0) * column + to_output(0, 1) * row + to_output(0, 2),
                           to_output(1, 0) * column + to_output(1, 1) * row + to_output(1, 2)};
        corners = {Point{centre.x - half_x.x - half_y.x, centre.y - half_x.y - half_y.y},
                   Point{centre.x + half_x.x - half_y.x, centre.y + half_x.y - half_y.y},
                   Point{centre.x + half_x.x + half_y.x, centre.y + half_x.y + half_y.y},
                   Point{centre.x - half_x.x + half_y.x, centre.y - half_x.y + half_y.y}};
      } else {
        bool visible = true;
        const std::array<Point, 4> frame_corners = {
            Point{column - half, row - half}, Point{column + half, row - half},
            Point{column + half, row + half}, Point{column - half, row + half}};
        for (std::size_t i = 0; i < 4; ++i) {
          const Point p = frame_corners[i];
          const double w = to_output(2, 0) * p.x + to_output(2, 1) * p.y + to_output(2, 2);
          // Beyond the homography's horizon the drop has no image on the canvas.
          if (!(w > 0)) visible = false;
          corners[i] = apply(to_output, p);
          if (!std::isfinite(corners[i].x) || !std::isfinite(corners[i].y)) visible = false;
        }
        if (!visible) continue;
      }
      const Drop drop = make_drop(corners);
      if (!accumulator.bounds(drop.min_x, drop.max_x, drop.min_y, drop.max_y)) continue;
      accumulator.drop(row, column, [&](int u, int v) { return drop_overlap(drop, u, v); });
    }
  }
  // Each value is the overlap-weighted mean of the drops that landed.
  const std::size_t plane = result.pixels.plane_size();
  for (int channel = 0; channel < result.pixels.channels(); ++channel) {
    float* values = result.pixels.plane(channel).data();
    for (std::size_t i = 0; i < plane; ++i)
      values[i] = result.weights[i] > 0 ? static_cast<float>(values[i] / result.weights[i])
                                        : std::numeric_limits<float>::quiet_NaN();
  }
  return result;
}

}  // namespace nightstack
