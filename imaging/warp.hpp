// Resampling a frame onto another frame's pixel grid through a plane transform, on linear data.
// Output pixels whose source position falls outside the frame are NaN ("missing"), which every
// stack method skips and counts: that is the per-pixel coverage of a registered stack.
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <string>

#include "pipeline/image.hpp"

namespace nightstack {

enum class Interpolation { bilinear, bicubic, lanczos3 };

std::optional<Interpolation> parse_interpolation(const std::string& text);
std::string to_string(Interpolation interpolation);

// The output canvas in the target's pixel coordinates: output pixel (column, row) is the target's
// pixel (left + column, top + row).
struct Canvas {
  int left = 0;
  int top = 0;
  int width = 0;
  int height = 0;
};

// For every channel: output(column, row) = source at target_to_source(left + column, top + row).
// Kernels reaching over the frame's edge repeat the edge pixel; positions more than half a pixel
// outside the frame give NaN. Lanczos3 is clamped to the range of the four nearest samples so
// bright stars ring neither dark nor bright. Weights are normalised, so a flat field stays flat.
ImageF warp_image(const ImageF& source, const Eigen::Matrix3d& target_to_source, const Canvas& canvas,
                  Interpolation interpolation);

// Rows [first_row, end_row) of the same warp into `output` (canvas-sized, the source's channels;
// every sample of those rows is written, NaN included): row blocks on several threads, or into
// reused storage, give the bits of warp_image.
void warp_rows(const ImageF& source, const Eigen::Matrix3d& target_to_source, const Canvas& canvas,
               Interpolation interpolation, int first_row, int end_row, ImageF& output);

}  // namespace nightstack
