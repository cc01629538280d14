// Hot and cold pixels: detection by robust statistics, repair from same-colour neighbours.
#include "stages/cosmetic_correction.hpp"

#include <algorithm>
#include <cmath>

namespace nightstack {

namespace {

constexpr double mad_to_sigma = 1.4826;

double median_of(std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  return (*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle)) + upper) /
         2;
}

// Colour groups whose statistics are taken separately: one per CFA colour, or one for the plane.
int group_of(const std::optional<BayerPattern>& pattern, int row, int column) {
  return pattern ? pattern->channel_at(row, column) : 0;
}

struct Spread {
  double centre = 0, sigma = 0;
};

// Per group, the median and robust sigma of `values` (one per pixel, NaN for none).
std::vector<Spread> spreads(const std::vector<double>& values, int width,
                            const std::optional<BayerPattern>& pattern) {
  std::vector<Spread> result(pattern ? 3 : 1);
  std::vector<double> group_values;
  for (std::size_t group = 0; group < result.size(); ++group) {
    group_values.clear();
    for (std::size_t index = 0; index < values.size(); ++index) {
      const int row = static_cast<int>(index / width), column = static_cast<int>(index % width);
      if (group_of(pattern, row, column) == static_cast<int>(group) && std::isfinite(values[index]))
        group_values.push_back(values[index]);
    }
    result[group].centre = median_of(group_values);
    for (double& value : group_values) value = std::abs(value - result[group].centre);
    result[group].sigma = mad_to_sigma * median_of(group_values);
  }
  return result;
}

void flag_outliers(const std::vector<double>& values, int width, const std::optional<BayerPattern>& pattern,
                   std::optional<double> hot_sigma, std::optional<double> cold_sigma, DefectMap& defects) {
  const auto groups = spreads(values, width, pattern);
  for (std::size_t index = 0; index < values.size(); ++index) {
    const Spread& spread =
        groups[group_of(pattern, static_cast<int>(index / width), static_cast<int>(index % width))];
    const double deviation = values[index] - spread.centre;
    // A plane with no spread at all (sigma 0) still flags pixels that differ from the rest.
    if (hot_sigma && deviation > *hot_sigma * spread.sigma && deviation > 0) defects[index] = 1;
    if (cold_sigma && -deviation > *cold_sigma * spread.sigma && deviation < 0) defects[index] = 1;
  }
}

// Offsets of the same-colour neighbours: the 8 around the pixel, one or two steps away.
int neighbour_step(const std::optional<BayerPattern>& pattern) { return pattern ? 2 : 1; }

}  // namespace

DefectMap find_defects_in_dark(const ImageF& dark_current, const std::optional<BayerPattern>& pattern,
                               std::optional<double> hot_sigma, std::optional<double> cold_sigma) {
  DefectMap defects(dark_current.plane_size(), 0);
  std::vector<double> values(dark_current.plane_size());
  for (int channel = 0; channel < dark_current.channels(); ++channel) {
    const auto plane = dark_current.plane(channel);
    std::copy(plane.begin(), plane.end(), values.begin());
    flag_outliers(values, dark_current.width(), pattern, hot_sigma, cold_sigma, defects);
  }
  return defects;
}

DefectMap find_defects_in_frame(const ImageF& frame, const std::optional<BayerPattern>& pattern,
                                std::optional<double> hot_sigma, std::optional<double> cold_sigma) {
  DefectMap defects(frame.plane_size(), 0);
  const int step = neighbour_step(pattern);
  const auto size = frame.plane_size();
  // Per pixel: its difference from the neighbours' median (whose spread over the plane is the
  // noise scale), and how far it stands above the highest or below the lowest neighbour. A lone
  // defect stands out from all of its neighbours; a star's pixel has a bright neighbour.
  std::vector<double> from_median(size), above_highest(size), below_lowest(size);
  std::vector<double> neighbours;
  for (int channel = 0; channel < frame.channels(); ++channel) {
    for (int row = 0; row < frame.height(); ++row) {
      for (int column = 0; column < frame.width(); ++column) {
        neighbours.clear();
        for (int dy = -step; dy <= step; dy += step)
          for (int dx = -step; dx <= step; dx += step) {
            const int y = row + dy, x = column + dx;
            if ((dy || dx) && y >= 0 && y < frame.height() && x >= 0 && x < frame.width() &&
                std::isfinite(frame.at(channel, y, x)))
              neighbours.push_back(frame.at(channel, y, x));
          }
        const auto index = static_cast<std::size_t>(row) * frame.width() + column;
        const double value = frame.at(channel, row, column);
        if (!std::isfinite(value) || neighbours.empty()) {  // missing, or nothing to compare with
          above_highest[index] = below_lowest[index] = from_median[index] = std::nan("");
          continue;
        }
        above_highest[index] = value - *std::max_element(neighbours.begin(), neighbours.end());
        below_lowest[index] = *std::min_element(neighbours.begin(), neighbours.end()) - value;
        from_median[index] = value - median_of(neighbours);
      }
    }
    const auto groups = spreads(from_median, frame.width(), pattern);
    for (std::size_t index = 0; index < size; ++index) {
      const double sigma = groups[group_of(pattern, static_cast<int>(index / frame.width()),
                                           static_cast<int>(index % frame.width()))]
                               .sigma;
      if (hot_sigma && above_highest[index] > *hot_sigma * sigma && above_highest[index] > 0)
        defects[index] = 1;
      if (cold_sigma && below_lowest[index] > *cold_sigma * sigma && below_lowest[index] > 0)
        defects[index] = 1;
    }
  }
  return defects;
}

std::size_t repair_defects(ImageF& pixels, const DefectMap& defects,
                           const std::optional<BayerPattern>& pattern) {
  const int step = neighbour_step(pattern);
  std::size_t repaired = 0;
  std::vector<double> neighbours;
  for (std::size_t index = 0; index < defects.size(); ++index) {
    if (!defects[index]) continue;
    const int row = static_cast<int>(index / pixels.width()),
              column = static_cast<int>(index % pixels.width());
    bool replaced = false;
    for (int channel = 0; channel < pixels.channels(); ++channel) {
      if (!std::isfinite(pixels.at(channel, row, column))) continue;  // a missing pixel stays missing
      neighbours.clear();
      for (int dy = -step; dy <= step; dy += step)
        for (int dx = -step; dx <= step; dx += step) {
          const int y = row + dy, x = column + dx;
          if ((dy || dx) && y >= 0 && y < pixels.height() && x >= 0 && x < pixels.width() &&
              !defects[static_cast<std::size_t>(y) * pixels.width() + x] &&
              std::isfinite(pixels.at(channel, y, x)))
            neighbours.push_back(pixels.at(channel, y, x));
        }
      if (neighbours.empty()) continue;
      pixels.at(channel, row, column) = static_cast<float>(median_of(neighbours));
      replaced = true;
    }
    if (replaced) ++repaired;
  }
  return repaired;
}

std::size_t count_defects(const DefectMap& defects) {
  return static_cast<std::size_t>(std::count(defects.begin(), defects.end(), std::uint8_t{1}));
}

}  // namespace nightstack
