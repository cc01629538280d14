// Histogram-based robust statistics of one frame.
#include "pipeline/frame_statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace nightstack {

namespace {

constexpr int bins = 65536;
constexpr int row_step = 4;

// The bin holding the sample of rank (count - 1) / 2 (the lower median).
int median_bin(const std::vector<std::size_t>& histogram, std::size_t count) {
  const std::size_t wanted = (count - 1) / 2;
  std::size_t seen = 0;
  for (int bin = 0; bin < bins; ++bin) {
    seen += histogram[static_cast<std::size_t>(bin)];
    if (seen > wanted) return bin;
  }
  return bins - 1;
}

// clamp(round(scaled), 0, bins - 1) with round's halves away from zero, without a libm call per
// sample: between 0 and the top bin, scaled - whole is exact.
std::size_t nearest_bin(double scaled) {
  if (scaled <= 0) return 0;
  if (scaled >= bins - 1) return bins - 1;
  const auto whole = static_cast<std::size_t>(scaled);
  return whole + (scaled - static_cast<double>(whole) >= 0.5 ? 1 : 0);
}

}  // namespace

FrameStatistics measure_frame(const Frame& frame) {
  const auto& pixels = frame.pixels;
  const double white = frame.info.white_level > 0 ? frame.info.white_level : 1.0;
  const float white_sample = static_cast<float>(white);
  FrameStatistics statistics;
  std::vector<std::size_t> histogram(bins), deviations(bins);
  // Codes counted one by one: 0..white for integer white levels up to 16 bits, none otherwise.
  const bool integer_white = white == std::floor(white) && white <= 65535;
  const float top_code = integer_white ? white_sample : -1.0f;
  std::vector<std::size_t> code_counts(integer_white ? static_cast<std::size_t>(white) + 1 : 0);
  for (int channel = 0; channel < pixels.channels(); ++channel) {
    const auto plane = pixels.plane(channel);
    // Four running sums instead of one, so the additions do not wait on each other (exact, and so
    // unchanged, for the integer values of 8- and 16-bit frames).
    double sums[4] = {0, 0, 0, 0};
    std::size_t saturated = 0;
    std::size_t index = 0;
    for (; index + 4 <= plane.size(); index += 4)
      for (std::size_t lane = 0; lane < 4; ++lane) {
        sums[lane] += plane[index + lane];
        saturated += plane[index + lane] >= white_sample;
      }
    for (; index < plane.size(); ++index) {
      sums[0] += plane[index];
      saturated += plane[index] >= white_sample;
    }
    const double sum = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    statistics.saturated += saturated;
    statistics.mean.push_back(plane.empty() ? 0.0 : sum / static_cast<double>(plane.size()) / white);

    std::fill(histogram.begin(), histogram.end(), 0);
    std::fill(code_counts.begin(), code_counts.end(), 0);
    std::size_t counted = 0;
    for (int row = 0; row < pixels.height(); row += row_step) {
      const float* line = plane.data() + static_cast<std::size_t>(row) * pixels.width();
      for (int column = 0; column < pixels.width(); ++column) {
        const float value = line[column];
        // Integer codes (every value of 8- and 16-bit frames) are counted per code and binned
        // below, once per code instead of once per sample; the bins are the same.
        if (value >= 0.0f && value <= top_code) {
          const int code = static_cast<int>(value);
          if (static_cast<float>(code) == value) {
            ++code_counts[static_cast<std::size_t>(code)];
            ++counted;
            continue;
          }
        }
        const double scaled = static_cast<double>(value) / white * (bins - 1);
        if (std::isnan(scaled)) continue;
        ++histogram[nearest_bin(scaled)];
        ++counted;
      }
    }
    for (std::size_t code = 0; code < code_counts.size(); ++code)
      if (code_counts[code] != 0)
        histogram[nearest_bin(static_cast<double>(static_cast<float>(code)) / white * (bins - 1))] +=
            code_counts[code];
    if (counted == 0) {
      statistics.background.push_back(0);
      statistics.noise.push_back(0);
      continue;
    }
    const int median = median_bin(histogram, counted);
    std::fill(deviations.begin(), deviations.end(), 0);
    for (int bin = 0; bin < bins; ++bin) {
      deviations[static_cast<std::size_t>(std::abs(bin - median))] +=
          histogram[static_cast<std::size_t>(bin)];
    }
    const int mad = median_bin(deviations, counted);
    statistics.background.push_back(static_cast<double>(median) / (bins - 1));
    statistics.noise.push_back(1.4826 * static_cast<double>(mad) / (bins - 1));
  }
  return statistics;
}

}  // namespace nightstack
