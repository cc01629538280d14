// Robust z-scores of per-frame background and noise.
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

}  // namespace

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
