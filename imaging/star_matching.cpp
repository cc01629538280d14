// Triangle matching in the manner of astroalign (Beroiz et al. 2020): every star with its four
// nearest bright neighbours gives ten triangles; two triangles of the same shape propose a
// similarity; the proposal that pairs the most stars wins and is refined by least squares.
#include "imaging/star_matching.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

namespace nightstack {

namespace {

constexpr double invariant_tolerance = 0.01;  // of the side ratios, which lie in (0, 1]
constexpr std::size_t most_hypotheses = 4000;
constexpr std::size_t scoring_stars = 150;  // the brightest stars that vote on each hypothesis

struct Triangle {
  std::array<std::size_t, 3> vertices;  // opposite the longest, the middle and the shortest side
  double ratio_middle = 0;              // middle side / longest
  double ratio_short = 0;               // shortest side / longest
  bool clockwise = false;
};

std::vector<Point> positions(const std::vector<Star>& stars, std::size_t count) {
  std::vector<Point> points;
  for (std::size_t i = 0; i < std::min(count, stars.size()); ++i) points.push_back({stars[i].x, stars[i].y});
  return points;
}

double distance(Point a, Point b) { return std::hypot(a.x - b.x, a.y - b.y); }

std::vector<Triangle> triangles_of(const std::vector<Point>& points) {
  std::set<std::array<std::size_t, 3>> seen;
  std::vector<Triangle> triangles;
  const std::size_t neighbours = std::min<std::size_t>(4, points.size() - 1);
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::vector<std::pair<double, std::size_t>> nearest;
    for (std::size_t j = 0; j < points.size(); ++j)
      if (j != i) nearest.emplace_back(distance(points[i], points[j]), j);
    std::partial_sort(nearest.begin(), nearest.begin() + static_cast<std::ptrdiff_t>(neighbours),
                      nearest.end());
    std::vector<std::size_t> group{i};
    for (std::size_t n = 0; n < neighbours; ++n) group.push_back(nearest[n].second);
    for (std::size_t a = 0; a < group.size(); ++a)
      for (std::size_t b = a + 1; b < group.size(); ++b)
        for (std::size_t c = b + 1; c < group.size(); ++c) {
          std::array<std::size_t, 3> key{group[a], group[b], group[c]};
          std::sort(key.begin(), key.end());
          if (!seen.insert(key).second) continue;
          // Side k is the one opposite vertex k.
          std::array<std::pair<double, std::size_t>, 3> sides{
              std::pair{distance(points[key[1]], points[key[2]]), key[0]},
              std::pair{distance(points[key[0]], points[key[2]]), key[1]},
              std::pair{distance(points[key[0]], points[key[1]]), key[2]}};
          std::sort(sides.begin(), sides.end(), [](auto& x, auto& y) { return x.first > y.first; });
          if (sides[2].first < 1e-6 * sides[0].first || sides[0].first <= 0) continue;
          Triangle triangle;
          triangle.vertices = {sides[0].second, sides[1].second, sides[2].second};
          triangle.ratio_middle = sides[1].first / sides[0].first;
          triangle.ratio_short = sides[2].first / sides[0].first;
          const Point p0 = points[triangle.vertices[0]], p1 = points[triangle.vertices[1]],
                      p2 = points[triangle.vertices[2]];
          triangle.clockwise = (p1.x - p0.x) * (p2.y - p0.y) - (p1.y - p0.y) * (p2.x - p0.x) < 0;
          triangles.push_back(triangle);
        }
  }
  return triangles;
}

// Finds the nearest of a set of points to a position, through a grid of buckets.
class NearestPoint {
 public:
  NearestPoint(const std::vector<Point>& points, double reach)
      : points_(points), cell_(std::max(reach, 1.0)) {
    for (std::size_t i = 0; i < points.size(); ++i) buckets_[key(points[i])].push_back(i);
  }
  // The index of the nearest point within `reach` (<= the grid's), or -1.
  long long find(Point position, double reach) const {
    long long best = -1;
    double best_distance = reach;
    const auto [column, row] = key(position);
    for (long long r = row - 1; r <= row + 1; ++r)
      for (long long c = column - 1; c <= column + 1; ++c) {
        const auto found = buckets_.find({c, r});
        if (found == buckets_.end()) continue;
        for (std::size_t i : found->second) {
          const double d = distance(points_[i], position);
          if (d < best_distance || (d == best_distance && best >= 0 && static_cast<long long>(i) < best)) {
            best_distance = d;
            best = static_cast<long long>(i);
          }
        }
      }
    return best;
  }

 private:
  std::pair<long long, long long> key(Point p) const {
    return {static_cast<long long>(std::floor(p.x / cell_)), static_cast<long long>(std::floor(p.y / cell_))};
  }
  const std::vector<Point>& points_;
  double cell_;
  std::map<std::pair<long long, long long>, std::vector<std::size_t>> buckets_;
};

std::size_t count_agreeing(const Eigen::Matrix3d& transform, const std::vector<Point>& reference,
                           const NearestPoint& frame, double tolerance) {
  std::size_t count = 0;
  for (const Point& p : reference)
    if (frame.find(apply(transform, p), tolerance) >= 0) ++count;
  return count;
}

// Reference and frame points paired one to one by the transform: each frame star goes to the
// reference star whose image lands nearest to it, within `tolerance`.
void pair_stars(const Eigen::Matrix3d& transform, const std::vector<Point>& reference,
                const std::vector<Point>& frame, const NearestPoint& finder, double tolerance,
                std::vector<Point>& from, std::vector<Point>& to) {
  std::map<long long, std::pair<double, std::size_t>> closest;  // frame star -> (distance, reference star)
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const Point image = apply(transform, reference[i]);
    const long long partner = finder.find(image, tolerance);
    if (partner < 0) continue;
    const double d = distance(image, frame[static_cast<std::size_t>(partner)]);
    auto [entry, inserted] = closest.try_emplace(partner, d, i);
    if (!inserted && d < entry->second.first) entry->second = {d, i};
  }
  from.clear();
  to.clear();
  for (const auto& [partner, entry] : closest) {
    from.push_back(reference[entry.second]);
    to.push_back(frame[static_cast<std::size_t>(partner)]);
  }
}

// The mean linear scale of a transform's linear part (at the origin for a homography).
double scale_of(const Eigen::Matrix3d& transform) {
  return std::sqrt(std::abs(transform.block<2, 2>(0, 0).determinant()) / (transform(2, 2) * transform(2, 2)));
}

}  // namespace

MatchOutcome match_stars(const std::vector<Star>& reference_stars, const std::vector<Star>& frame_stars,
                         const MatchSettings& settings) {
  const std::size_t needed = std::max<std::size_t>(settings.minimum_matches, 3);
  if (frame_stars.size() < needed)
    return {std::nullopt, "only " + std::to_string(frame_stars.size()) + " stars found (registration needs " +
                              std::to_string(needed) + "; clouds, a starless or out-of-focus frame?)"};
  if (reference_stars.size() < needed)
    return {std::nullopt,
            "the reference frame has only " + std::to_string(reference_stars.size()) + " stars"};

  const std::vector<Point> reference_bright = positions(reference_stars, settings.triangle_stars);
  const std::vector<Point> frame_bright = positions(frame_stars, settings.triangle_stars);
  std::vector<Triangle> reference_triangles = triangles_of(reference_bright);
  const std::vector<Triangle> frame_triangles = triangles_of(frame_bright);
  std::sort(reference_triangles.begin(), reference_triangles.end(),
            [](const Triangle& a, const Triangle& b) { return a.ratio_middle < b.ratio_middle; });

  // Pairs of triangles of the same shape, most alike first.
  struct Proposal {
    double difference;
    std::size_t reference_triangle, frame_triangle;
  };
  std::vector<Proposal> proposals;
  for (std::size_t f = 0; f < frame_triangles.size(); ++f) {
    const Triangle& t = frame_triangles[f];
    auto first = std::lower_bound(reference_triangles.begin(), reference_triangles.end(),
                                  t.ratio_middle - invariant_tolerance,
                                  [](const Triangle& r, double value) { return r.ratio_middle < value; });
    for (auto r = first;
         r != reference_triangles.end() && r->ratio_middle <= t.ratio_middle + invariant_tolerance; ++r) {
      const double difference = std::hypot(r->ratio_middle - t.ratio_middle, r->ratio_short - t.ratio_short);
      if (difference <= invariant_tolerance)
        proposals.push_back({difference, static_cast<std::size_t>(r - reference_triangles.begin()), f});
    }
  }
  std::sort(proposals.begin(), proposals.end(), [](const Proposal& a, const Proposal& b) {
    if (a.difference != b.difference) return a.difference < b.difference;
    return a.reference_triangle != b.reference_triangle ? a.reference_triangle < b.reference_triangle
                                                        : a.frame_triangle < b.frame_triangle;
  });
  if (proposals.size() > most_hypotheses) proposals.resize(most_hypotheses);

  const std::vector<Point> reference_all = positions(reference_stars, reference_stars.size());
  const std::vector<Point> frame_all = positions(frame_stars, frame_stars.size());
  const std::vector<Point> reference_voters = positions(reference_stars, scoring_stars);
  const NearestPoint frame_finder(frame_all, settings.tolerance);

  // A mirrored frame shows up as triangles of opposite turning: tried through a flipped reference,
  // so it can be named rather than only failing to match.
  Eigen::Matrix3d flip = Eigen::Matrix3d::Identity();
  flip(0, 0) = -1;
  std::size_t best_votes = 0, best_mirrored_votes = 0;
  Eigen::Matrix3d best = Eigen::Matrix3d::Identity();
  for (const Proposal& proposal : proposals) {
    const Triangle& r = reference_triangles[proposal.reference_triangle];
    const Triangle& f = frame_triangles[proposal.frame_triangle];
    const bool mirrored = r.clockwise != f.clockwise;
    std::vector<Point> from, to;
    for (int k = 0; k < 3; ++k) {
      Point p = reference_bright[r.vertices[static_cast<std::size_t>(k)]];
      if (mirrored) p.x = -p.x;
      from.push_back(p);
      to.push_back(frame_bright[f.vertices[static_cast<std::size_t>(k)]]);
    }
    auto similarity = fit_transform(TransformKind::similarity, from, to);
    if (!similarity || rms_residual(*similarity, from, to) > settings.tolerance) continue;
    if (std::abs(scale_of(*similarity) - 1) > settings.max_scale_change) continue;
    const Eigen::Matrix3d candidate = mirrored ? Eigen::Matrix3d(*similarity * flip) : *similarity;
    const std::size_t votes = count_agreeing(candidate, reference_voters, frame_finder, settings.tolerance);
    if (mirrored) {
      best_mirrored_votes = std::max(best_mirrored_votes, votes);
    } else if (votes > best_votes) {
      best_votes = votes;
      best = candidate;
    }
  }
  if (best_mirrored_votes >= needed && best_mirrored_votes > 2 * best_votes)
    return {std::nullopt, "the frame is mirrored relative to the reference (" +
                              std::to_string(best_mirrored_votes) +
                              " stars agree with a flipped image); registration does not flip frames"};
  if (best_votes < needed)
    return {std::nullopt, "no consistent match with the reference frame's stars (best: " +
                              std::to_string(best_votes) + " stars agree, " + std::to_string(needed) +
                              " needed; another target, clouds, or too little overlap?)"};

  // Refine: pair every star through the current transform, fit the requested kind, again.
  Eigen::Matrix3d transform = best;
  std::vector<Point> from, to;
  for (int round = 0; round < 4; ++round) {
    pair_stars(transform, reference_all, frame_all, frame_finder, settings.tolerance, from, to);
    if (round == 3 && from.size() >= minimum_points(settings.kind)) {
      // The last round drops pairs far outside the spread of the others (blends, a moved star).
      const double rms = rms_residual(transform, from, to);
      const double limit = std::max(3 * rms, 0.3);
      std::vector<Point> kept_from, kept_to;
      for (std::size_t i = 0; i < from.size(); ++i)
        if (distance(apply(transform, from[i]), to[i]) <= limit) {
          kept_from.push_back(from[i]);
          kept_to.push_back(to[i]);
        }
      from = std::move(kept_from);
      to = std::move(kept_to);
    }
    if (from.size() < needed) break;
    auto fitted = fit_transform(settings.kind, from, to);
    if (!fitted) break;
    transform = *fitted;
  }
  if (from.size() < needed)
    return {std::nullopt, "only " + std::to_string(from.size()) +
                              " stars pair up with the reference frame's (" + std::to_string(needed) +
                              " needed)"};
  const double scale = scale_of(transform);
  if (std::abs(scale - 1) > settings.max_scale_change)
    return {std::nullopt, "the fitted transform changes the scale by " +
                              std::to_string(static_cast<int>(std::lround(100 * (scale - 1)))) +
                              " % (more than max_scale_change)"};
  return {StarMatch{transform, from.size(), rms_residual(transform, from, to)}, ""};
}

}  // namespace nightstack
