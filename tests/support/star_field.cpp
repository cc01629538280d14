// Star fields rendered with each star's flux integrated over every pixel it touches.
#include "tests/support/star_field.hpp"

#include <cmath>
#include <numbers>
#include <random>

namespace nightstack::testing {

std::vector<FieldStar> random_star_field(std::size_t count, double left, double top, double width,
                                         double height, double faintest, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<FieldStar> stars;
  for (std::size_t i = 0; i < count; ++i) {
    FieldStar star;
    star.x = left + width * unit(random);
    star.y = top + height * unit(random);
    // Inverse transform sampling of a power law p(f) ~ f^-2 between faintest and 50 faintest.
    const double u = unit(random);
    star.flux = 1.0 / (1.0 / faintest - u * (1.0 / faintest - 1.0 / (50 * faintest)));
    stars.push_back(star);
  }
  return stars;
}

Eigen::Matrix3d sky_to_frame(double shift_x, double shift_y, double degrees, double centre_x,
                             double centre_y) {
  const double angle = degrees * std::numbers::pi / 180;
  Eigen::Matrix3d to_origin = Eigen::Matrix3d::Identity(), rotation = Eigen::Matrix3d::Identity(),
                  back = Eigen::Matrix3d::Identity();
  to_origin(0, 2) = -centre_x;
  to_origin(1, 2) = -centre_y;
  rotation(0, 0) = std::cos(angle);
  rotation(0, 1) = -std::sin(angle);
  rotation(1, 0) = std::sin(angle);
  rotation(1, 1) = std::cos(angle);
  back(0, 2) = centre_x + shift_x;
  back(1, 2) = centre_y + shift_y;
  return back * rotation * to_origin;
}

ImageF render_star_field(int width, int height, const std::vector<FieldStar>& stars,
                         const Eigen::Matrix3d& sky_to_frame, const FieldLook& look) {
  ImageF plane(width, height, 1, static_cast<float>(look.background));
  const int reach = static_cast<int>(std::ceil(5 * look.sigma));
  const double scale = 1.0 / (std::sqrt(2.0) * look.sigma);
  for (const FieldStar& star : stars) {
    const Eigen::Vector3d p = sky_to_frame * Eigen::Vector3d(star.x, star.y, 1);
    const double x = p(0) / p(2), y = p(1) / p(2);
    if (x < -reach || y < -reach || x > width + reach || y > height + reach) continue;
    // Fraction of the flux falling in the pixel [i - 0.5, i + 0.5) along one axis.
    auto share = [&](int i, double centre) {
      return 0.5 * (std::erf((i + 0.5 - centre) * scale) - std::erf((i - 0.5 - centre) * scale));
    };
    const int cx = static_cast<int>(std::lround(x)), cy = static_cast<int>(std::lround(y));
    for (int row = std::max(0, cy - reach); row <= std::min(height - 1, cy + reach); ++row) {
      const double along_y = share(row, y);
      for (int column = std::max(0, cx - reach); column <= std::min(width - 1, cx + reach); ++column)
        plane.at(0, row, column) += static_cast<float>(star.flux * along_y * share(column, x));
    }
  }
  ImageF image(width, height, look.channels);
  std::mt19937 random(look.seed);
  std::normal_distribution<double> noise(0.0, look.noise > 0 ? look.noise : 1.0);
  for (int channel = 0; channel < look.channels; ++channel) {
    auto target = image.plane(channel);
    const auto values = plane.plane(0);
    for (std::size_t i = 0; i < values.size(); ++i)
      target[i] = static_cast<float>(values[i] + (look.noise > 0 ? noise(random) : 0.0));
  }
  return image;
}

}  // namespace nightstack::testing
