// Where the sky is, for blending a landscape from one stack with the sky of another: a horizon
// found in the image (by brightness or at a height), or a mask, feathered so the seam is soft.
#pragma once

#include <optional>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// Per pixel (row-major, width x height) the sky's weight, 1 = sky, 0 = foreground.
using SkyWeights = std::vector<double>;

// The brightness that best splits the values into two classes (Otsu's method on 256 bins between
// the smallest and largest finite value).
double two_class_threshold(const std::vector<double>& values);

struct BrightnessHorizon {
  std::optional<double> level;  // the luminance below which the foreground lies; none: two_class_threshold
  double highest = 1.0;         // the foreground reaches at most this fraction of the height
  double level_used = 0;        // set by the search
};

// The foreground is, in each column, the run of rows from the bottom up whose luminance (the mean
// of the channels, smoothed over a box of about 1% of the height to ignore stars and noise) stays
// below the level, but no higher than `highest` (a fraction of the height: where the sky is as
// dark as the land, brightness alone would take the whole column); the heights found are smoothed
// across columns by a running median, so a single bright or dark column does not cut a notch into
// the horizon.
SkyWeights horizon_by_brightness(const ImageD& foreground, BrightnessHorizon& horizon);

// The bottom `fraction` of the rows is foreground.
SkyWeights horizon_at_height(int width, int height, double fraction);

// Softens the edges: a box blur of `radius` pixels applied twice along rows and columns (a tent
// of about 2 x radius across), values clamped at the borders. 0 leaves the mask as it is.
void feather(SkyWeights& weights, int width, int height, int radius);

// sky x w + foreground x (1 - w), per channel; the images must have the same shape.
ImageD blend_by_weights(const ImageD& sky, const ImageD& foreground, const SkyWeights& weights);

}  // namespace nightstack
