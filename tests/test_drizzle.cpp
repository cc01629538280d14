// Drizzle: overlap areas against hand computation and an independent polygon clipper; flat fields
// stay flat and point sources keep their flux through shifts, rotations and scale changes at every
// scale and pixfrac; identity gives the input back; missing inputs drop nothing; the weight map
// against a hand-computed case, exact in any order; and the reason for drizzle: dithered,
// undersampled frames drizzled x2 give sharper stars than the registered x1 stack, in place.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "imaging/drizzle.hpp"
#include "imaging/drizzle_weight_sum.hpp"
#include "imaging/warp.hpp"
#include "tests/support/star_field.hpp"

using namespace nightstack;

namespace {

// Reference pixel -> frame pixel: scale and rotate about (centre_x, centre_y), then shift.
Eigen::Matrix3d similarity(double degrees, double scale, double shift_x, double shift_y, double centre_x,
                           double centre_y) {
  const double angle = degrees * M_PI / 180;
  const double c = scale * std::cos(angle), s = scale * std::sin(angle);
  Eigen::Matrix3d m;
  m << c, -s, centre_x + shift_x - c * centre_x + s * centre_y, s, c,
      centre_y + shift_y - s * centre_x - c * centre_y, 0, 0, 1;
  return m;
}

Eigen::Matrix3d shift(double x, double y) { return similarity(0, 1, x, y, 0, 0); }

// The reference for overlap_area: Sutherland-Hodgman clipping of the polygon against the square's
// four sides, then the shoelace formula.
double clipped_area(std::vector<Point> polygon, int column, int row) {
  auto clip = [&](auto inside, auto cross) {
    std::vector<Point> kept;
    for (std::size_t i = 0; i < polygon.size(); ++i) {
      const Point a = polygon[i], b = polygon[(i + 1) % polygon.size()];
      if (inside(b)) {
        if (!inside(a)) kept.push_back(cross(a, b));
        kept.push_back(b);
      } else if (inside(a)) {
        kept.push_back(cross(a, b));
      }
    }
    polygon = kept;
  };
  auto at_x = [](double x) {
    return [x](Point a, Point b) { return Point{x, a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)}; };
  };
  auto at_y = [](double y) {
    return [y](Point a, Point b) { return Point{a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y}; };
  };
  clip([&](Point p) { return p.x >= column; }, at_x(column));
  clip([&](Point p) { return p.x <= column + 1; }, at_x(column + 1));
  clip([&](Point p) { return p.y >= row; }, at_y(row));
  clip([&](Point p) { return p.y <= row + 1; }, at_y(row + 1));
  double twice = 0;
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    const Point a = polygon[i], b = polygon[(i + 1) % polygon.size()];
    twice += a.x * b.y - b.x * a.y;
  }
  return std::abs(twice) / 2;
}

ImageF constant_image(int width, int height, std::vector<float> values) {
  ImageF image(width, height, static_cast<int>(values.size()));
  for (int channel = 0; channel < image.channels(); ++channel)
    for (float& value : image.plane(channel)) value = values[static_cast<std::size_t>(channel)];
  return image;
}

double total(const std::vector<double>& values) {
  double sum = 0;
  for (double value : values) sum += value;
  return sum;
}

// The mean of the frames' valid values per pixel (NaN where none), as the mean stack combines them.
ImageF mean_of(const std::vector<ImageF>& frames) {
  ImageF mean(frames.front().width(), frames.front().height(), 1);
  for (std::size_t i = 0; i < mean.samples().size(); ++i) {
    double sum = 0;
    int count = 0;
    for (const ImageF& frame : frames)
      if (!std::isnan(frame.samples()[i])) {
        sum += frame.samples()[i];
        ++count;
      }
    mean.samples()[i] = count > 0 ? static_cast<float>(sum / count) : std::numeric_limits<float>::quiet_NaN();
  }
  return mean;
}

// A star measured on an image `scale` times finer than the reference, in reference pixels: flux,
// centroid and the FWHM of the Gaussian of the same second moments, from the background-subtracted
// values within `radius` reference pixels of the true position.
struct Measured {
  double x = 0, y = 0, fwhm = 0, flux = 0;
};

Measured measure_star(const ImageF& image, int scale, double true_x, double true_y, double background,
                      double radius) {
  double sum = 0, sum_x = 0, sum_y = 0;
  std::vector<std::array<double, 3>> samples;  // x, y, value
  for (int row = 0; row < image.height(); ++row)
    for (int column = 0; column < image.width(); ++column) {
      const double x = (column + 0.5) / scale - 0.5, y = (row + 0.5) / scale - 0.5;
      if ((x - true_x) * (x - true_x) + (y - true_y) * (y - true_y) > radius * radius) continue;
      const double value = image.at(0, row, column) - background;
      samples.push_back({x, y, value});
      sum += value;
      sum_x += value * x;
      sum_y += value * y;
    }
  Measured star;
  star.x = sum_x / sum;
  star.y = sum_y / sum;
  double second = 0;
  for (const auto& [x, y, value] : samples)
    second += value * ((x - star.x) * (x - star.x) + (y - star.y) * (y - star.y));
  star.fwhm = 2 * std::sqrt(2 * std::log(2.0)) * std::sqrt(second / sum / 2);
  star.flux = sum / (scale * scale);  // values are per reference pixel; an output pixel is 1/scale^2 of one
  return star;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(drizzle)

BOOST_AUTO_TEST_CASE(overlap_of_an_axis_aligned_drop_by_hand) {
  // The square [0.5, 1.5] x [0.25, 1.25] over the four pixels it touches.
  const std::array<Point, 4> square{Point{0.5, 0.25}, Point{1.5, 0.25}, Point{1.5, 1.25}, Point{0.5, 1.25}};
  BOOST_TEST(overlap_area(square, 0, 0) == 0.5 * 0.75, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(overlap_area(square, 1, 0) == 0.5 * 0.75, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(overlap_area(square, 0, 1) == 0.5 * 0.25, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(overlap_area(square, 1, 1) == 0.5 * 0.25, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(overlap_area(square, 2, 0) == 0.0);
  BOOST_TEST(overlap_area(square, 0, -1) == 0.0);
  // A pixel-sized drop exactly on a pixel: all of it there, nothing next door.
  const std::array<Point, 4> pixel{Point{3, 4}, Point{4, 4}, Point{4, 5}, Point{3, 5}};
  BOOST_TEST(overlap_area(pixel, 3, 4) == 1.0);
  BOOST_TEST(overlap_area(pixel, 4, 4) == 0.0);
  BOOST_TEST(overlap_area(pixel, 3, 3) == 0.0);
}

BOOST_AUTO_TEST_CASE(overlap_of_a_drop_turned_45_degrees_by_hand) {
  // A diamond of area 2 centred on the corner (1, 1): a right triangle of area 1/2 in each pixel.
  const std::array<Point, 4> diamond{Point{1, 0}, Point{2, 1}, Point{1, 2}, Point{0, 1}};
  for (int row = 0; row < 2; ++row)
    for (int column = 0; column < 2; ++column)
      BOOST_TEST(overlap_area(diamond, column, row) == 0.5, boost::test_tools::tolerance(1e-15));
  // Corners listed the other way round give the same areas.
  const std::array<Point, 4> reversed{Point{0, 1}, Point{1, 2}, Point{2, 1}, Point{1, 0}};
  BOOST_TEST(overlap_area(reversed, 1, 0) == 0.5, boost::test_tools::tolerance(1e-15));
  // A diamond of area 1/2 centred on (1, 0.5): its left and right halves.
  const std::array<Point, 4> small{Point{1, 0}, Point{1.5, 0.5}, Point{1, 1}, Point{0.5, 0.5}};
  BOOST_TEST(overlap_area(small, 0, 0) == 0.25, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(overlap_area(small, 1, 0) == 0.25, boost::test_tools::tolerance(1e-15));
  // Centred on (0.5, 0.5), half its diagonal 0.6: the square cuts four corner triangles of
  // height 0.1 and base 0.2 off the diamond's area 0.72.
  const std::array<Point, 4> cut{Point{0.5, -0.1}, Point{1.1, 0.5}, Point{0.5, 1.1}, Point{-0.1, 0.5}};
  BOOST_TEST(overlap_area(cut, 0, 0) == 0.72 - 4 * 0.01, boost::test_tools::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(overlap_agrees_with_polygon_clipping_for_any_parallelogram) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> position(-1.0, 3.0), side(-1.5, 1.5);
  double largest_difference = 0, covered = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const Point corner{position(random), position(random)};
    const Point a{side(random), side(random)}, b{side(random), side(random)};
    const std::array<Point, 4> drop{corner, Point{corner.x + a.x, corner.y + a.y},
                                    Point{corner.x + a.x + b.x, corner.y + a.y + b.y},
                                    Point{corner.x + b.x, corner.y + b.y}};
    for (int row = -2; row <= 4; ++row)
      for (int column = -2; column <= 4; ++column) {
        const double expected = clipped_area({drop.begin(), drop.end()}, column, row);
        covered += expected;
        largest_difference =
            std::max(largest_difference, std::abs(overlap_area(drop, column, row) - expected));
      }
  }
  BOOST_TEST(covered > 100.0);
  BOOST_TEST(largest_difference < 1e-12);
}

BOOST_AUTO_TEST_CASE(identity_at_scale_1_and_pixfrac_1_gives_the_input_back) {
  std::mt19937 random(3);
  std::uniform_real_distribution<float> value(0.0f, 1000.0f);
  ImageF image(23, 17, 3);
  for (float& sample : image.samples()) sample = value(random);
  const DrizzledFrame drizzled = drizzle_image(image, Eigen::Matrix3d::Identity(), {0, 0, 23, 17}, {1, 1.0});
  BOOST_TEST(drizzled.pixels.samples() == image.samples());
  for (double weight : drizzled.weights) BOOST_TEST(weight == 1.0);
  // Whole-pixel shifts move the values over, exactly; the canvas may start elsewhere.
  const DrizzledFrame moved = drizzle_image(image, shift(2, -1), {1, 0, 20, 15}, {1, 1.0});
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < 15; ++row)
      for (int column = 0; column < 20; ++column) {
        const float out = moved.pixels.at(channel, row, column);
        const int x = column + 1 + 2, y = row - 1;
        if (x < 23 && y >= 0) {
          BOOST_TEST(out == image.at(channel, y, x));
        } else {
          BOOST_TEST(std::isnan(out));
        }
      }
}

BOOST_AUTO_TEST_CASE(a_flat_field_stays_flat_at_every_scale_and_pixfrac) {
  const ImageF flat = constant_image(40, 30, {7.25f, 0.5f});
  Eigen::Matrix3d perspective = similarity(-4, 0.97, -0.6, 0.35, 20, 15);
  perspective(2, 0) = 1e-4;
  perspective(2, 1) = -5e-5;
  const std::vector<std::pair<const char*, Eigen::Matrix3d>> transforms{
      {"shift", shift(0.37, -0.81)},
      {"rotation", similarity(7, 1, 0.3, -0.2, 20, 15)},
      {"rotation and scale", similarity(-25, 1.04, 0.3, -0.2, 20, 15)},
      {"homography", perspective}};
  for (const auto& [name, transform] : transforms)
    for (int scale : {1, 2, 3})
      for (double pixfrac : {1.0, 0.5}) {
        const DrizzledFrame drizzled = drizzle_image(flat, transform, {0, 0, 40, 30}, {scale, pixfrac});
        BOOST_TEST_CONTEXT(name << ", scale " << scale << ", pixfrac " << pixfrac) {
          double largest_error = 0;
          std::size_t missing_inside = 0, valid = 0;
          for (int row = 0; row < 30 * scale; ++row)
            for (int column = 0; column < 40 * scale; ++column) {
              const float first = drizzled.pixels.at(0, row, column);
              const float second = drizzled.pixels.at(1, row, column);
              // Well inside the frame every pixel is covered at pixfrac 1.
              const double x = (column + 0.5) / scale - 0.5 - 20, y = (row + 0.5) / scale - 0.5 - 15;
              const bool inside = x * x + y * y < 81;
              if (std::isnan(first)) {
                BOOST_TEST(std::isnan(second));
                missing_inside += inside;
                continue;
              }
              ++valid;
              largest_error =
                  std::max({largest_error, std::abs(first - 7.25) / 7.25, std::abs(second - 0.5) / 0.5});
            }
          BOOST_TEST(largest_error < 1e-6);
          BOOST_TEST(valid > 0.8 * 40 * 30 * scale * scale * (pixfrac == 1 ? 1 : 0.2));
          if (pixfrac == 1) BOOST_TEST(missing_inside == 0u);
        }
      }
}

BOOST_AUTO_TEST_CASE(a_point_source_keeps_its_flux) {
  // A Gaussian star near the centre of a 32 x 32 frame on a black sky; every drop lands on the
  // canvas. The drops of a frame cover pixfrac^2 x scale^2 x |det| output pixels each (det: the
  // frame-to-reference area scale), so the sum of value x weight over the output, divided by it,
  // is the input's flux.
  ImageF star(32, 32, 1, 0.0f);
  double flux = 0;
  for (int row = 0; row < 32; ++row)
    for (int column = 0; column < 32; ++column) {
      const double r2 = (column - 15.3) * (column - 15.3) + (row - 16.6) * (row - 16.6);
      star.at(0, row, column) = static_cast<float>(1000 * std::exp(-r2 / (2 * 1.1 * 1.1)));
      flux += star.at(0, row, column);
    }
  for (const Eigen::Matrix3d& transform :
       {shift(0.31, -0.42), similarity(11, 1, 0.2, 0.1, 16, 16), similarity(-3, 1.05, 0.2, 0.1, 16, 16)}) {
    const double area_scale = 1 / std::abs(transform.topLeftCorner<2, 2>().determinant());
    for (int scale : {2, 3})
      for (double pixfrac : {1.0, 0.6}) {
        const DrizzledFrame drizzled = drizzle_image(star, transform, {-4, -4, 40, 40}, {scale, pixfrac});
        double kept = 0;
        for (std::size_t i = 0; i < drizzled.weights.size(); ++i)
          if (drizzled.weights[i] > 0) kept += drizzled.pixels.samples()[i] * drizzled.weights[i];
        const double drop_area = pixfrac * pixfrac * scale * scale * area_scale;
        BOOST_TEST(kept / drop_area == flux, boost::test_tools::tolerance(1e-6));
        BOOST_TEST(total(drizzled.weights) == 32 * 32 * drop_area, boost::test_tools::tolerance(1e-9));
      }
  }
}

BOOST_AUTO_TEST_CASE(missing_input_drops_nothing) {
  ImageF image = constant_image(8, 8, {3.0f, 4.0f});
  image.at(1, 5, 5) = std::numeric_limits<float>::quiet_NaN();  // one channel missing: no drop at all
  const DrizzledFrame same = drizzle_image(image, Eigen::Matrix3d::Identity(), {0, 0, 8, 8}, {1, 1.0});
  BOOST_TEST(std::isnan(same.pixels.at(0, 5, 5)));
  BOOST_TEST(std::isnan(same.pixels.at(1, 5, 5)));
  BOOST_TEST(same.weights[5 * 8 + 5] == 0.0);
  BOOST_TEST(same.pixels.at(0, 5, 4) == 3.0f);
  BOOST_TEST(same.weights[5 * 8 + 4] == 1.0);
  // At scale 2 the missing pixel's four output pixels are empty; a neighbour half covering one of
  // them (a half-pixel shift) fills it with its own value.
  const DrizzledFrame finer = drizzle_image(image, Eigen::Matrix3d::Identity(), {0, 0, 8, 8}, {2, 1.0});
  for (int row = 10; row < 12; ++row)
    for (int column = 10; column < 12; ++column)
      BOOST_TEST(finer.weights[static_cast<std::size_t>(row) * 16 + column] == 0.0);
  const DrizzledFrame moved = drizzle_image(image, shift(0.25, 0), {0, 0, 8, 8}, {2, 1.0});
  // Reference x = frame x - 0.25: the missing pixel (frame x 4.5 to 5.5) would cover output x 9.5 to
  // 11.5; its neighbours cover the outer halves of columns 9 and 11.
  BOOST_TEST(moved.weights[10 * 16 + 9] == 0.5);  // half of it from frame pixel 4
  BOOST_TEST(moved.pixels.at(1, 10, 9) == 4.0f);
  BOOST_TEST(moved.weights[10 * 16 + 11] == 0.5);  // half of it from frame pixel 6
  BOOST_TEST(std::isnan(moved.pixels.at(0, 10, 10)));
}

BOOST_AUTO_TEST_CASE(the_weight_map_by_hand_in_any_order) {
  // Two 4 x 4 frames at scale 2, pixfrac 0.5. Frame A in place: each drop spans output x
  // [2x + 0.5, 2x + 1.5], half of two pixels along each axis, so a quarter of every output pixel.
  // Frame B half a pixel to the left in the reference (reference_to_frame x + 0.5): its drops span
  // [2x - 0.5, 2x + 0.5], a quarter on every pixel again, except the last column (its drop would be
  // the missing frame x 4) and nothing for column -1 (off the canvas).
  const ImageF frame = constant_image(4, 4, {1.0f});
  const DrizzleSettings settings{2, 0.5};
  const DrizzledFrame a = drizzle_image(frame, Eigen::Matrix3d::Identity(), {0, 0, 4, 4}, settings);
  const DrizzledFrame b = drizzle_image(frame, shift(0.5, 0), {0, 0, 4, 4}, settings);
  for (int row = 0; row < 8; ++row)
    for (int column = 0; column < 8; ++column) {
      const auto i = static_cast<std::size_t>(row * 8 + column);
      BOOST_TEST(a.weights[i] == 0.25, boost::test_tools::tolerance(1e-15));
      BOOST_TEST(b.weights[i] == (column == 7 ? 0.0 : 0.25), boost::test_tools::tolerance(1e-15));
    }
  DrizzleWeightSum forward, backward;
  forward.add(a.weights, 8, 8);
  forward.add(b.weights, 8, 8);
  backward.add(b.weights, 8, 8);
  backward.add(a.weights, 8, 8);
  BOOST_TEST(forward.frames() == 2u);
  const ImageD sum = forward.total();
  BOOST_TEST(sum.samples() == backward.total().samples());
  for (int row = 0; row < 8; ++row)
    for (int column = 0; column < 8; ++column)
      BOOST_TEST(sum.at(0, row, column) == (column == 7 ? 0.25 : 0.5));
}

BOOST_AUTO_TEST_CASE(the_weight_sum_does_not_depend_on_the_order) {
  // Weights that do not add up exactly in double: any order of the integer sums gives the same bits.
  std::mt19937 random(11);
  std::uniform_real_distribution<double> weight(0.0, 1.0);
  std::vector<std::vector<double>> frames(20, std::vector<double>(50));
  for (auto& frame : frames)
    for (double& value : frame) value = weight(random);
  DrizzleWeightSum in_order, shuffled;
  for (const auto& frame : frames) in_order.add(frame, 10, 5);
  std::shuffle(frames.begin(), frames.end(), random);
  for (const auto& frame : frames) shuffled.add(frame, 10, 5);
  BOOST_TEST(in_order.total().samples() == shuffled.total().samples());
  double expected = 0;
  for (const auto& frame : frames) expected += frame[17];
  BOOST_TEST(in_order.total().samples()[17] == expected, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(undersampled_dithered_frames_drizzle_to_exact_positions_and_even_shapes) {
  // 16 frames of a grid of stars of FWHM 1.2 px (undersampled), pixel-integrated, dithered by
  // known sub-pixel shifts (a 4 x 4 pattern of quarter pixels, plus whole pixels). The reference
  // is the sky itself. The drizzle x2 stack (mean of the drizzled frames) resolves each star with
  // 3 output pixels per FWHM, in place, with the flux kept, and with the width its kernels predict:
  // the star's variance plus the input pixel's, the drop's and the output pixel's (box variances
  // side^2 / 12), whatever the star's sub-pixel position. The registered x1 stack (clamped
  // lanczos3) is measured the same way for the documentation (docs/registration.md).
  const double sigma = 1.2 / (2 * std::sqrt(2 * std::log(2.0)));
  std::vector<testing::FieldStar> stars;
  for (int j = 0; j < 5; ++j)
    for (int i = 0; i < 5; ++i) stars.push_back({12 + 10 * i + 0.13 * j, 12 + 10 * j + 0.29 * i, 3000});
  std::vector<ImageF> registered;
  std::map<double, std::vector<ImageF>> drizzled;  // by pixfrac
  for (int frame = 0; frame < 16; ++frame) {
    const double dx = 0.25 * (frame % 4) + (frame % 3) - 1 + 0.05,
                 dy = 0.25 * (frame / 4) - (frame % 2) + 0.08;
    const Eigen::Matrix3d reference_to_frame = shift(dx, dy);
    const ImageF image =
        testing::render_star_field(72, 72, stars, reference_to_frame,
                                   {.sigma = sigma, .background = 100, .noise = 0.5, .seed = 40u + frame});
    registered.push_back(warp_image(image, reference_to_frame, {0, 0, 72, 72}, Interpolation::lanczos3));
    for (double pixfrac : {1.0, 0.8})
      drizzled[pixfrac].push_back(
          drizzle_image(image, reference_to_frame, {0, 0, 72, 72}, {2, pixfrac}).pixels);
  }
  struct Summary {
    double fwhm = 0, narrowest = 1e9, widest = 0, worst_offset = 0, worst_flux = 0;
  };
  auto summarise = [&](const ImageF& stack, int scale) {
    Summary summary;
    for (const auto& star : stars) {
      const Measured measured = measure_star(stack, scale, star.x, star.y, 100, 3.5);
      summary.fwhm += measured.fwhm / static_cast<double>(stars.size());
      summary.narrowest = std::min(summary.narrowest, measured.fwhm);
      summary.widest = std::max(summary.widest, measured.fwhm);
      summary.worst_offset =
          std::max(summary.worst_offset, std::hypot(measured.x - star.x, measured.y - star.y));
      summary.worst_flux = std::max(summary.worst_flux, std::abs(measured.flux / star.flux - 1));
    }
    return summary;
  };
  const Summary x1 = summarise(mean_of(registered), 1);
  BOOST_TEST_MESSAGE("x1 lanczos3: FWHM " << x1.fwhm << " px (" << x1.narrowest << " - " << x1.widest
                                          << "), worst offset " << x1.worst_offset);
  for (double pixfrac : {1.0, 0.8}) {
    const Summary x2 = summarise(mean_of(drizzled[pixfrac]), 2);
    const double predicted =
        2 * std::sqrt(2 * std::log(2.0)) * std::sqrt(sigma * sigma + (1 + pixfrac * pixfrac) / 12 + 1.0 / 48);
    BOOST_TEST_MESSAGE("x2 pixfrac " << pixfrac << ": FWHM " << x2.fwhm << " px (" << x2.narrowest << " - "
                                     << x2.widest << "; predicted " << predicted << "), worst offset "
                                     << x2.worst_offset << " px, flux " << x2.worst_flux);
    BOOST_TEST_CONTEXT("pixfrac " << pixfrac) {
      BOOST_TEST(x2.worst_offset < 0.05);
      BOOST_TEST(x2.worst_flux < 0.01);
      BOOST_TEST(x2.widest - x2.narrowest < 0.01 * x2.fwhm);  // the same shape at every sub-pixel position
      BOOST_TEST(x2.fwhm * 2 > 3.0);                          // output pixels per FWHM: well sampled
      // Frames are combined as frames, not by their drops' weights: with pixfrac below 1 the
      // uneven coverage widens the stars a little beyond the prediction.
      BOOST_TEST(x2.fwhm == predicted, boost::test_tools::tolerance(pixfrac == 1 ? 0.01 : 0.03));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
