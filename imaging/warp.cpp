// Separable interpolation kernels, tabulated once, found once per output pixel and shared by its
// channels.
#include "imaging/warp.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <vector>

namespace nightstack {

namespace {

constexpr int most_taps = 6;

int taps_of(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::bilinear:
      return 2;
    case Interpolation::bicubic:
      return 4;
    case Interpolation::lanczos3:
      return 6;
  }
  return 2;
}

// Keys' cubic convolution with a = -0.5 (Catmull-Rom), exact for quadratics.
double cubic(double d) {
  d = std::abs(d);
  if (d < 1) return (1.5 * d - 2.5) * d * d + 1;
  if (d < 2) return ((-0.5 * d + 2.5) * d - 4) * d + 2;
  return 0;
}

// Weights of the taps first, first + 1, ... for a position `fraction` past the tap at index
// `taps / 2 - 1`, normalised to sum 1.
void kernel_weights(Interpolation interpolation, double fraction, std::array<double, most_taps>& weights) {
  const int taps = taps_of(interpolation);
  const int centre = taps / 2 - 1;  // the tap at or just before the position
  switch (interpolation) {
    case Interpolation::bilinear:
      weights[0] = 1 - fraction;
      weights[1] = fraction;
      return;
    case Interpolation::bicubic:
      for (int k = 0; k < taps; ++k) weights[static_cast<std::size_t>(k)] = cubic(fraction - (k - centre));
      break;
    case Interpolation::lanczos3: {
      // sin(pi (t - k)) = (-1)^k sin(pi t) and sin(pi (t - k) / 3) by the angle difference: four
      // trigonometric calls per axis instead of twelve.
      const double pi = std::numbers::pi;
      // cos and sin of pi shift / 3 for the shifts -2 ... 3 of the six taps.
      static const std::array<std::pair<double, double>, most_taps> shift_angles = [] {
        std::array<std::pair<double, double>, most_taps> angles{};
        for (int k = 0; k < most_taps; ++k)
          angles[static_cast<std::size_t>(k)] = {std::cos(std::numbers::pi * (k - 2) / 3),
                                                 std::sin(std::numbers::pi * (k - 2) / 3)};
        return angles;
      }();
      const double sin_full = std::sin(pi * fraction), sin_third = std::sin(pi * fraction / 3),
                   cos_third = std::cos(pi * fraction / 3);
      for (int k = 0; k < taps; ++k) {
        const int shift = k - centre;
        const double d = fraction - shift;
        if (std::abs(d) < 1e-9) {
          weights[static_cast<std::size_t>(k)] = 1;
          continue;
        }
        const auto [cos_angle, sin_angle] = shift_angles[static_cast<std::size_t>(k)];
        const double sin_d_third = sin_third * cos_angle - cos_third * sin_angle;
        const double sin_d = (shift % 2 == 0 ? 1 : -1) * sin_full;
        weights[static_cast<std::size_t>(k)] = 3 * sin_d * sin_d_third / (pi * pi * d * d);
      }
      break;
    }
  }
  double sum = 0;
  for (int k = 0; k < taps; ++k) sum += weights[static_cast<std::size_t>(k)];
  for (int k = 0; k < taps; ++k) weights[static_cast<std::size_t>(k)] /= sum;
}

}  // namespace

std::optional<Interpolation> parse_interpolation(const std::string& text) {
  if (text == "bilinear") return Interpolation::bilinear;
  if (text == "bicubic") return Interpolation::bicubic;
  if (text == "lanczos3") return Interpolation::lanczos3;
  return std::nullopt;
}

std::string to_string(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::bilinear:
      return "bilinear";
    case Interpolation::bicubic:
      return "bicubic";
    case Interpolation::lanczos3:
      return "lanczos3";
  }
  return "?";
}

namespace {

// GCC/Clang vector types of 2, 4 and 8 floats: whole SSE registers, or one AVX register for 8 in
// code built for AVX2.
template <int lanes>
struct FloatLanes;
template <>
struct FloatLanes<2> {
  typedef float type __attribute__((vector_size(8)));
};
template <>
struct FloatLanes<4> {
  typedef float type __attribute__((vector_size(16)));
};
template <>
struct FloatLanes<8> {
  typedef float type __attribute__((vector_size(32)));
};

// The kernel tabulated at 1/1024 pixel: positions are rounded by at most 1/2048 pixel, far below
// what the star centroids resolve, and no trigonometry is left in the loop.
constexpr int table_steps = 1024;

template <int taps>
std::vector<std::array<float, taps>> kernel_table(Interpolation interpolation) {
  std::vector<std::array<float, taps>> table(table_steps + 1);
  for (int step = 0; step <= table_steps; ++step) {
    std::array<double, most_taps> weights{};
    kernel_weights(interpolation, static_cast<double>(step) / table_steps, weights);
    for (int k = 0; k < taps; ++k)
      table[static_cast<std::size_t>(step)][static_cast<std::size_t>(k)] =
          static_cast<float>(weights[static_cast<std::size_t>(k)]);
  }
  return table;
}

// The resampling loop, with the kernel's size known to the compiler so the taps unroll. Per
// channel the kernel runs down the columns first (`taps` independent sums the compiler keeps in
// vector registers), then across; the source position, its weights and its taps' offsets are
// found once per output pixel for all channels.
template <int taps>
[[gnu::always_inline]] inline void warp_with(const ImageF& source, const Eigen::Matrix3d& target_to_source,
                                             const Canvas& canvas, Interpolation interpolation, int first_row,
                                             int end_row, ImageF& output) {
  const int channels = source.channels(), width = source.width(), height = source.height();
  const int before = taps / 2 - 1;
  // The sums down the columns run over a power of two of columns (lanczos3: 8, the last two
  // unused) so the compiler keeps them in whole vector registers.
  constexpr int lanes = taps == 6 ? 8 : taps;
  using Lanes = typename FloatLanes<lanes>::type;
  // Adds weight x the `lanes` samples from `samples` on.
  const auto add_row = [](Lanes& sums, float weight, const float* samples) {
    Lanes row;
    std::memcpy(&row, samples, sizeof row);
    sums += weight * row;
  };
  const Eigen::Matrix3d& m = target_to_source;
  // Affine transforms (most: shift, similarity, affine) divide by exactly 1; skipping the division
  // gives the same bits.
  const bool projective = m(2, 0) != 0 || m(2, 1) != 0 || m(2, 2) != 1;
  // Each kernel has its own number of taps, so one table per instance, made on first use.
  static const std::vector<std::array<float, taps>> table = kernel_table<taps>(interpolation);
  const bool clamped = interpolation == Interpolation::lanczos3;
  const float missing = std::numeric_limits<float>::quiet_NaN();
  std::array<std::ptrdiff_t, taps> columns{}, rows{};
  for (int row = first_row; row < end_row; ++row) {
    const double ty = canvas.top + row;
    for (int column = 0; column < canvas.width; ++column) {
      const double tx = canvas.left + column;
      double sx = m(0, 0) * tx + m(0, 1) * ty + m(0, 2);
      double sy = m(1, 0) * tx + m(1, 1) * ty + m(1, 2);
      if (projective) {
        const double w = m(2, 0) * tx + m(2, 1) * ty + m(2, 2);
        sx /= w;
        sy /= w;
      }
      if (!(sx >= -0.5 && sx <= width - 0.5 && sy >= -0.5 && sy <= height - 0.5)) {
        for (int channel = 0; channel < channels; ++channel) output.at(channel, row, column) = missing;
        continue;
      }
      const double floor_x = std::floor(sx), floor_y = std::floor(sy);
      const auto& weights_x = table[static_cast<std::size_t>((sx - floor_x) * table_steps + 0.5)];
      const auto& weights_y = table[static_cast<std::size_t>((sy - floor_y) * table_steps + 0.5)];
      const int first_x = static_cast<int>(floor_x) - before, first_y = static_cast<int>(floor_y) - before;
      if (first_x >= 0 && first_y >= 0 && first_x + lanes <= width && first_y + taps <= height) {
        // The whole window inside the frame (nearly every pixel): rows read straight, the same sums.
        const std::size_t window =
            static_cast<std::size_t>(first_y) * width + static_cast<std::size_t>(first_x);
        for (int channel = 0; channel < channels; ++channel) {
          const float* corner = source.plane(channel).data() + window;
          Lanes down{};
          for (int j = 0; j < taps; ++j)
            add_row(down, weights_y[static_cast<std::size_t>(j)], corner + j * width);
          float value = 0;
          for (int k = 0; k < taps; ++k) value += weights_x[static_cast<std::size_t>(k)] * down[k];
          if (clamped) {
            const float* top = corner + before * width + before;
            const float* bottom = top + width;
            value = std::clamp(value, std::min(std::min(top[0], top[1]), std::min(bottom[0], bottom[1])),
                               std::max(std::max(top[0], top[1]), std::max(bottom[0], bottom[1])));
          }
          output.at(channel, row, column) = value;
        }
        continue;
      }
      // Taps over the frame's edge repeat the edge pixel (clamped indices).
      for (int k = 0; k < taps; ++k) {
        columns[static_cast<std::size_t>(k)] = std::clamp(first_x + k, 0, width - 1);
        rows[static_cast<std::size_t>(k)] =
            static_cast<std::ptrdiff_t>(std::clamp(first_y + k, 0, height - 1)) * width;
      }
      const bool inside = first_x >= 0 && first_x + lanes <= width;
      for (int channel = 0; channel < channels; ++channel) {
        const float* plane = source.plane(channel).data();
        Lanes down{};
        if (inside) {
          for (int j = 0; j < taps; ++j)
            add_row(down, weights_y[static_cast<std::size_t>(j)],
                    plane + rows[static_cast<std::size_t>(j)] + first_x);
        } else {
          for (int j = 0; j < taps; ++j) {
            const float* line = plane + rows[static_cast<std::size_t>(j)];
            for (int k = 0; k < taps; ++k)
              down[k] += weights_y[static_cast<std::size_t>(j)] * line[columns[static_cast<std::size_t>(k)]];
          }
        }
        float value = 0;
        for (int k = 0; k < taps; ++k) value += weights_x[static_cast<std::size_t>(k)] * down[k];
        if (clamped) {
          // The four samples around the position bound the result (no ringing).
          const auto near = static_cast<std::size_t>(before);
          const float* top = plane + rows[near];
          const float* bottom = plane + rows[near + 1];
          const float a = top[columns[near]], b = top[columns[near + 1]];
          const float c = bottom[columns[near]], d = bottom[columns[near + 1]];
          value = std::clamp(value, std::min(std::min(a, b), std::min(c, d)),
                             std::max(std::max(a, b), std::max(c, d)));
        }
        output.at(channel, row, column) = value;
      }
    }
  }
}

}  // namespace

namespace {

// lanczos3, the default, twice: for any x86-64 and for AVX2, chosen when the program starts. Only
// the register width differs (the same multiplications and additions in the same order, no fused
// multiply-add), so both give the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target_clones("avx2", "default")]]
#endif
void warp_lanczos3_rows(const ImageF& source, const Eigen::Matrix3d& target_to_source, const Canvas& canvas,
                        int first_row, int end_row, ImageF& output) {
  warp_with<6>(source, target_to_source, canvas, Interpolation::lanczos3, first_row, end_row, output);
}

}  // namespace

void warp_rows(const ImageF& source, const Eigen::Matrix3d& target_to_source, const Canvas& canvas,
               Interpolation interpolation, int first_row, int end_row, ImageF& output) {
  switch (taps_of(interpolation)) {
    case 2:
      warp_with<2>(source, target_to_source, canvas, interpolation, first_row, end_row, output);
      break;
    case 4:
      warp_with<4>(source, target_to_source, canvas, interpolation, first_row, end_row, output);
      break;
    default:
      warp_lanczos3_rows(source, target_to_source, canvas, first_row, end_row, output);
      break;
  }
}

ImageF warp_image(const ImageF& source, const Eigen::Matrix3d& target_to_source, const Canvas& canvas,
                  Interpolation interpolation) {
  ImageF output(canvas.width, canvas.height, source.channels());
  warp_rows(source, target_to_source, canvas, interpolation, 0, canvas.height, output);
  return output;
}

}  // namespace nightstack
