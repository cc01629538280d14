// Warping: identity and whole-pixel shifts exact, NaN outside the frame, a smooth field resampled
// through a rotation within 0.1 % (each interpolation), and clamped Lanczos without ringing; the
// registered canvas (reference, intersection, union).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "imaging/geometric_transform.hpp"
#include "imaging/registration_canvas.hpp"
#include "imaging/warp.hpp"

using namespace nightstack;

namespace {

double smooth_field(double x, double y) {
  return 100 + 20 * std::sin(x / 15.0) * std::cos(y / 21.0) + 0.05 * x;
}

ImageF sampled_field(int width, int height, int channels) {
  ImageF image(width, height, channels);
  for (int channel = 0; channel < channels; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column)
        image.at(channel, row, column) = static_cast<float>((channel + 1) * smooth_field(column, row));
  return image;
}

Eigen::Matrix3d rotation_and_shift(double degrees, double dx, double dy, double cx, double cy) {
  const double a = degrees * M_PI / 180;
  Eigen::Matrix3d m;
  m << std::cos(a), -std::sin(a), cx + dx - std::cos(a) * cx + std::sin(a) * cy, std::sin(a), std::cos(a),
      cy + dy - std::sin(a) * cx - std::cos(a) * cy, 0, 0, 1;
  return m;
}

const Interpolation all[] = {Interpolation::bilinear, Interpolation::bicubic, Interpolation::lanczos3};

}  // namespace

BOOST_AUTO_TEST_SUITE(warp)

BOOST_AUTO_TEST_CASE(identity_and_whole_pixel_shifts_are_exact) {
  const ImageF image = sampled_field(40, 30, 3);
  for (Interpolation interpolation : all) {
    const ImageF same = warp_image(image, Eigen::Matrix3d::Identity(), {0, 0, 40, 30}, interpolation);
    BOOST_TEST(same.samples() == image.samples(), to_string(interpolation));
    Eigen::Matrix3d shift = Eigen::Matrix3d::Identity();
    shift(0, 2) = 3;  // output pixel x shows source pixel x + 3
    shift(1, 2) = -2;
    const ImageF moved = warp_image(image, shift, {0, 0, 40, 30}, interpolation);
    for (int channel = 0; channel < 3; ++channel)
      for (int row = 0; row < 30; ++row)
        for (int column = 0; column < 40; ++column) {
          const bool outside = column + 3 > 39 || row - 2 < 0;
          const float value = moved.at(channel, row, column);
          if (outside) {
            BOOST_TEST(std::isnan(value));
          } else {
            BOOST_TEST(value == image.at(channel, row - 2, column + 3));
          }
        }
  }
}

BOOST_AUTO_TEST_CASE(a_smooth_field_keeps_its_flux_within_a_thousandth) {
  const int width = 160, height = 120;
  const ImageF image = sampled_field(width, height, 1);
  const Eigen::Matrix3d transform = rotation_and_shift(7, 3.37, -2.71, 80, 60);
  for (Interpolation interpolation : all) {
    const ImageF warped = warp_image(image, transform, {0, 0, width, height}, interpolation);
    double warped_sum = 0, true_sum = 0, worst = 0;
    for (int row = 10; row < height - 10; ++row)
      for (int column = 10; column < width - 10; ++column) {
        const Eigen::Vector3d p = transform * Eigen::Vector3d(column, row, 1);
        if (p(0) < 4 || p(1) < 4 || p(0) > width - 5 || p(1) > height - 5) continue;
        const double truth = smooth_field(p(0), p(1));
        warped_sum += warped.at(0, row, column);
        true_sum += truth;
        worst = std::max(worst, std::abs(warped.at(0, row, column) - truth) / truth);
      }
    BOOST_TEST(std::abs(warped_sum - true_sum) / true_sum < 1e-3, to_string(interpolation));
    BOOST_TEST(worst < 5e-3, to_string(interpolation) << " worst pixel " << worst);
  }
}

BOOST_AUTO_TEST_CASE(samples_outside_the_frame_are_missing) {
  const ImageF image = sampled_field(50, 50, 1);
  // A 45 degree turn about the centre: the corners of the output see past the frame.
  const ImageF turned =
      warp_image(image, rotation_and_shift(45, 0, 0, 24.5, 24.5), {0, 0, 50, 50}, Interpolation::lanczos3);
  BOOST_TEST(std::isnan(turned.at(0, 0, 0)));
  BOOST_TEST(std::isnan(turned.at(0, 49, 49)));
  BOOST_TEST(!std::isnan(turned.at(0, 25, 25)));
  // A canvas larger than the frame (crop: union): the margin is missing.
  const ImageF larger =
      warp_image(image, Eigen::Matrix3d::Identity(), {-5, -5, 60, 60}, Interpolation::bicubic);
  BOOST_TEST(std::isnan(larger.at(0, 0, 0)));
  BOOST_TEST(larger.at(0, 5, 5) == image.at(0, 0, 0));
}

BOOST_AUTO_TEST_CASE(lanczos_is_clamped_against_ringing) {
  ImageF point(21, 21, 1, 10.0f);
  point.at(0, 10, 10) = 1000;
  Eigen::Matrix3d half = Eigen::Matrix3d::Identity();
  half(0, 2) = 0.5;
  half(1, 2) = 0.5;
  const ImageF warped = warp_image(point, half, {0, 0, 20, 20}, Interpolation::lanczos3);
  float lowest = 1e9f;
  for (float value : warped.samples()) lowest = std::min(lowest, value);
  BOOST_TEST(lowest >= 10.0f);  // unclamped Lanczos dips below the background around the peak
  const ImageF bicubic = warp_image(point, half, {0, 0, 20, 20}, Interpolation::bicubic);
  float bicubic_lowest = 1e9f;
  for (float value : bicubic.samples()) bicubic_lowest = std::min(bicubic_lowest, value);
  BOOST_TEST(bicubic_lowest < 10.0f);  // the check above can fail: unclamped kernels do ring
}

BOOST_AUTO_TEST_CASE(the_canvas_is_the_reference_the_common_part_or_all_frames) {
  const int width = 200, height = 150;
  Eigen::Matrix3d shift = Eigen::Matrix3d::Identity();
  shift(0, 2) = 10;  // reference pixel x is frame pixel x + 10: the frame sees 10 px further right
  shift(1, 2) = -5;
  const std::vector<FrameFootprint> frames{{Eigen::Matrix3d::Identity(), width, height},
                                           {shift, width, height}};
  const Canvas reference = registration_canvas(Crop::reference, width, height, frames);
  BOOST_TEST(
      (reference.left == 0 && reference.top == 0 && reference.width == width && reference.height == height));
  const Canvas common = registration_canvas(Crop::intersection, width, height, frames);
  BOOST_TEST(common.left == 0);
  BOOST_TEST(common.top == 5);
  BOOST_TEST(common.width == width - 10);
  BOOST_TEST(common.height == height - 5);
  const Canvas all = registration_canvas(Crop::union_of_frames, width, height, frames);
  BOOST_TEST(all.left == -10);
  BOOST_TEST(all.top == 0);
  BOOST_TEST(all.width == width + 10);
  BOOST_TEST(all.height == height + 5);

  // A frame turned 30 degrees about the centre: every pixel centre of the intersection lies in both
  // frames, and the rectangle keeps a fair part of the frame (over 40 % of the area).
  const Eigen::Matrix3d turned = rotation_and_shift(30, 0, 0, (width - 1) / 2.0, (height - 1) / 2.0);
  const Canvas inside =
      registration_canvas(Crop::intersection, width, height,
                          {{Eigen::Matrix3d::Identity(), width, height}, {turned, width, height}});
  BOOST_TEST(inside.width * inside.height > width * height * 4 / 10);
  for (const int x : {inside.left, inside.left + inside.width - 1})
    for (const int y : {inside.top, inside.top + inside.height - 1}) {
      const Point p = apply(turned, {double(x), double(y)});
      BOOST_TEST((p.x >= -0.5 && p.x <= width - 0.5 && p.y >= -0.5 && p.y <= height - 0.5));
      BOOST_TEST((x >= 0 && x < width && y >= 0 && y < height));
    }
}

BOOST_AUTO_TEST_SUITE_END()
