#include "stages/frame_store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "pipeline/errors.hpp"
#include "pipeline/memory_info.hpp"
#include "stages/frame_cache.hpp"

namespace nightstack {

std::string to_string(StorePlace place) { return place == StorePlace::memory ? "memory" : "disk"; }

FrameStore::FrameStore(const StoredShape& shape, std::size_t slots, StorePlace place,
                       std::filesystem::path directory, std::string stage_id)
    : shape_(shape),
      slots_(slots),
      place_(place),
      directory_(std::move(directory)),
      stage_id_(std::move(stage_id)),
      row_bytes_(shape.row_samples() * sample_size(shape.type)),
      frame_bytes_(row_bytes_ * static_cast<std::uint64_t>(shape.height)) {
  if (place_ == StorePlace::memory) {
    mapped_bytes_ = static_cast<std::size_t>(frame_bytes_ * slots_);
    if (mapped_bytes_ == 0) return;
    // Anonymous pages are committed as they are first written: a frame's pages by the worker that
    // decodes it, and nothing for the slot of a frame that is left out.
    void* memory = ::mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(memory, mapped_bytes_, MADV_HUGEPAGE);  // fewer page faults; a hint only
#endif
    memory_ = static_cast<std::byte*>(memory);
    return;
  }
  std::filesystem::path name_it_had;
  descriptor_ = create_nameless_scratch_file(directory_, stage_id_, name_it_had);
}

FrameStore::~FrameStore() {
  if (memory_) ::munmap(memory_, mapped_bytes_);
  if (descriptor_ >= 0) ::close(descriptor_);
}

void FrameStore::write_rows(std::size_t slot, int first_row, int rows, const void* samples) {
  const std::size_t bytes = static_cast<std::size_t>(rows) * row_bytes_;
  if (memory_) {
    std::memcpy(memory_ + offset(slot, first_row), samples, bytes);
    return;
  }
  const auto* cursor = static_cast<const char*>(samples);
  std::uint64_t at = offset(slot, first_row);
  std::size_t left = bytes;
  while (left > 0) {
    const ssize_t written = ::pwrite(descriptor_, cursor, left, static_cast<off_t>(at));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error = written < 0 ? errno : ENOSPC;
      throw OutputError(directory_, "cannot write the scratch cache of stack '" + stage_id_ +
                                        "': " + std::strerror(error) + "; it needs " +
                                        format_byte_size(frame_bytes_) +
                                        " per frame: free some space, set cache_directory to another disk, "
                                        "or raise memory_limit so that the frames stay in memory");
    }
    cursor += written;
    at += static_cast<std::uint64_t>(written);
    left -= static_cast<std::size_t>(written);
  }
}

const std::byte* FrameStore::rows(std::size_t slot, int first_row, int rows, std::byte* buffer) const {
  if (memory_) return memory_ + offset(slot, first_row);
  auto* cursor = reinterpret_cast<char*>(buffer);
  std::uint64_t at = offset(slot, first_row);
  std::size_t left = static_cast<std::size_t>(rows) * row_bytes_;
  while (left > 0) {
    const ssize_t got = ::pread(descriptor_, cursor, left, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw OutputError(directory_, "cannot read back the scratch cache of stack '" + stage_id_ + "': " +
                                        (got < 0 ? std::strerror(errno) : "it is shorter than written"));
    }
    cursor += got;
    at += static_cast<std::uint64_t>(got);
    left -= static_cast<std::size_t>(got);
  }
  return buffer;
}

void FrameStore::prefetch(std::size_t slot, int first_row, int rows) const {
  if (descriptor_ < 0) return;
  ::posix_fadvise(descriptor_, static_cast<off_t>(offset(slot, first_row)),
                  static_cast<off_t>(static_cast<std::uint64_t>(rows) * row_bytes_), POSIX_FADV_WILLNEED);
}

}  // namespace nightstack
