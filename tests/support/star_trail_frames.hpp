// Generated star-trail sequences with known truth: stars turning about a pole, each frame an
// exposure of part of the interval between frames (so trails have gaps), over a noisy sky.
#pragma once

#include <filesystem>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack::testing {

struct TrailStar {
  double radius;       // pixels from the pole
  double start_angle;  // radians at the first frame's start; 0 points straight down from the pole
  double brightness;   // linear, above the sky
};

struct TrailSequence {
  int width = 200, height = 150;
  double pole_x = 100, pole_y = -250;
  double turn_per_frame = 0.03;    // radians from one frame's start to the next
  double exposed_fraction = 0.55;  // of each interval; the rest is the gap
  double sky = 0.02;
  double noise = 0.003;  // standard deviation of the sky's noise
  double star_sigma = 0.9;
  std::vector<TrailStar> stars;
  // A static light (a lamp in the landscape): bright in every frame at the same place.
  bool lamp = true;
  int lamp_x = 20, lamp_y = 140;

  // Where star `star` is at `time`, in frame intervals from the first frame's start.
  double x_at(const TrailStar& star, double time) const;
  double y_at(const TrailStar& star, double time) const;
  // Frame `index` (mono), values in linear light.
  ImageD frame(int index, unsigned seed) const;
  // Whether the pixel lies within `distance` of a star's continuous path over `frames` intervals
  // (gaps included) or of the lamp.
  bool near_truth(int column, int row, int frames, double distance) const;
};

// Twelve stars on concentric arcs 9 pixels apart, 8 to 11 pixels of motion per frame.
TrailSequence twelve_star_sequence();

// Writes `count` frames as 32-bit float FITS frame_01.fits, ...; returns them.
std::vector<ImageD> write_trail_frames(const TrailSequence& sequence, int count,
                                       const std::filesystem::path& directory);

// Connected groups (8-neighbourhood) of the samples of channel 0 above `level`.
int count_components_above(const ImageD& image, double level);

}  // namespace nightstack::testing
