// Star detection on linear data: a background and noise map, peaks above it, and per star a
// sub-pixel centroid, flux, FWHM and roundness. Registration matches these stars; frame quality
// summarises them.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// One plane of detection values (linear light), row-major.
struct LuminancePlane {
  int width = 0;
  int height = 0;
  std::vector<float> values;
  std::vector<float> highest;  // the largest raw value behind each plane pixel (saturation test)
  // Plane coordinate -> frame coordinate: frame = plane * scale + offset (2x2 binned CFA: 2, 0.5).
  double scale = 1;
  double offset = 0;
};

// The mean of a frame's channels; a one-plane CFA mosaic (has_cfa_pattern) is binned 2x2 first, so
// each value holds one whole Bayer cell and the colour pattern does not look like stars.
LuminancePlane luminance_for_detection(const ImageF& pixels, bool has_cfa_pattern);
// The same into `plane`, reusing its storage (a thread's planes from frame to frame: fresh pages
// cost more than the arithmetic).
void luminance_for_detection(const ImageF& pixels, bool has_cfa_pattern, LuminancePlane& plane);

struct Star {
  double x = 0;  // centroid, frame pixels (the centre of the top-left pixel is 0,0)
  double y = 0;
  double flux = 0;       // background-subtracted sum within the star's aperture
  double peak = 0;       // highest value above the background
  double fwhm = 0;       // full width at half maximum, frame pixels (mean of the two axes)
  double roundness = 1;  // minor / major axis (1: round)
};

struct DetectionSettings {
  double threshold_sigma = 5;   // a peak must rise this many noise sigmas above the background
  std::size_t max_stars = 500;  // the brightest ones are kept
  // Values at or above this (in frame units) are saturated; stars reaching it are refused (their
  // centre is flat). Infinity: no saturation.
  double saturation = 1e300;
  int background_cell = 32;  // side of the cells of the background map, plane pixels
};

struct StarDetection {
  std::vector<Star> stars;  // brightest first
  double background = 0;    // median of the background map
  double noise = 0;         // robust standard deviation of the sky
  std::size_t refused_saturated = 0;
  std::size_t refused_hot_pixels = 0;
};

StarDetection detect_stars(const LuminancePlane& plane, const DetectionSettings& settings);

// The planes detect_stars works in, kept by a caller that detects frame after frame on one thread.
struct DetectionScratch {
  std::vector<float> excess;  // luminance minus the sky map
  std::vector<float> across;  // the excess smoothed along rows
  std::vector<float> smooth;  // ... and then along columns
};
StarDetection detect_stars(const LuminancePlane& plane, const DetectionSettings& settings,
                           DetectionScratch& scratch);

// Median FWHM and roundness of the stars found (0 and 0 when there are none).
struct StarShapeSummary {
  double fwhm = 0;
  double roundness = 0;
};
StarShapeSummary summarise_star_shapes(const std::vector<Star>& stars);

}  // namespace nightstack
