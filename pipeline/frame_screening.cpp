// Robust z-scores of per-frame background and noise, over the sequence and against neighbours.
#include "pipeline/frame_screening.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace nightstack {

namespace {

double channel_average(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

double median_of(std::vector<double> values) {
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  double upper = *middle;
  if (values.size() % 2 == 1) return upper;
  return (upper + *std::max_element(values.begin(), middle)) / 2.0;
}

void judge(const std::vector<double>& values, double threshold, const char* what, bool only_above,
           std::vector<FrameVerdict>& verdicts) {
  const double center = median_of(values);
  std::vector<double> deviations;
  for (double value : values) deviations.push_back(std::abs(value - center));
  // Measurements of 8-bit frames are coarse (a MAD of 0 or 1 code is common), so a uniform sequence
  // can have a MAD of 0: the floor of 2% of the typical value keeps that jitter from counting.
  const double spread = std::max(1.4826 * median_of(deviations), 1e-9 + 0.02 * std::abs(center));
  for (std::size_t position = 0; position < values.size(); ++position) {
    const double score = (values[position] - center) / spread;
    if (std::abs(score) <= threshold || (only_above && score < 0)) continue;
    char reason[160];
    std::snprintf(reason, sizeof reason, "%s %.4g is %.1f robust sigma %s the sequence's %.4g", what,
                  values[position], std::abs(score), score > 0 ? "above" : "below", center);
    auto existing = std::find_if(verdicts.begin(), verdicts.end(),
                                 [&](const FrameVerdict& verdict) { return verdict.position == position; });
    if (existing == verdicts.end()) {
      verdicts.push_back({position, reason});
    } else {
      existing->reason += std::string("; ") + reason;
    }
  }
}

// The level the neighbours first..last (but not `position`) point to at `position`: a Theil-Sen
// line (the median of the pairwise slopes, then the median intercept), so a sky that brightens
// steadily is followed to the ends of the night, and a second flash among the neighbours does not
// move it.
double neighbours_trend(const std::vector<double>& levels, std::size_t first, std::size_t last,
                        std::size_t position) {
  std::vector<double> offsets, values;
  for (std::size_t other = first; other <= last; ++other) {
    if (other == position) continue;
    offsets.push_back(static_cast<double>(other) - static_cast<double>(position));
    values.push_back(levels[other]);
  }
  if (values.size() < 2) return values.empty() ? 0.0 : values.front();
  std::vector<double> slopes;
  for (std::size_t i = 0; i < values.size(); ++i)
    for (std::size_t j = i + 1; j < values.size(); ++j)
      slopes.push_back((values[j] - values[i]) / (offsets[j] - offsets[i]));
  const double slope = median_of(slopes);
  std::vector<double> intercepts;
  for (std::size_t i = 0; i < values.size(); ++i) intercepts.push_back(values[i] - slope * offsets[i]);
  return median_of(intercepts);
}

bool by_position(const FrameVerdict& left, const FrameVerdict& right) {
  return left.position < right.position;
}

}  // namespace

std::vector<FrameVerdict> screen_flashes(const std::vector<FrameStatistics>& statistics, double threshold,
                                         std::size_t neighbours) {
  std::vector<FrameVerdict> verdicts;
  const std::size_t count = statistics.size();
  if (count < 3 || neighbours == 0) return verdicts;
  std::vector<double> levels, local, residuals;
  for (const auto& frame : statistics) levels.push_back(channel_average(frame.mean));
  for (std::size_t position = 0; position < count; ++position) {
    const std::size_t first = position >= neighbours ? position - neighbours : 0;
    const std::size_t last = std::min(count - 1, position + neighbours);
    local.push_back(neighbours_trend(levels, first, last, position));
    residuals.push_back(std::abs(levels[position] - local.back()));
  }
  const double typical = 1.4826 * median_of(residuals);
  for (std::size_t position = 0; position < count; ++position) {
    const double spread = std::max(typical, 1e-9 + 0.02 * std::abs(local[position]));
    const double score = (levels[position] - local[position]) / spread;
    if (score <= threshold) continue;
    char reason[200];
    std::snprintf(
        reason, sizeof reason,
        "mean level %.4g is %.1f robust sigma above its neighbours' %.4g (%zu frames on either side): "
        "a flash, headlights?",
        levels[position], score, local[position], neighbours);
    verdicts.push_back({position, reason});
  }
  return verdicts;
}

std::vector<FrameVerdict> merge_verdicts(std::vector<FrameVerdict> first,
                                         const std::vector<FrameVerdict>& second) {
  for (const auto& verdict : second) {
    auto existing = std::find_if(first.begin(), first.end(), [&](const FrameVerdict& other) {
      return other.position == verdict.position;
    });
    if (existing == first.end()) {
      first.push_back(verdict);
    } else {
      existing->reason += "; " + verdict.reason;
    }
  }
  std::sort(first.begin(), first.end(), by_position);
  return first;
}

std::vector<FrameVerdict> screen_frames(const std::vector<FrameStatistics>& statistics, double threshold) {
  std::vector<FrameVerdict> verdicts;
  if (statistics.size() < 3) return verdicts;
  std::vector<double> backgrounds, noises;
  for (const auto& frame : statistics) {
    backgrounds.push_back(channel_average(frame.background));
    noises.push_back(channel_average(frame.noise));
  }
  // A darker sky or a quieter frame is no fault; a very dark background (a capped lens) is.
  judge(backgrounds, threshold, "background", false, verdicts);
  judge(noises, threshold, "noise", true, verdicts);
  std::sort(verdicts.begin(), verdicts.end(), [](const FrameVerdict& left, const FrameVerdict& right) {
    return left.position < right.position;
  });
  return verdicts;
}

}  // namespace nightstack
