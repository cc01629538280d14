// Renders star arcs as lines of Gaussian profile, the brightest of the stars at each pixel.
#include "tests/support/star_trail_frames.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "tests/support/fixtures.hpp"

namespace nightstack::testing {

namespace {

// Smallest distance from (x, y) to the star's path between two times (sampled at 0.2 px steps).
double distance_to_path(const TrailSequence& sequence, const TrailStar& star, double from, double to,
                        double x, double y) {
  const double length = star.radius * sequence.turn_per_frame * (to - from);
  const int samples = std::max(2, static_cast<int>(length / 0.2) + 1);
  double best = 1e300;
  for (int s = 0; s < samples; ++s) {
    const double time = from + (to - from) * s / (samples - 1);
    best = std::min(best, std::hypot(sequence.x_at(star, time) - x, sequence.y_at(star, time) - y));
  }
  return best;
}

}  // namespace

double TrailSequence::x_at(const TrailStar& star, double time) const {
  return pole_x + star.radius * std::sin(star.start_angle + turn_per_frame * time);
}
double TrailSequence::y_at(const TrailStar& star, double time) const {
  return pole_y + star.radius * std::cos(star.start_angle + turn_per_frame * time);
}

ImageD TrailSequence::frame(int index, unsigned seed) const {
  std::mt19937 generator(seed + static_cast<unsigned>(index) * 7919u);
  std::normal_distribution<double> sky_noise(0.0, noise);
  ImageD image(width, height, 1);
  for (double& value : image.samples()) value = sky + sky_noise(generator);
  for (const auto& star : stars) {
    const double from = index, to = index + exposed_fraction;
    const double x0 = std::min(x_at(star, from), x_at(star, to)),
                 x1 = std::max(x_at(star, from), x_at(star, to));
    const double y0 = std::min(y_at(star, from), y_at(star, to)),
                 y1 = std::max(y_at(star, from), y_at(star, to));
    const double margin = 4 * star_sigma + 1;
    for (int row = std::max(0, static_cast<int>(y0 - margin));
         row <= std::min(height - 1, static_cast<int>(y1 + margin)); ++row)
      for (int column = std::max(0, static_cast<int>(x0 - margin));
           column <= std::min(width - 1, static_cast<int>(x1 + margin)); ++column) {
        const double distance = distance_to_path(*this, star, from, to, column, row);
        const double light = star.brightness * std::exp(-distance * distance / (2 * star_sigma * star_sigma));
        image.at(0, row, column) = std::max(image.at(0, row, column), sky + light);
      }
  }
  if (lamp)
    for (int row = lamp_y - 1; row <= lamp_y + 1; ++row)
      for (int column = lamp_x - 1; column <= lamp_x + 1; ++column) image.at(0, row, column) = 0.8;
  return image;
}

bool TrailSequence::near_truth(int column, int row, int frames, double distance) const {
  if (lamp && std::abs(column - lamp_x) <= 1 + distance && std::abs(row - lamp_y) <= 1 + distance)
    return true;
  for (const auto& star : stars)
    if (distance_to_path(*this, star, 0, frames - 1 + exposed_fraction, column, row) <= distance) return true;
  return false;
}

TrailSequence twelve_star_sequence() {
  TrailSequence sequence;
  for (int star = 0; star < 12; ++star)
    sequence.stars.push_back(
        {280.0 + 9.0 * star, -0.2 + 0.015 * ((star * 5) % 12), 0.4 + 0.05 * (star % 10)});
  return sequence;
}

std::vector<ImageD> write_trail_frames(const TrailSequence& sequence, int count,
                                       const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  std::vector<ImageD> frames;
  for (int index = 0; index < count; ++index) {
    frames.push_back(sequence.frame(index, 11));
    const std::string number = (index < 9 ? "0" : "") + std::to_string(index + 1);
    write_reference_fits(directory / ("frame_" + number + ".fits"), frames.back(), -32);
  }
  return frames;
}

int count_components_above(const ImageD& image, double level) {
  const int width = image.width(), height = image.height();
  std::vector<bool> seen(image.plane_size(), false);
  int components = 0;
  std::vector<std::pair<int, int>> waiting;
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column) {
      const std::size_t at = static_cast<std::size_t>(row) * width + column;
      if (seen[at] || !(image.at(0, row, column) > level)) continue;
      ++components;
      seen[at] = true;
      waiting.assign(1, {row, column});
      while (!waiting.empty()) {
        auto [r, c] = waiting.back();
        waiting.pop_back();
        for (int nr = std::max(0, r - 1); nr <= std::min(height - 1, r + 1); ++nr)
          for (int nc = std::max(0, c - 1); nc <= std::min(width - 1, c + 1); ++nc) {
            const std::size_t next = static_cast<std::size_t>(nr) * width + nc;
            if (seen[next] || !(image.at(0, nr, nc) > level)) continue;
            seen[next] = true;
            waiting.push_back({nr, nc});
          }
      }
    }
  return components;
}

}  // namespace nightstack::testing
