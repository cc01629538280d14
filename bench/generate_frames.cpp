// Writes synthetic night frames for scripts/bench: N colour frames of W x H in one format, a noisy
// sky with fixed stars, a glow along the bottom edge (an horizon), cosmic-ray hits in every frame
// and a satellite streak in every tenth. The noise is per pixel and per channel, like a sensor's,
// so the JPEG frames compress like camera JPEGs (about 1 MB at 4256 x 2832, quality 92, 4:2:0).
//
//   generate_frames DIRECTORY FORMAT COUNT WIDTH HEIGHT [SEED]
//   FORMAT: jpeg (8-bit sRGB), tiff (16-bit RGB, linear), fits (16-bit, BZERO 32768),
//           dng (16-bit RGGB mosaic, the layout of a camera's RAW)
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/frame_writers.hpp"

namespace {

using nightstack::bench::LinearFrame;

// xorshift64*: fast, good enough for noise, and the same on every machine.
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  }
};

// The sky every frame shares: stars and a glow rising towards the bottom edge, in linear ADU.
std::vector<std::uint16_t> make_sky(int width, int height, std::uint64_t seed) {
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  std::vector<std::uint16_t> sky(plane, 0);
  for (int row = 0; row < height; ++row) {
    const double depth = std::max(0.0, (row - 0.7 * height) / (0.3 * height));
    const auto glow = static_cast<std::uint16_t>(6000.0 * depth * depth);
    std::fill_n(sky.begin() + static_cast<std::ptrdiff_t>(row) * width, width, glow);
  }
  Random stars{seed * 7919 + 1};
  for (std::size_t star = 0; star < plane / 2000 + 1; ++star) {
    const int x = static_cast<int>(stars.next() % width), y = static_cast<int>(stars.next() % height);
    const int peak = 2000 + static_cast<int>(stars.next() % 30000);
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx) {
        const int column = x + dx, row = y + dy;
        if (column < 0 || row < 0 || column >= width || row >= height) continue;
        const int value = peak >> (2 * (std::abs(dx) + std::abs(dy)));
        auto& target = sky[static_cast<std::size_t>(row) * width + column];
        target = static_cast<std::uint16_t>(std::min(30000, target + value));
      }
  }
  return sky;
}

void fill_frame(LinearFrame& frame, const std::vector<std::uint16_t>& sky, int index, Random& noise) {
  const std::size_t plane = sky.size();
  const int level = 1000 + 5 * (index % 7);  // the sky brightens and fades a little
  for (int channel = 0; channel < 3; ++channel) {
    std::uint16_t* target = frame.samples.data() + plane * channel;
    for (std::size_t i = 0; i < plane; ++i) {
      const std::uint64_t bits = noise.next();
      // Triangular noise of about 100 ADU rms from two random bytes; a cosmic ray now and then.
      int value = level + sky[i] + static_cast<int>(bits & 0xFF) + static_cast<int>((bits >> 8) & 0xFF) - 255;
      if (((bits >> 16) & 0xFFFF) == 0) value = 60000;
      target[i] = static_cast<std::uint16_t>(std::clamp(value, 0, 65535));
    }
  }
  if (index % 10 == 3) {  // a satellite: a bright line across the frame, in every channel
    for (int channel = 0; channel < 3; ++channel)
      for (int column = 0; column < frame.width; ++column) {
        const int row = static_cast<int>(static_cast<long long>(column) * frame.height / frame.width);
        frame.samples[plane * channel + static_cast<std::size_t>(row) * frame.width + column] = 40000;
      }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: generate_frames DIRECTORY jpeg|tiff|fits|dng COUNT WIDTH HEIGHT [SEED]\n";
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  const std::string format = argv[2];
  const int count = std::atoi(argv[3]), width = std::atoi(argv[4]), height = std::atoi(argv[5]);
  const std::uint64_t seed = argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 1;
  if (count <= 0 || width <= 0 || height <= 0) {
    std::cerr << "generate_frames: COUNT, WIDTH and HEIGHT must be positive\n";
    return 2;
  }
  const auto writer = nightstack::bench::frame_writer(format);
  if (!writer) {
    std::cerr << "generate_frames: unknown format " << format << " (jpeg, tiff, fits or dng)\n";
    return 2;
  }
  std::filesystem::create_directories(directory);
  const auto sky = make_sky(width, height, seed);
  LinearFrame frame{width, height, std::vector<std::uint16_t>(sky.size() * 3)};
  Random noise{seed * 104729 + 17};
  try {
    for (int index = 0; index < count; ++index) {
      fill_frame(frame, sky, index, noise);
      char name[64];
      std::snprintf(name, sizeof name, "frame_%04d.%s", index + 1, nightstack::bench::extension(format));
      writer(directory / name, frame);
    }
  } catch (const std::exception& error) {
    std::cerr << "generate_frames: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
