// The scratch cache of a stack that needs every value of a pixel (median, rejection): each frame is
// written once, as accepted, and read back in blocks of rows. One file, frame after frame, each
// frame planar (channel after channel, rows top to bottom): a block of rows of one channel of one
// frame is one contiguous read.
//
// The file is created in the cache directory and unlinked at once, so it has no name while in use:
// the kernel frees its space when the cache object closes it, on success, on an exception, and even
// when the process is killed.
//
// Formats: float32 stores the values as they are. uint16 halves the file: a channel of a frame whose
// values are all integers in 0..65535 (16-bit and 8-bit data read as is) is stored exactly; any other
// channel is quantized between its finite minimum lo and maximum hi as code = round((v - lo) / step),
// step = (hi - lo) / 65534, read back as lo + code * step (an error of at most step / 2), code 65535
// marking a missing (non-finite) value, read back as NaN and so left out of the stack. A channel of
// integers spanning at most 65534 (16-bit data with BLANK pixels, say) takes step 1: still exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

enum class CacheFormat { float32, uint16 };

std::string to_string(CacheFormat format);
std::size_t bytes_per_sample(CacheFormat format);

// How a channel of a frame was stored as 16-bit codes: value = offset + code * step, code
// `non_finite_code` (when has_non_finite_code) meaning NaN.
struct Quantization {
  double offset = 0.0;
  double step = 1.0;
  bool has_non_finite_code = false;
  static constexpr std::uint16_t non_finite_code = 65535;
};

class FrameCache {
 public:
  // Creates nothing yet: the file is made by the first append(). `stage_id` names the stage in
  // messages.
  FrameCache(std::filesystem::path directory, CacheFormat format, std::string stage_id);
  ~FrameCache();
  FrameCache(const FrameCache&) = delete;
  FrameCache& operator=(const FrameCache&) = delete;

  // Writes the frame after the previous ones (all frames have the first one's shape). Throws
  // OutputError naming the cache directory when the file cannot be made or written (a full disk).
  void append(const ImageF& frame);

  std::size_t frames() const { return frames_; }
  CacheFormat format() const { return format_; }
  bool is_open() const { return descriptor_ >= 0; }
  std::uint64_t bytes_written() const;

  // Reads `rows` rows from `first_row` of every channel of one frame, as stored (float or uint16),
  // into `destination`: channel after channel, rows x width samples each.
  void read_rows(std::size_t frame, int first_row, int rows, std::span<std::byte> destination) const;

  // Asks the kernel to start reading those rows of every channel of a frame into the page cache, so
  // that a later read_rows() finds them there: the next block is fetched from disk while this one is
  // computed, without holding it in the process's memory. Only a hint; errors are ignored.
  void prefetch_rows(std::size_t frame, int first_row, int rows) const;

  // While checkpointing: the cache is the named file `file` instead (created by the first append(),
  // never unlinked), so a resumed run finds the frames cached before. Call before append().
  void keep_named(std::filesystem::path file) { named_file_ = std::move(file); }
  // Checkpoints: save_state flushes the cached frames to disk, then saves their count, shape and
  // quantizations; load_state reopens the named file and cuts it back to that many frames (frames
  // cached after the checkpoint are cached again).
  void save_state(StateWriter& writer) const;
  void load_state(StateReader& reader);

  // For uint16: how channel `channel` of frame `frame` was quantized.
  const Quantization& quantization(std::size_t frame, int channel) const {
    return quantizations_[frame * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(channel)];
  }

 private:
  void open();
  void write_all(const void* data, std::size_t bytes);
  void append_uint16(const ImageF& frame);
  std::uint64_t frame_bytes() const;

  std::filesystem::path directory_;
  CacheFormat format_;
  std::string stage_id_;
  int descriptor_ = -1;
  std::filesystem::path path_;        // the name it had for an instant, for messages
  std::filesystem::path named_file_;  // set while checkpointing
  int width_ = 0, height_ = 0, channels_ = 0;
  std::size_t frames_ = 0;
  std::vector<Quantization> quantizations_;
  std::vector<std::uint16_t> codes_;  // a chunk of 16-bit codes being written
};

// Creates a scratch file in `directory` and unlinks it at once, so that its space is freed when the
// returned descriptor is closed, however the run ends; `name_it_had` is for messages. Throws
// OutputError naming the directory when it cannot.
int create_nameless_scratch_file(const std::filesystem::path& directory, const std::string& stage_id,
                                 std::filesystem::path& name_it_had);

// $TMPDIR when set and not empty, otherwise /tmp.
std::filesystem::path default_cache_directory();

}  // namespace nightstack
