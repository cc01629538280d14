// Drizzle (Fruchter & Hook 2002, PASP 114:144): each input pixel, shrunk about its centre to
// `pixfrac` of its side (a "drop"), is mapped through the frame's transform onto an output grid
// `scale` times finer than the reference canvas; every output pixel takes the values of the drops
// that land on it, weighted by the exact area of overlap. Undersampled, dithered frames then give
// back detail that a resampling warp (which interpolates each frame on its own) cannot.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <vector>

#include "imaging/geometric_transform.hpp"
#include "imaging/warp.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

struct DrizzleSettings {
  int scale = 2;         // output pixels per reference pixel, along each axis (1, 2 or 3)
  double pixfrac = 1.0;  // side of a drop, as a fraction of the input pixel's side (0 < pixfrac <= 1)
};

// The exact area of the convex quadrilateral `corners` (in order around it, either way) inside the
// unit square [column, column + 1] x [row, row + 1].
double overlap_area(const std::array<Point, 4>& corners, int column, int row);

struct DrizzledFrame {
  // canvas.width * scale x canvas.height * scale, as many channels as the input. Each value is the
  // overlap-weighted mean of the input values whose drops land on the pixel (surface brightness:
  // values per input pixel, as the warp keeps them, so a flat field stays flat); NaN where none does.
  ImageF pixels;
  // One plane of the same size: the drop area that landed on each output pixel, in output pixel
  // areas (1: the pixel was covered once). Shared by every channel.
  std::vector<double> weights;
};

// Drizzles `source` onto the canvas (in the reference frame's pixels, as for warp_image), refined
// `scale` times: output pixel (u, v) covers reference x from canvas.left - 0.5 + u / scale to
// canvas.left - 0.5 + (u + 1) / scale (y likewise). `reference_to_frame` maps a reference pixel to a
// frame pixel; drops go the other way, through its inverse. An input pixel that is NaN in any
// channel drops nothing (the channels share one set of overlap weights).
DrizzledFrame drizzle_image(const ImageF& source, const Eigen::Matrix3d& reference_to_frame,
                            const Canvas& canvas, const DrizzleSettings& settings);

}  // namespace nightstack
