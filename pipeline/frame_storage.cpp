// Per-thread free list of frame storage.
#include "pipeline/frame_storage.hpp"

#include <algorithm>
#include <utility>

namespace nightstack {

namespace {

// Two buffers cover a thread's frame in flight plus one copy made by a transform that cannot move.
constexpr std::size_t kept_buffers = 2;

std::vector<std::vector<float>>& free_buffers() {
  thread_local std::vector<std::vector<float>> buffers;
  return buffers;
}

}  // namespace

ImageF take_frame_pixels(int width, int height, int channels) {
  const std::size_t samples = static_cast<std::size_t>(width) * height * channels;
  auto& buffers = free_buffers();
  // The smallest buffer that is big enough, so mixed frame sizes do not keep growing the large one.
  auto best = buffers.end();
  for (auto buffer = buffers.begin(); buffer != buffers.end(); ++buffer)
    if (buffer->capacity() >= samples && (best == buffers.end() || buffer->capacity() < best->capacity()))
      best = buffer;
  std::vector<float> storage;
  if (best != buffers.end()) {
    storage = std::move(*best);
    buffers.erase(best);
  }
  return ImageF(width, height, channels, std::move(storage));
}

void recycle_frame_pixels(ImageF& pixels) {
  std::vector<float> storage = std::move(pixels.samples());
  pixels = ImageF();
  if (storage.capacity() == 0) return;
  auto& buffers = free_buffers();
  buffers.push_back(std::move(storage));
  if (buffers.size() > kept_buffers) {
    // Drop the smallest: the large ones are the expensive ones to fault in again.
    auto smallest = std::min_element(buffers.begin(), buffers.end(), [](const auto& a, const auto& b) {
      return a.capacity() < b.capacity();
    });
    buffers.erase(smallest);
  }
}

}  // namespace nightstack
