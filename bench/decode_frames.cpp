// scripts/bench's decode-only baseline: reads every frame of a directory with nightstack's own
// readers (the ones `nightstack stack` uses, chosen the same way) on THREADS threads and throws the
// pixels away. Nothing a stack does can be faster than this, so it is the yardstick.
//
//   decode_frames DIRECTORY THREADS
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/formats.hpp"
#include "pipeline/frame_storage.hpp"

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
        auto frame = reader->read(paths[index]);
        // One value kept, so the decode cannot be optimised away; the storage is reused as in a run.
        checksum = checksum + static_cast<double>(frame.pixels.samples().front());
        nightstack::recycle_frame_pixels(frame.pixels);
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
