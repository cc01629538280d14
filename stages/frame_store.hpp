// The frames of a stack that needs every value of a pixel (median, rejection), kept as the readers
// stored them: an 8-bit code is one byte, not a four-byte float. Slot after slot, each frame its rows
// top to bottom with samples interleaved as bands arrive, so a band is one copy and a block of rows of
// a frame is one contiguous range.
//
// In memory when the whole store fits what the stack may use (anonymous pages, touched only as frames
// arrive: a slot whose frame was skipped costs nothing); otherwise in a scratch file in the cache
// directory, unlinked at once (as FrameCache), written with pwrite and read back a block at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "pipeline/frame_bands.hpp"

namespace nightstack {

enum class StorePlace { memory, disk };

std::string to_string(StorePlace place);

class FrameStore {
 public:
  // Room for `slots` frames of `shape`. `stage_id` names the stack in messages; `directory` is where
  // a disk store makes its file.
  FrameStore(const StoredShape& shape, std::size_t slots, StorePlace place, std::filesystem::path directory,
             std::string stage_id);
  ~FrameStore();
  FrameStore(const FrameStore&) = delete;
  FrameStore& operator=(const FrameStore&) = delete;

  const StoredShape& shape() const { return shape_; }
  StorePlace place() const { return place_; }
  std::size_t slots() const { return slots_; }
  std::uint64_t frame_bytes() const { return frame_bytes_; }
  std::uint64_t row_bytes() const { return row_bytes_; }

  // Stores rows [first_row, first_row + rows) of the frame in `slot` (interleaved stored samples).
  // Safe from several threads at once for different slots. Throws OutputError naming the cache
  // directory when the disk is full.
  void write_rows(std::size_t slot, int first_row, int rows, const void* samples);

  // Rows [first_row, first_row + rows) of the frame in `slot`: in memory, where they are; on disk,
  // read into `buffer` (at least rows x row_bytes()) and returned there. Safe from several threads.
  const std::byte* rows(std::size_t slot, int first_row, int rows, std::byte* buffer) const;

  // Disk: asks the kernel to start reading those rows, so that a later rows() finds them in the page
  // cache. Only a hint; nothing in memory.
  void prefetch(std::size_t slot, int first_row, int rows) const;

 private:
  std::uint64_t offset(std::size_t slot, int row) const {
    return static_cast<std::uint64_t>(slot) * frame_bytes_ + static_cast<std::uint64_t>(row) * row_bytes_;
  }

  StoredShape shape_;
  std::size_t slots_;
  StorePlace place_;
  std::filesystem::path directory_;
  std::string stage_id_;
  std::uint64_t row_bytes_ = 0;
  std::uint64_t frame_bytes_ = 0;
  std::byte* memory_ = nullptr;  // StorePlace::memory: slots x frame_bytes, mapped
  std::size_t mapped_bytes_ = 0;
  int descriptor_ = -1;  // StorePlace::disk
};

}  // namespace nightstack
