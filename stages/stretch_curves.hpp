// Display stretch curves for values already mapped to 0..1 (black point 0, white point 1), and the
// automatic midtones parameters of Siril's autostretch. Pure functions, used by normalize.
#pragma once

#include <vector>

namespace nightstack {

// y = asinh(beta x) / asinh(beta), beta > 0: close to linear (slope beta / asinh(beta)) near black,
// logarithmic in the highlights; 0 -> 0 and 1 -> 1. Odd, so noise below black keeps its sign.
double asinh_stretch(double x, double beta);

// y = x^(1 / gamma), gamma > 0; extended as -(-x)^(1 / gamma) below 0.
double gamma_stretch(double x, double gamma);

// The midtones transfer function MTF(m, x) = ((m - 1) x) / ((2m - 1) x - m), m in (0, 1), on x
// clipped to 0..1: MTF(m, 0) = 0, MTF(m, m) = 0.5, MTF(m, 1) = 1, and MTF(0.5, x) = x.
double midtones_transfer(double midtones, double x);

// The m with MTF(m, x) = target, for x and target in (0, 1). The MTF is its own inverse in this
// sense: solving ((m - 1) x) / ((2m - 1) x - m) = t for m gives m = MTF(t, x).
double midtones_for(double x, double target);

// Siril's autostretch constants: the MAD is scaled to a Gaussian sigma by 1.4826, the shadows clip
// 2.8 sigma below the median, and the background median lands on 0.25.
inline constexpr double mad_to_sigma = 1.4826;
inline constexpr double default_shadows_clipping = 2.8;
inline constexpr double default_target_background = 0.25;
// A MAD of 0 (a flat or heavily clipped background) would put the shadows on the median; Siril
// then uses this sigma instead (in units of the 0..1 range).
inline constexpr double sigma_when_mad_is_zero = 0.001;

struct MidtonesStretch {
  double shadows = 0.0;   // values at or below become 0
  double midtones = 0.5;  // m; 0.5 leaves the values unchanged
};

// y = MTF(m, (x - shadows) / (1 - shadows)), the argument clipped to 0..1 (highlights stay at 1).
double apply_midtones_stretch(const MidtonesStretch& stretch, double x);

// The automatic parameters from the median and MAD of one channel, or of several linked channels
// (then, as Siril's linked autostretch does, the shadows and the median are averaged over them):
//   shadows  s = max(0, mean over channels of (median - shadows_clipping * 1.4826 * MAD))
//   midtones m such that MTF(m, (mean median - s) / (1 - s)) = target_background
// so the background median lands exactly on target_background after apply_midtones_stretch. (Siril
// solves m for mean median - s, without dividing by 1 - s; the two agree when s is 0 and differ
// little while s is small.) Non-finite channels are left out; when the median is not inside (0, 1)
// or not above the shadows, the identity {0, 0.5} is returned.
MidtonesStretch auto_midtones_stretch(const std::vector<double>& medians, const std::vector<double>& mads,
                                      double shadows_clipping = default_shadows_clipping,
                                      double target_background = default_target_background);

}  // namespace nightstack
