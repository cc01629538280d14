// Per-thread free list of frame storage.
#include "pipeline/frame_storage.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

namespace nightstack {

namespace {

// Two buffers cover a thread's frame in flight plus one copy made by a transform that cannot move.
constexpr std::size_t kept_buffers = 2;

using Buffers = std::vector<std::vector<float>>;

// Drops the smallest beyond `count`: the large ones are the expensive ones to fault in again.
void keep_largest(Buffers& buffers, std::size_t count) {
  while (buffers.size() > count)
    buffers.erase(std::min_element(buffers.begin(), buffers.end(),
                                   [](const auto& a, const auto& b) { return a.capacity() < b.capacity(); }));
}

// Takes the smallest buffer that holds `samples` out of `buffers`, so mixed frame sizes do not keep
// growing the large one; empty when none does.
std::vector<float> take_best_fit(Buffers& buffers, std::size_t samples) {
  auto best = buffers.end();
  for (auto buffer = buffers.begin(); buffer != buffers.end(); ++buffer)
    if (buffer->capacity() >= samples && (best == buffers.end() || buffer->capacity() < best->capacity()))
      best = buffer;
  if (best == buffers.end()) return {};
  std::vector<float> storage = std::move(*best);
  buffers.erase(best);
  return storage;
}

// Buffers of threads that ended (a pass's workers), for the threads of the next pass, which would
// otherwise fault in all their pages again (registration's first pass, then the stacking pass). As
// many as one thread keeps, so storage nobody takes again stays within a frame in flight.
constexpr std::size_t left_buffers_kept = kept_buffers;
std::mutex left_mutex;
Buffers left_buffers;  // guarded by left_mutex

struct ThreadBuffers {
  Buffers buffers;
  ~ThreadBuffers() {
    std::lock_guard lock(left_mutex);
    for (auto& buffer : buffers) left_buffers.push_back(std::move(buffer));
    keep_largest(left_buffers, left_buffers_kept);
  }
};

Buffers& free_buffers() {
  thread_local ThreadBuffers own;
  return own.buffers;
}

// This thread's best fit, else one left by an ended thread; empty when neither has one.
std::vector<float> take_buffer(std::size_t samples) {
  std::vector<float> storage = take_best_fit(free_buffers(), samples);
  if (storage.capacity() > 0) return storage;  // (kept buffers are never empty)
  std::lock_guard lock(left_mutex);
  return take_best_fit(left_buffers, samples);
}

}  // namespace

ImageF take_frame_pixels(int width, int height, int channels) {
  const std::size_t samples = static_cast<std::size_t>(width) * height * channels;
  return ImageF(width, height, channels, take_buffer(samples));
}

void recycle_frame_pixels(ImageF& pixels) {
  std::vector<float> storage = std::move(pixels.samples());
  pixels = ImageF();
  if (storage.capacity() == 0) return;
  auto& buffers = free_buffers();
  buffers.push_back(std::move(storage));
  keep_largest(buffers, kept_buffers);
}

}  // namespace nightstack
