// Gradient-corrected demosaicing (Malvar, He and Cutler, "High-quality linear interpolation for
// demosaicing of Bayer-patterned color images", ICASSP 2004): bilinear interpolation plus a
// correction from the pixel's own colour, which keeps edges sharper than bilinear alone.
#pragma once

#include "imaging/bayer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// Full RGB from a one-plane mosaic with the paper's fixed 5x5 filters. Known values are kept
// exactly; near the border the mosaic is mirrored about the edge pixel (which keeps each
// position's colour), so every pixel uses the same filter. Needs at least 2x2 pixels; smaller
// mosaics are demosaiced bilinearly.
ImageF demosaic_gradient_corrected(const ImageF& mosaic, const BayerPattern& pattern);

}  // namespace nightstack
