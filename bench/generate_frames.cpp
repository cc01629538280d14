// Writes synthetic night frames for scripts/bench: N colour frames of W x H as 16-bit FITS (fast to
// write and to read), a noisy sky with fixed stars, cosmic-ray hits in every frame and a satellite
// streak in every tenth. Independent of nightstack: plain C++ and a hand-written FITS header.
//
//   generate_frames DIRECTORY COUNT WIDTH HEIGHT [SEED]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

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

std::string card(const std::string& key, const std::string& value) {
  std::string text = key;
  text.resize(8, ' ');
  text += "= " + std::string(20 - std::min<std::size_t>(20, value.size()), ' ') + value;
  text.resize(80, ' ');
  return text;
}

std::string header(int width, int height, double exposure) {
  std::string text = card("SIMPLE", "T") + card("BITPIX", "16") + card("NAXIS", "3") +
                     card("NAXIS1", std::to_string(width)) + card("NAXIS2", std::to_string(height)) +
                     card("NAXIS3", "3") + card("BZERO", "32768") + card("BSCALE", "1") +
                     card("EXPTIME", std::to_string(exposure));
  std::string end = "END";
  end.resize(80, ' ');
  text += end;
  text.resize((text.size() + 2879) / 2880 * 2880, ' ');
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: generate_frames DIRECTORY COUNT WIDTH HEIGHT [SEED]\n";
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  const int count = std::atoi(argv[2]), width = std::atoi(argv[3]), height = std::atoi(argv[4]);
  const std::uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  if (count <= 0 || width <= 0 || height <= 0) {
    std::cerr << "generate_frames: COUNT, WIDTH and HEIGHT must be positive\n";
    return 2;
  }
  std::filesystem::create_directories(directory);
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  // Stars: the same sky in every frame.
  std::vector<std::uint16_t> sky(plane, 0);
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
  std::vector<unsigned char> data(plane * 3 * 2);
  Random noise{seed * 104729 + 17};
  for (int index = 0; index < count; ++index) {
    const int level = 1000 + 5 * (index % 7);  // the sky brightens and fades a little
    std::size_t position = 0;
    for (int channel = 0; channel < 3; ++channel) {
      for (std::size_t i = 0; i < plane; ++i) {
        const std::uint64_t bits = noise.next();
        // Triangular noise of about 20 ADU rms from two random bytes; a cosmic ray now and then.
        int value =
            level + sky[i] + static_cast<int>(bits & 0xFF) + static_cast<int>((bits >> 8) & 0xFF) - 255;
        if (((bits >> 16) & 0xFFFF) == 0) value = 60000;
        const int stored = std::clamp(value, 0, 65535) - 32768;  // BZERO 32768
        data[position++] = static_cast<unsigned char>((stored >> 8) & 0xFF);
        data[position++] = static_cast<unsigned char>(stored & 0xFF);
      }
    }
    if (index % 10 == 3) {  // a satellite: a bright line across the frame, in every channel
      for (int channel = 0; channel < 3; ++channel)
        for (int column = 0; column < width; ++column) {
          const int row = static_cast<int>(static_cast<long long>(column) * height / width);
          const std::size_t at =
              (static_cast<std::size_t>(channel) * plane + static_cast<std::size_t>(row) * width + column) *
              2;
          const int stored = 40000 - 32768;
          data[at] = static_cast<unsigned char>((stored >> 8) & 0xFF);
          data[at + 1] = static_cast<unsigned char>(stored & 0xFF);
        }
    }
    char name[64];
    std::snprintf(name, sizeof name, "frame_%04d.fits", index + 1);
    std::ofstream file(directory / name, std::ios::binary);
    const std::string text = header(width, height, 30.0);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    file.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    const std::size_t padding = (2880 - data.size() % 2880) % 2880;
    file.write(std::string(padding, '\0').data(), static_cast<std::streamsize>(padding));
    if (!file) {
      std::cerr << "generate_frames: cannot write " << (directory / name).string() << '\n';
      return 1;
    }
  }
  return 0;
}
