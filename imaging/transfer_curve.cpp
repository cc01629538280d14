// The exact piecewise sRGB curve and a pure power-law gamma.
#include "imaging/transfer_curve.hpp"

#include <cmath>

namespace nightstack {

namespace {
// Mirrors a curve defined on [0, inf) to negative inputs.
template <class Curve>
double odd_extension(double value, Curve curve) {
  return value < 0 ? -curve(-value) : curve(value);
}
}  // namespace

double srgb_to_linear(double encoded) {
  return odd_extension(encoded, [](double value) {
    return value <= 0.04045 ? value / 12.92 : std::pow((value + 0.055) / 1.055, 2.4);
  });
}

double linear_to_srgb(double linear) {
  return odd_extension(linear, [](double value) {
    return value <= 0.0031308 ? value * 12.92 : 1.055 * std::pow(value, 1.0 / 2.4) - 0.055;
  });
}

double gamma_to_linear(double encoded, double gamma) {
  return odd_extension(encoded, [gamma](double value) { return std::pow(value, gamma); });
}

double linear_to_gamma(double linear, double gamma) {
  return odd_extension(linear, [gamma](double value) { return std::pow(value, 1.0 / gamma); });
}

}  // namespace nightstack
