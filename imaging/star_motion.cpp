// Star spots by connected components above a level, matched between frames by voting on their
// displacement and refined by least squares.
#include "imaging/star_motion.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace nightstack {

namespace {

double median_in_place(std::vector<double>& values) {
  if (values.empty()) return 0;
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

constexpr std::size_t minimum_matches = 6;

struct Match {
  std::size_t before = 0;
  std::size_t after = 0;
};

// The after-spot nearest to (x, y) within `tolerance`, if any.
std::optional<std::size_t> nearest(const std::vector<StarSpot>& spots, double x, double y, double tolerance) {
  std::optional<std::size_t> best;
  double best_distance = tolerance * tolerance;
  for (std::size_t j = 0; j < spots.size(); ++j) {
    const double dx = spots[j].x - x, dy = spots[j].y - y;
    const double distance = dx * dx + dy * dy;
    if (distance <= best_distance) {
      best_distance = distance;
      best = j;
    }
  }
  return best;
}

AffineMotion translation_of(const std::vector<StarSpot>& before, const std::vector<StarSpot>& after,
                            const std::vector<Match>& matches) {
  double dx = 0, dy = 0;
  for (const auto& match : matches) {
    dx += after[match.after].x - before[match.before].x;
    dy += after[match.after].y - before[match.before].y;
  }
  const auto count = static_cast<double>(matches.size());
  AffineMotion motion;
  motion.c[0] = dx / count;
  motion.c[3] = dy / count;
  return motion;
}

// Least squares on coordinates centred on the matched spots (for conditioning); nothing when the
// spots lie on a line and an affine map is not determined.
std::optional<AffineMotion> affine_of(const std::vector<StarSpot>& before, const std::vector<StarSpot>& after,
                                      const std::vector<Match>& matches) {
  double centre_x = 0, centre_y = 0;
  for (const auto& match : matches) {
    centre_x += before[match.before].x;
    centre_y += before[match.before].y;
  }
  centre_x /= static_cast<double>(matches.size());
  centre_y /= static_cast<double>(matches.size());
  const auto rows = static_cast<Eigen::Index>(matches.size());
  Eigen::MatrixXd design(rows, 3);
  Eigen::MatrixXd targets(rows, 2);
  for (Eigen::Index row = 0; row < rows; ++row) {
    const auto& match = matches[static_cast<std::size_t>(row)];
    design(row, 0) = 1;
    design(row, 1) = before[match.before].x - centre_x;
    design(row, 2) = before[match.before].y - centre_y;
    targets(row, 0) = after[match.after].x;
    targets(row, 1) = after[match.after].y;
  }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> solver(design);
  solver.setThreshold(1e-9);
  if (solver.rank() < 3) return std::nullopt;
  const Eigen::MatrixXd solution = solver.solve(targets);
  AffineMotion motion;
  // Undo the centring: x' = a + b (x - cx) + d (y - cy).
  motion.c[1] = solution(1, 0);
  motion.c[2] = solution(2, 0);
  motion.c[0] = solution(0, 0) - motion.c[1] * centre_x - motion.c[2] * centre_y;
  motion.c[4] = solution(1, 1);
  motion.c[5] = solution(2, 1);
  motion.c[3] = solution(0, 1) - motion.c[4] * centre_x - motion.c[5] * centre_y;
  return motion;
}

// The displacement most spots share: a vote in 2-pixel bins, each bin scored with its neighbours.
std::optional<std::pair<double, double>> dominant_displacement(const std::vector<StarSpot>& before,
                                                               const std::vector<StarSpot>& after,
                                                               double max_shift) {
  constexpr double bin = 2.0;
  const int bins = static_cast<int>(std::ceil(2 * max_shift / bin)) + 1;
  std::vector<int> votes(static_cast<std::size_t>(bins) * bins, 0);
  std::vector<std::size_t> last_voter(votes.size(), 0);  // each spot votes once per bin
  bool any = false;
  for (std::size_t i = 0; i < before.size(); ++i) {
    for (const auto& spot : after) {
      const double dx = spot.x - before[i].x, dy = spot.y - before[i].y;
      const double distance = dx * dx + dy * dy;
      if (distance > max_shift * max_shift || distance < 1.0) continue;
      const int column = static_cast<int>((dx + max_shift) / bin),
                row = static_cast<int>((dy + max_shift) / bin);
      const auto at = static_cast<std::size_t>(row) * bins + column;
      if (last_voter[at] == i + 1) continue;
      last_voter[at] = i + 1;
      ++votes[at];
      any = true;
    }
  }
  if (!any) return std::nullopt;
  int best_score = -1, best_row = 0, best_column = 0;
  for (int row = 0; row < bins; ++row)
    for (int column = 0; column < bins; ++column) {
      int score = 0;
      for (int r = std::max(0, row - 1); r <= std::min(bins - 1, row + 1); ++r)
        for (int c = std::max(0, column - 1); c <= std::min(bins - 1, column + 1); ++c)
          score += votes[static_cast<std::size_t>(r) * bins + c];
      if (score > best_score) {
        best_score = score;
        best_row = row;
        best_column = column;
      }
    }
  return std::pair{(best_column + 0.5) * bin - max_shift, (best_row + 0.5) * bin - max_shift};
}

}  // namespace

double SkyLevel::bright_level(double sigmas) const { return background + sigmas * std::max(noise, 1e-6); }

std::vector<float> luminance(const ImageF& frame) {
  std::vector<float> values(frame.plane_size(), 0.0f);
  for (int channel = 0; channel < frame.channels(); ++channel) {
    const auto plane = frame.plane(channel);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] += plane[i];
  }
  if (frame.channels() > 1)
    for (float& value : values) value /= static_cast<float>(frame.channels());
  return values;
}

SkyLevel measure_sky_level(const std::vector<float>& luminance, int width, int height) {
  std::vector<double> samples;
  for (int row = 0; row < height; row += 2)
    for (int column = 0; column < width; column += 2) {
      const float value = luminance[static_cast<std::size_t>(row) * width + column];
      if (std::isfinite(value)) samples.push_back(value);
    }
  SkyLevel level;
  level.background = median_in_place(samples);
  for (double& sample : samples) sample = std::abs(sample - level.background);
  level.noise = 1.4826 * median_in_place(samples);
  return level;
}

std::vector<StarSpot> find_star_spots(const std::vector<float>& luminance, int width, int height,
                                      double level, std::size_t most, std::size_t minimum_pixels) {
  std::vector<std::uint8_t> seen(luminance.size(), 0);
  std::vector<std::size_t> waiting;
  std::vector<StarSpot> spots;
  for (std::size_t start = 0; start < luminance.size(); ++start) {
    if (seen[start] || !(luminance[start] > level)) continue;
    StarSpot spot;
    double sum_x = 0, sum_y = 0;
    seen[start] = 1;
    waiting.assign(1, start);
    while (!waiting.empty()) {
      const std::size_t at = waiting.back();
      waiting.pop_back();
      const int x = static_cast<int>(at % width), y = static_cast<int>(at / width);
      const double weight = luminance[at] - level;
      spot.flux += weight;
      sum_x += weight * x;
      sum_y += weight * y;
      ++spot.pixels;
      for (int ny = std::max(0, y - 1); ny <= std::min(height - 1, y + 1); ++ny)
        for (int nx = std::max(0, x - 1); nx <= std::min(width - 1, x + 1); ++nx) {
          const std::size_t next = static_cast<std::size_t>(ny) * width + nx;
          if (seen[next] || !(luminance[next] > level)) continue;
          seen[next] = 1;
          waiting.push_back(next);
        }
    }
    if (spot.pixels < minimum_pixels || !(spot.flux > 0)) continue;
    spot.x = sum_x / spot.flux;
    spot.y = sum_y / spot.flux;
    spots.push_back(spot);
  }
  // Found in scan order, so equal fluxes keep a fixed order.
  std::stable_sort(spots.begin(), spots.end(),
                   [](const StarSpot& left, const StarSpot& right) { return left.flux > right.flux; });
  if (spots.size() > most) spots.resize(most);
  return spots;
}

std::optional<MotionEstimate> estimate_star_motion(const std::vector<StarSpot>& before,
                                                   const std::vector<StarSpot>& after, double max_shift) {
  const auto peak = dominant_displacement(before, after, max_shift);
  if (!peak) return std::nullopt;
  AffineMotion motion;
  motion.c[0] = peak->first;
  motion.c[3] = peak->second;
  std::vector<Match> matches, previous;
  for (int iteration = 0; iteration < 12; ++iteration) {
    matches.clear();
    for (std::size_t i = 0; i < before.size(); ++i) {
      const double x = motion.moved_x(before[i].x, before[i].y), y = motion.moved_y(before[i].x, before[i].y);
      // The first guess is one displacement for all; later ones are fits, trusted more closely.
      const double tolerance = iteration == 0 ? 3.0 : 2.0;
      if (auto j = nearest(after, x, y, tolerance)) matches.push_back({i, *j});
    }
    if (matches.size() < 2) return std::nullopt;
    std::optional<AffineMotion> fitted;
    if (matches.size() >= minimum_matches) fitted = affine_of(before, after, matches);
    motion = fitted ? *fitted : translation_of(before, after, matches);
    const bool settled = matches.size() == previous.size() &&
                         std::equal(matches.begin(), matches.end(), previous.begin(), [](auto& l, auto& r) {
                           return l.before == r.before && l.after == r.after;
                         });
    if (settled) break;
    previous = matches;
  }
  MotionEstimate estimate{motion, matches.size(), 0.0};
  double squares = 0;
  for (const auto& match : matches) {
    const auto& from = before[match.before];
    const double dx = after[match.after].x - motion.moved_x(from.x, from.y);
    const double dy = after[match.after].y - motion.moved_y(from.x, from.y);
    squares += dx * dx + dy * dy;
  }
  estimate.residual = std::sqrt(squares / static_cast<double>(matches.size()));
  const std::size_t enough = std::max(minimum_matches, std::min(before.size(), after.size()) / 5);
  if (matches.size() < enough || estimate.residual > 1.0) return std::nullopt;
  return estimate;
}

}  // namespace nightstack
