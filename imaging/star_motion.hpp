// How the stars moved between two frames of a fixed camera: bright spots found in each frame,
// matched, and an affine map fitted to the matches (the sky's rotation about the pole as the lens
// draws it, close to a rotation for a rectilinear lens). Gap filling draws along that motion.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// The sky of one frame's luminance (the mean of its channels): its background (median) and noise
// (1.4826 x MAD), from every second row and column.
struct SkyLevel {
  double background = 0;
  double noise = 0;
  // The level above which a pixel counts as bright: background + sigmas x noise (noise at least
  // 1e-6 of full scale, so a noiseless generated frame still has a level above its background).
  double bright_level(double sigmas) const;
};

std::vector<float> luminance(const ImageF& frame);
SkyLevel measure_sky_level(const std::vector<float>& luminance, int width, int height);

// A connected group of bright pixels (8-neighbourhood) and its centroid, weighted by brightness
// above the level.
struct StarSpot {
  double x = 0;
  double y = 0;
  double flux = 0;
  std::size_t pixels = 0;
};

// The `most` brightest spots of at least `minimum_pixels` pixels above `level`, brightest first.
std::vector<StarSpot> find_star_spots(const std::vector<float>& luminance, int width, int height,
                                      double level, std::size_t most = 400, std::size_t minimum_pixels = 2);

// x' = c[0] + c[1] x + c[2] y, y' = c[3] + c[4] x + c[5] y: where a point of the first frame is in
// the second.
struct AffineMotion {
  double c[6] = {0, 1, 0, 0, 0, 1};
  double moved_x(double x, double y) const { return c[0] + c[1] * x + c[2] * y; }
  double moved_y(double x, double y) const { return c[3] + c[4] * x + c[5] * y; }
};

struct MotionEstimate {
  AffineMotion motion;
  std::size_t matches = 0;  // spot pairs the fit used
  double residual = 0;      // their root-mean-square distance from the fit, in pixels
};

// The motion carrying the spots `before` onto the spots `after`, each spot moving at most
// `max_shift` pixels. Spots that stay put (less than one pixel: landscape lights, hot pixels) do
// not vote. The dominant displacement is found by voting, then refined to an affine fit of the
// nearest pairs. Nothing unless at least 6 pairs, and a fifth of the spots of the frame with fewer,
// agree within a pixel (rms): frames far apart in time, or a pair spoilt by clouds, give nothing
// rather than a chance alignment to draw along.
std::optional<MotionEstimate> estimate_star_motion(const std::vector<StarSpot>& before,
                                                   const std::vector<StarSpot>& after, double max_shift);

}  // namespace nightstack
