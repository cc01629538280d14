// scripts/bench's decode-only baseline: decodes every frame of a directory with nightstack's own
// readers (the ones `nightstack stack` uses, chosen the same way) on THREADS threads, band by band
// in the stored sample type as the banded frame pass does, and throws the samples away without
// converting them to float. Nothing a stack does can be faster than this, so it is the yardstick.
//
//   decode_frames DIRECTORY THREADS
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/formats.hpp"
#include "pipeline/frame_bands.hpp"

namespace {

// Rows per band, as the frame pass asks for them.
constexpr int band_rows = 16;

double first_sample(const nightstack::FrameBand& band) {
  switch (band.shape.type) {
    case nightstack::SampleType::uint8:
      return band.as<std::uint8_t>()[0];
    case nightstack::SampleType::uint16:
      return band.as<std::uint16_t>()[0];
    case nightstack::SampleType::float32:
      break;
  }
  return band.as<float>()[0];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: decode_frames DIRECTORY THREADS\n";
    return 2;
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  unsigned threads = static_cast<unsigned>(std::atoi(argv[2]));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  std::atomic<std::size_t> next{0};
  std::atomic<double> checksum{0};
  std::mutex failure_mutex;
  std::string failure;
  auto work = [&] {
    std::unique_ptr<nightstack::ImageReader> reader;
    const nightstack::InputFormat* reader_format = nullptr;
    try {
      for (std::size_t index = next++; index < paths.size(); index = next++) {
        const nightstack::InputFormat* format = nightstack::identify_format(paths[index]);
        if (!format || !format->make_reader) throw std::runtime_error(paths[index].string() + ": unreadable");
        if (format != reader_format) {
          reader = format->make_reader(nightstack::ReadOptions{});
          reader_format = format;
        }
        const auto frame = reader->open(paths[index]);
        // One value per band kept, so the decode cannot be optimised away.
        double sum = 0;
        for (auto band = frame->next_band(band_rows); band.rows > 0; band = frame->next_band(band_rows))
          sum += first_sample(band);
        checksum = checksum + sum;
      }
    } catch (const std::exception& error) {
      std::lock_guard lock(failure_mutex);
      failure = error.what();
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(work);
  for (auto& worker : workers) worker.join();
  if (!failure.empty()) {
    std::cerr << "decode_frames: " << failure << '\n';
    return 1;
  }
  std::cout << paths.size() << " frames decoded (checksum " << checksum.load() << ")\n";
  return 0;
}
