// Generated star fields with known truth for the registration tests: stars on a sky larger than
// the frames, each frame a known similarity of that sky, pixels integrated exactly (erf), Gaussian
// noise from a fixed seed.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack::testing {

struct FieldStar {
  double x = 0;  // sky coordinates
  double y = 0;
  double flux = 0;  // total counts
};

// `count` stars uniformly over [left, left + width) x [top, top + height), fluxes from a power law
// between `faintest` and 50 times it (few bright, many faint).
std::vector<FieldStar> random_star_field(std::size_t count, double left, double top, double width,
                                         double height, double faintest, std::uint32_t seed);

// Sky -> frame: rotate by `degrees` about the sky point (centre_x, centre_y), then shift.
Eigen::Matrix3d sky_to_frame(double shift_x, double shift_y, double degrees, double centre_x,
                             double centre_y);

struct FieldLook {
  double sigma = 1.3;       // Gaussian PSF sigma, pixels
  double background = 100;  // counts
  double noise = 2;         // counts, per pixel (0: none)
  int channels = 1;         // every channel gets the same stars
  std::uint32_t seed = 1;
};

ImageF render_star_field(int width, int height, const std::vector<FieldStar>& stars,
                         const Eigen::Matrix3d& sky_to_frame, const FieldLook& look);

}  // namespace nightstack::testing
