// Small copies of output images for the run report: box-averaged down to a maximum width.
#pragma once

#include "pipeline/image.hpp"

namespace nightstack {

// Each preview pixel is the mean of the block of source pixels it covers (NaN ignored). An image
// already narrower than max_width is returned as it is.
ImageD make_preview(const ImageD& image, int max_width);

}  // namespace nightstack
