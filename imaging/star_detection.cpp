// Star detection: background map from clipped cell medians, peaks of a lightly smoothed excess,
// then adaptive Gaussian-weighted moments per star (the weight follows the star's own width, which
// makes the centroid unbiased and lets the width be deconvolved from the weight exactly for a
// Gaussian profile).
#include "imaging/star_detection.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace nightstack {

namespace {

constexpr double sigma_to_fwhm = 2.3548200450309493;  // 2 sqrt(2 ln 2)

// Median of `values` (reordered); NaN when empty.
double median_of(std::vector<float>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

// The stride of the samples whole-frame medians are taken from: every 7th pixel, or sparser for
// large frames so that about 65536 are taken (plenty for a median; sorting a 24-megapixel frame's
// every 7th value would cost more than the rest of the detection). Never a divisor of the width, so
// the samples walk across the columns.
std::size_t sample_stride(std::size_t pixels, int width) {
  std::size_t stride = std::max<std::size_t>(7, pixels / 65536);
  while (std::gcd(stride, static_cast<std::size_t>(width)) != 1) ++stride;
  return stride;
}

struct SkyCell {
  double level = 0;
  double sigma = 0;
};

// Median and robust sigma (1.4826 MAD) of one cell, after dropping values above median + 3 sigma
// once, so the stars in the cell do not lift its sky.
SkyCell measure_cell(std::vector<float>& values) {
  SkyCell cell;
  for (int round = 0; round < 2; ++round) {
    const double level = median_of(values);
    if (std::isnan(level)) return {};
    std::vector<float> deviations(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      deviations[i] = static_cast<float>(std::abs(values[i] - level));
    cell = {level, 1.4826 * median_of(deviations)};
    const auto limit = static_cast<float>(level + 3 * cell.sigma);
    // Nothing clipped (most cells: sky only): the second round would measure the same values.
    if (std::erase_if(values, [&](float value) { return value > limit; }) == 0) break;
  }
  return cell;
}

// The excess over the sky at every pixel (NaN where the plane is NaN): the sky level comes from
// cell medians on a grid, interpolated bilinearly between cell centres. Also gives the median of
// the cells' sigmas (the frame's noise) and the median sky level (of a sample: the sky map is
// smooth, so a sample gives its median without sorting the whole frame).
void excess_over_sky(const LuminancePlane& plane, int cell_size, double& noise, double& sky,
                     std::vector<float>& excess) {
  const int columns = std::max(1, (plane.width + cell_size - 1) / cell_size);
  const int rows = std::max(1, (plane.height + cell_size - 1) / cell_size);
  std::vector<double> levels(static_cast<std::size_t>(columns) * rows);
  std::vector<float> sigmas, values;
  for (int cell_row = 0; cell_row < rows; ++cell_row) {
    for (int cell_column = 0; cell_column < columns; ++cell_column) {
      values.clear();
      // Every other pixel each way: a quarter of the cell is plenty for a median, at a quarter of the cost.
      for (int y = cell_row * cell_size; y < std::min(plane.height, (cell_row + 1) * cell_size); y += 2)
        for (int x = cell_column * cell_size; x < std::min(plane.width, (cell_column + 1) * cell_size);
             x += 2) {
          const float value = plane.values[static_cast<std::size_t>(y) * plane.width + x];
          if (!std::isnan(value)) values.push_back(value);
        }
      const SkyCell cell = measure_cell(values);
      levels[static_cast<std::size_t>(cell_row) * columns + cell_column] = cell.level;
      if (cell.sigma > 0) sigmas.push_back(static_cast<float>(cell.sigma));
    }
  }
  noise = sigmas.empty() ? 0.0 : median_of(sigmas);
  auto grid_position = [&](int pixel, int cells) {
    const double position = (pixel + 0.5) / cell_size - 0.5;
    return std::clamp(position, 0.0, static_cast<double>(cells - 1));
  };
  // Each grid row interpolated along x once (the sky along every pixel column of it); a pixel row
  // then mixes two of them: the same arithmetic as interpolating pixel by pixel, in a loop that
  // vectorizes.
  std::vector<double> along(static_cast<std::size_t>(rows) * plane.width);
  for (int grid_row = 0; grid_row < rows; ++grid_row) {
    const double* row_levels = levels.data() + static_cast<std::size_t>(grid_row) * columns;
    double* row_along = along.data() + static_cast<std::size_t>(grid_row) * plane.width;
    for (int x = 0; x < plane.width; ++x) {
      const double gx = grid_position(x, columns);
      const int x0 = std::min(static_cast<int>(gx), columns - 1), x1 = std::min(x0 + 1, columns - 1);
      const double fx = gx - x0;
      row_along[x] = row_levels[x0] * (1 - fx) + row_levels[x1] * fx;
    }
  }
  excess.resize(plane.values.size());
  std::vector<float> sky_sample;
  const std::size_t stride = sample_stride(plane.values.size(), plane.width);
  for (int y = 0; y < plane.height; ++y) {
    const double gy = grid_position(y, rows);
    const int y0 = std::min(static_cast<int>(gy), rows - 1), y1 = std::min(y0 + 1, rows - 1);
    const double fy = gy - y0;
    const double* top = along.data() + static_cast<std::size_t>(y0) * plane.width;
    const double* bottom = along.data() + static_cast<std::size_t>(y1) * plane.width;
    const float* values = plane.values.data() + static_cast<std::size_t>(y) * plane.width;
    float* row_excess = excess.data() + static_cast<std::size_t>(y) * plane.width;
    for (int x = 0; x < plane.width; ++x)
      row_excess[x] = values[x] - static_cast<float>(top[x] * (1 - fy) + bottom[x] * fy);
    // The sampled levels: the same values, taken again where the sample falls.
    const std::size_t row_start = static_cast<std::size_t>(y) * plane.width;
    for (std::size_t i = (row_start + stride - 1) / stride * stride; i < row_start + plane.width;
         i += stride) {
      const std::size_t x = i - row_start;
      sky_sample.push_back(static_cast<float>(top[x] * (1 - fy) + bottom[x] * fy));
    }
  }
  sky = median_of(sky_sample);
}

// The excess smoothed by [1 2 1]/4 in both directions: noise drops to 0.375 of a pixel's while a
// star's peak barely moves, so noise spikes rarely pass for stars.
void smooth(const std::vector<float>& excess, int width, int height, std::vector<float>& across,
            std::vector<float>& result) {
  across.resize(excess.size());
  result.resize(excess.size());
  // NaN (no data) counts as no excess; written so that the loops vectorize.
  const auto known = [](float value) { return value == value ? value : 0.0f; };
  const auto mix = [&](float before, float at, float after) {
    return 0.25f * known(before) + 0.5f * known(at) + 0.25f * known(after);
  };
  for (int y = 0; y < height; ++y) {
    const float* line = excess.data() + static_cast<std::size_t>(y) * width;
    float* out = across.data() + static_cast<std::size_t>(y) * width;
    // The edge pixels repeat themselves for the neighbour they lack.
    out[0] = mix(line[0], line[0], line[std::min(1, width - 1)]);
    for (int x = 1; x < width - 1; ++x) out[x] = mix(line[x - 1], line[x], line[x + 1]);
    if (width > 1) out[width - 1] = mix(line[width - 2], line[width - 1], line[width - 1]);
  }
  for (int y = 0; y < height; ++y) {
    const float* up = across.data() + static_cast<std::size_t>(std::max(y - 1, 0)) * width;
    const float* at = across.data() + static_cast<std::size_t>(y) * width;
    const float* down = across.data() + static_cast<std::size_t>(std::min(y + 1, height - 1)) * width;
    float* out = result.data() + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width; ++x) out[x] = mix(up[x], at[x], down[x]);
  }
}

struct Candidate {
  int x = 0;
  int y = 0;
  float strength = 0;  // smoothed excess at the peak
};

// Adaptive moments of the excess around a peak. Returns false when the star cannot be measured
// (no positive signal, a width that does not settle, a centre that wanders off).
bool measure_star(const std::vector<float>& excess, int width, int height, const Candidate& peak,
                  Star& star) {
  double cx = peak.x, cy = peak.y;
  double weight_variance = 1.5 * 1.5;  // of the Gaussian weight, plane pixels squared
  double major = 0, minor = 0;
  for (int iteration = 0; iteration < 12; ++iteration) {
    const int radius = std::clamp(static_cast<int>(std::ceil(3 * std::sqrt(weight_variance))), 3, 16);
    double sum = 0, sum_x = 0, sum_y = 0, sum_xx = 0, sum_yy = 0, sum_xy = 0;
    const int centre_x = static_cast<int>(std::lround(cx)), centre_y = static_cast<int>(std::lround(cy));
    // The Gaussian weight is separable: one exponential per column and per row of the window
    // instead of one per pixel.
    std::array<double, 33> weight_x{}, weight_y{};
    for (int offset = -radius; offset <= radius; ++offset) {
      const double dx = centre_x + offset - cx, dy = centre_y + offset - cy;
      weight_x[static_cast<std::size_t>(offset + radius)] = std::exp(-dx * dx / (2 * weight_variance));
      weight_y[static_cast<std::size_t>(offset + radius)] = std::exp(-dy * dy / (2 * weight_variance));
    }
    for (int y = std::max(0, centre_y - radius); y <= std::min(height - 1, centre_y + radius); ++y) {
      const double row_weight = weight_y[static_cast<std::size_t>(y - centre_y + radius)];
      for (int x = std::max(0, centre_x - radius); x <= std::min(width - 1, centre_x + radius); ++x) {
        const float value = excess[static_cast<std::size_t>(y) * width + x];
        if (std::isnan(value)) continue;
        const double dx = x - cx, dy = y - cy;
        const double weighted =
            value * (row_weight * weight_x[static_cast<std::size_t>(x - centre_x + radius)]);
        sum += weighted;
        sum_x += weighted * dx;
        sum_y += weighted * dy;
        sum_xx += weighted * dx * dx;
        sum_yy += weighted * dy * dy;
        sum_xy += weighted * dx * dy;
      }
    }
    if (sum <= 0) return false;
    const double mean_x = sum_x / sum, mean_y = sum_y / sum;
    const double mxx = sum_xx / sum - mean_x * mean_x, myy = sum_yy / sum - mean_y * mean_y;
    const double mxy = sum_xy / sum - mean_x * mean_y;
    // The weighted moments of a Gaussian star of variance s under a weight of variance w are
    // s w / (s + w): undo that per principal axis.
    const double half_trace = (mxx + myy) / 2;
    const double spread = std::sqrt(std::max(0.0, (mxx - myy) * (mxx - myy) / 4 + mxy * mxy));
    const double measured_major = half_trace + spread, measured_minor = half_trace - spread;
    if (measured_minor <= 0 || measured_major >= weight_variance) return false;
    major = measured_major * weight_variance / (weight_variance - measured_major);
    minor = measured_minor * weight_variance / (weight_variance - measured_minor);
    // The weighted mean sits a fraction w / (s + w) of the way from the weight's centre to the star's.
    const double star_variance = (major + minor) / 2;
    const double step = (star_variance + weight_variance) / weight_variance;
    cx += step * mean_x;
    cy += step * mean_y;
    if (std::abs(cx - peak.x) > 3 || std::abs(cy - peak.y) > 3) return false;
    const double next_variance = std::clamp(star_variance, 0.3, 36.0);
    const bool settled = std::abs(step * mean_x) < 1e-4 && std::abs(step * mean_y) < 1e-4 &&
                         std::abs(next_variance - weight_variance) < 1e-4 * weight_variance;
    weight_variance = next_variance;
    if (settled) break;
  }
  star.x = cx;
  star.y = cy;
  star.fwhm = sigma_to_fwhm * std::sqrt((major + minor) / 2);
  star.roundness = std::sqrt(minor / major);
  // Flux within three sigmas (at least two pixels) of the centre.
  const double aperture = std::max(2.0, 3 * std::sqrt((major + minor) / 2));
  const int reach = static_cast<int>(std::ceil(aperture));
  double flux = 0;
  for (int y = std::max(0, peak.y - reach - 3); y <= std::min(height - 1, peak.y + reach + 3); ++y)
    for (int x = std::max(0, peak.x - reach - 3); x <= std::min(width - 1, peak.x + reach + 3); ++x) {
      const float value = excess[static_cast<std::size_t>(y) * width + x];
      if (!std::isnan(value) && (x - cx) * (x - cx) + (y - cy) * (y - cy) <= aperture * aperture)
        flux += value;
    }
  star.flux = flux;
  return flux > 0;
}

}  // namespace

LuminancePlane luminance_for_detection(const ImageF& pixels, bool has_cfa_pattern) {
  LuminancePlane plane;
  luminance_for_detection(pixels, has_cfa_pattern, plane);
  return plane;
}

void luminance_for_detection(const ImageF& pixels, bool has_cfa_pattern, LuminancePlane& plane) {
  plane.scale = 1;
  plane.offset = 0;
  if (has_cfa_pattern && pixels.channels() == 1) {
    // Each of the four cell positions is divided by its own median first (a rough white balance),
    // so a grey star weighs the four pixels of a cell alike and its binned centroid is not pulled
    // towards the most sensitive colour.
    std::array<float, 4> gains{1, 1, 1, 1};
    for (int position = 0; position < 4; ++position) {
      std::vector<float> values;
      for (int y = position / 2; y < pixels.height(); y += 8)
        for (int x = position % 2; x < pixels.width(); x += 8) values.push_back(pixels.at(0, y, x));
      const double level = median_of(values);
      if (level > 0) gains[static_cast<std::size_t>(position)] = static_cast<float>(1 / level);
    }
    const float mean_gain = (gains[0] + gains[1] + gains[2] + gains[3]) / 4;
    for (float& gain : gains) gain /= mean_gain;
    plane.width = pixels.width() / 2;
    plane.height = pixels.height() / 2;
    plane.scale = 2;
    plane.offset = 0.5;
    plane.values.resize(static_cast<std::size_t>(plane.width) * plane.height);
    plane.highest.resize(plane.values.size());
    for (int y = 0; y < plane.height; ++y)
      for (int x = 0; x < plane.width; ++x) {
        const float a = pixels.at(0, 2 * y, 2 * x), b = pixels.at(0, 2 * y, 2 * x + 1);
        const float c = pixels.at(0, 2 * y + 1, 2 * x), d = pixels.at(0, 2 * y + 1, 2 * x + 1);
        const std::size_t i = static_cast<std::size_t>(y) * plane.width + x;
        plane.values[i] = (a * gains[0] + b * gains[1] + c * gains[2] + d * gains[3]) / 4;
        plane.highest[i] = std::max({a, b, c, d});
      }
    return;
  }
  plane.width = pixels.width();
  plane.height = pixels.height();
  plane.values.assign(pixels.plane_size(), 0.0f);
  plane.highest.assign(pixels.plane_size(), -std::numeric_limits<float>::infinity());
  for (int channel = 0; channel < pixels.channels(); ++channel) {
    const auto values = pixels.plane(channel);
    for (std::size_t i = 0; i < values.size(); ++i) {
      plane.values[i] += values[i];
      plane.highest[i] = std::max(plane.highest[i], values[i]);
    }
  }
  const float share = 1.0f / static_cast<float>(std::max(1, pixels.channels()));
  for (float& value : plane.values) value *= share;
}

StarDetection detect_stars(const LuminancePlane& plane, const DetectionSettings& settings) {
  DetectionScratch scratch;
  return detect_stars(plane, settings, scratch);
}

StarDetection detect_stars(const LuminancePlane& plane, const DetectionSettings& settings,
                           DetectionScratch& scratch) {
  StarDetection result;
  const int width = plane.width, height = plane.height;
  if (width < 8 || height < 8) return result;
  double noise = 0;
  excess_over_sky(plane, settings.background_cell, noise, result.background, scratch.excess);
  result.noise = noise;
  smooth(scratch.excess, width, height, scratch.across, scratch.smooth);
  const std::vector<float>& excess = scratch.excess;
  const std::vector<float>& smooth = scratch.smooth;
  // The threshold is in sigmas of the smoothed excess, measured (1.4826 MAD of a sample) rather than
  // taken as 0.375 of the pixel noise: that holds for white noise only, and demosaiced or binned
  // frames have neighbours that share their noise, which smoothing then hardly reduces.
  std::vector<float> sample;
  const std::size_t stride = sample_stride(smooth.size(), width);
  for (std::size_t i = 0; i < smooth.size(); i += stride)
    if (!std::isnan(plane.values[i])) sample.push_back(smooth[i]);
  const double sample_median = median_of(sample);
  for (float& value : sample) value = static_cast<float>(std::abs(value - sample_median));
  const double smooth_noise = sample.empty() ? 0.375 * noise : 1.4826 * median_of(sample);
  const double threshold = settings.threshold_sigma * std::max(smooth_noise, 1e-30);

  std::vector<Candidate> candidates;
  for (int y = 2; y < height - 2; ++y) {
    for (int x = 2; x < width - 2; ++x) {
      const float value = smooth[static_cast<std::size_t>(y) * width + x];
      if (!(value > threshold)) continue;
      bool highest = true;
      for (int dy = -1; dy <= 1 && highest; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          if (dx == 0 && dy == 0) continue;
          const float other = smooth[static_cast<std::size_t>(y + dy) * width + x + dx];
          // Ties go to the first pixel in reading order, so a flat top gives one peak.
          if (other > value || (other == value && (dy < 0 || (dy == 0 && dx < 0)))) {
            highest = false;
            break;
          }
        }
      if (highest) candidates.push_back({x, y, value});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.strength != b.strength ? a.strength > b.strength : (a.y != b.y ? a.y < b.y : a.x < b.x);
  });
  if (candidates.size() > 3 * settings.max_stars) candidates.resize(3 * settings.max_stars);

  std::vector<Star> stars;
  for (const Candidate& candidate : candidates) {
    // The brightest raw pixel around the peak: saturation, and the hot-pixel test.
    int best_x = candidate.x, best_y = candidate.y;
    float highest_raw = -std::numeric_limits<float>::infinity();
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const std::size_t i = static_cast<std::size_t>(candidate.y + dy) * width + candidate.x + dx;
        highest_raw = std::max(highest_raw, plane.highest[i]);
        if (excess[i] > excess[static_cast<std::size_t>(best_y) * width + best_x]) {
          best_x = candidate.x + dx;
          best_y = candidate.y + dy;
        }
      }
    if (highest_raw >= settings.saturation) {
      ++result.refused_saturated;
      continue;
    }
    // A hot pixel stands alone: its four neighbours hold almost none of its excess, which no star
    // blurred by seeing and optics does.
    const auto at = [&](int y, int x) { return excess[static_cast<std::size_t>(y) * width + x]; };
    const float centre = at(best_y, best_x);
    const float neighbours =
        (at(best_y - 1, best_x) + at(best_y + 1, best_x) + at(best_y, best_x - 1) + at(best_y, best_x + 1)) /
        4;
    if (neighbours < 0.15f * centre) {
      ++result.refused_hot_pixels;
      continue;
    }
    Star star;
    star.peak = centre;
    if (!measure_star(excess, width, height, {best_x, best_y, candidate.strength}, star)) continue;
    // A second peak of the same star (or a blended pair) lies within its core: keep the first.
    bool duplicate = false;
    for (const Star& other : stars) {
      const double reach = std::max(1.5, 0.75 * (other.fwhm + star.fwhm));
      if ((other.x - star.x) * (other.x - star.x) + (other.y - star.y) * (other.y - star.y) < reach * reach) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) stars.push_back(star);
  }
  std::stable_sort(stars.begin(), stars.end(), [](const Star& a, const Star& b) { return a.flux > b.flux; });
  if (stars.size() > settings.max_stars) stars.resize(settings.max_stars);
  for (Star& star : stars) {
    star.x = star.x * plane.scale + plane.offset;
    star.y = star.y * plane.scale + plane.offset;
    star.fwhm *= plane.scale;
  }
  result.stars = std::move(stars);
  return result;
}

StarShapeSummary summarise_star_shapes(const std::vector<Star>& stars) {
  if (stars.empty()) return {};
  std::vector<float> widths, roundness;
  for (const Star& star : stars) {
    widths.push_back(static_cast<float>(star.fwhm));
    roundness.push_back(static_cast<float>(star.roundness));
  }
  return {median_of(widths), median_of(roundness)};
}

}  // namespace nightstack
