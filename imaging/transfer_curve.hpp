// Transfer curves between encoded values and linear light (IEC 61966-2-1 sRGB, pure gamma).
// Values are relative to full scale (0..1); outside that range the curves extend symmetrically,
// so negative values (bias-subtracted data) and over-range values survive a round trip.
#pragma once

namespace nightstack {

double srgb_to_linear(double encoded);
double linear_to_srgb(double linear);
double gamma_to_linear(double encoded, double gamma);
double linear_to_gamma(double linear, double gamma);

}  // namespace nightstack
