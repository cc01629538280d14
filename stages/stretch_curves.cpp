// The stretch curves and the autostretch parameter search, written out as their formulas.
#include "stages/stretch_curves.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace nightstack {

double asinh_stretch(double x, double beta) { return std::asinh(beta * x) / std::asinh(beta); }

double gamma_stretch(double x, double gamma) {
  const double exponent = 1.0 / gamma;
  return x < 0.0 ? -std::pow(-x, exponent) : std::pow(x, exponent);
}

double midtones_transfer(double midtones, double x) {
  // The ends are returned exactly (the formula would round 1 to a neighbour of 1 for some m).
  if (!(x > 0.0)) return 0.0;
  if (x >= 1.0) return 1.0;
  return ((midtones - 1.0) * x) / ((2.0 * midtones - 1.0) * x - midtones);
}

double midtones_for(double x, double target) { return midtones_transfer(target, x); }

double apply_midtones_stretch(const MidtonesStretch& stretch, double x) {
  if (std::isnan(x)) return x;
  return midtones_transfer(stretch.midtones, (x - stretch.shadows) / (1.0 - stretch.shadows));
}

MidtonesStretch auto_midtones_stretch(const std::vector<double>& medians, const std::vector<double>& mads,
                                      double shadows_clipping, double target_background) {
  double median_sum = 0.0, shadows_sum = 0.0;
  std::size_t used = 0;
  for (std::size_t channel = 0; channel < medians.size() && channel < mads.size(); ++channel) {
    const double median = medians[channel];
    if (!std::isfinite(median) || !std::isfinite(mads[channel])) continue;
    double sigma = mad_to_sigma * mads[channel];
    if (sigma == 0.0) sigma = sigma_when_mad_is_zero;
    median_sum += median;
    shadows_sum += median - shadows_clipping * sigma;
    ++used;
  }
  if (used == 0) return {};
  const double median = median_sum / static_cast<double>(used);
  if (!(median > 0.0 && median < 1.0)) return {};
  const double shadows = std::max(0.0, shadows_sum / static_cast<double>(used));
  const double background = (median - shadows) / (1.0 - shadows);
  if (!(background > 0.0)) return {};
  return {shadows, midtones_for(background, target_background)};
}

}  // namespace nightstack
