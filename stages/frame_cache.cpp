// The scratch frame cache: an unlinked file written with write() and read with pread(), so the
// cached frames live in the page cache or on disk, never in the process's resident memory.
#include "stages/frame_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "pipeline/errors.hpp"
#include "pipeline/memory_info.hpp"

namespace nightstack {

std::string to_string(CacheFormat format) { return format == CacheFormat::float32 ? "float32" : "uint16"; }

std::size_t bytes_per_sample(CacheFormat format) { return format == CacheFormat::float32 ? 4 : 2; }

std::filesystem::path default_cache_directory() {
  const char* directory = std::getenv("TMPDIR");
  return directory && *directory ? std::filesystem::path(directory) : std::filesystem::path("/tmp");
}

FrameCache::FrameCache(std::filesystem::path directory, CacheFormat format, std::string stage_id)
    : directory_(std::move(directory)), format_(format), stage_id_(std::move(stage_id)) {}

FrameCache::~FrameCache() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

std::uint64_t FrameCache::frame_bytes() const {
  return static_cast<std::uint64_t>(width_) * static_cast<std::uint64_t>(height_) *
         static_cast<std::uint64_t>(channels_) * bytes_per_sample(format_);
}

std::uint64_t FrameCache::bytes_written() const { return frame_bytes() * frames_; }

void FrameCache::open() {
  if (!named_file_.empty()) {
    descriptor_ = ::open(named_file_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (descriptor_ < 0)
      throw OutputError(named_file_, "cannot create the scratch cache of stack '" + stage_id_ + "': " +
                                         std::strerror(errno) + "; set checkpoint_directory elsewhere");
    path_ = named_file_;
    return;
  }
  descriptor_ = create_nameless_scratch_file(directory_, stage_id_, path_);
}

int create_nameless_scratch_file(const std::filesystem::path& directory, const std::string& stage_id,
                                 std::filesystem::path& name_it_had) {
  std::string pattern = (directory / "nightstack-cache-XXXXXX").string();
  const int descriptor = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (descriptor < 0) {
    throw OutputError(directory, "cannot create the scratch cache of stack '" + stage_id + "': " +
                                     std::strerror(errno) + "; set cache_directory to a writable directory");
  }
  name_it_had = pattern;
  // Nameless from now on: the space is freed when the descriptor is closed, however the run ends.
  ::unlink(pattern.c_str());
  return descriptor;
}

void FrameCache::write_all(const void* data, std::size_t bytes) {
  const auto* cursor = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t written = ::write(descriptor_, cursor, bytes);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error = written < 0 ? errno : ENOSPC;
      throw OutputError(directory_, "cannot write the scratch cache of stack '" + stage_id_ + "' (frame " +
                                        std::to_string(frames_) + "): " + std::strerror(error) +
                                        "; it needs " + format_byte_size(frame_bytes()) +
                                        " per frame: free some space, set cache_directory to another disk, "
                                        "or set cache_format: uint16 to halve it");
    }
    cursor += written;
    bytes -= static_cast<std::size_t>(written);
  }
}

void FrameCache::append(const ImageF& frame) {
  if (descriptor_ < 0) {
    width_ = frame.width();
    height_ = frame.height();
    channels_ = frame.channels();
    open();
  }
  if (format_ == CacheFormat::float32) {
    write_all(frame.samples().data(), frame.samples().size() * sizeof(float));
  } else {
    append_uint16(frame);
  }
  ++frames_;
}

namespace {

Quantization choose_quantization(std::span<const float> plane) {
  bool integers = true, in_range = true, missing = false;
  float low = INFINITY, high = -INFINITY;
  for (float value : plane) {
    if (!std::isfinite(value)) {
      missing = true;
      continue;
    }
    low = std::min(low, value);
    high = std::max(high, value);
    integers = integers && value == std::floor(value);
    in_range = in_range && value >= 0.0f && value <= 65535.0f;
  }
  Quantization quantization;
  if (integers && in_range && !missing) return quantization;  // stored exactly: offset 0, step 1
  quantization.has_non_finite_code = true;
  if (!(low <= high)) {  // no finite value at all
    quantization.step = 0.0;
    return quantization;
  }
  quantization.offset = low;
  // Integers spanning at most 65534 steps (such as 16-bit data with BLANK pixels) are still exact.
  quantization.step = integers && static_cast<double>(high) - static_cast<double>(low) <= 65534.0
                          ? 1.0
                          : (static_cast<double>(high) - static_cast<double>(low)) / 65534.0;
  return quantization;
}

std::uint16_t encode(float value, const Quantization& quantization) {
  if (!quantization.has_non_finite_code) return static_cast<std::uint16_t>(value);
  if (!std::isfinite(value)) return Quantization::non_finite_code;
  if (quantization.step == 0.0) return 0;
  double code = std::floor((static_cast<double>(value) - quantization.offset) / quantization.step + 0.5);
  return static_cast<std::uint16_t>(std::clamp(code, 0.0, 65534.0));
}

}  // namespace

void FrameCache::append_uint16(const ImageF& frame) {
  constexpr std::size_t chunk = 1 << 16;
  codes_.resize(chunk);
  for (int channel = 0; channel < channels_; ++channel) {
    const auto plane = frame.plane(channel);
    const Quantization quantization = choose_quantization(plane);
    quantizations_.push_back(quantization);
    for (std::size_t start = 0; start < plane.size(); start += chunk) {
      const std::size_t count = std::min(chunk, plane.size() - start);
      for (std::size_t i = 0; i < count; ++i) codes_[i] = encode(plane[start + i], quantization);
      write_all(codes_.data(), count * sizeof(std::uint16_t));
    }
  }
}

void FrameCache::prefetch_rows(std::size_t frame, int first_row, int rows) const {
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(width_) * bytes_per_sample(format_);
  const std::uint64_t plane_bytes = row_bytes * static_cast<std::uint64_t>(height_);
  for (int channel = 0; channel < channels_; ++channel) {
    const std::uint64_t offset = frame_bytes() * frame + plane_bytes * static_cast<std::uint64_t>(channel) +
                                 row_bytes * static_cast<std::uint64_t>(first_row);
    ::posix_fadvise(descriptor_, static_cast<off_t>(offset), static_cast<off_t>(row_bytes * rows),
                    POSIX_FADV_WILLNEED);
  }
}

void FrameCache::read_rows(std::size_t frame, int first_row, int rows,
                           std::span<std::byte> destination) const {
  const std::uint64_t sample = bytes_per_sample(format_);
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(width_) * sample;
  const std::uint64_t plane_bytes = row_bytes * static_cast<std::uint64_t>(height_);
  const std::uint64_t block_bytes = row_bytes * static_cast<std::uint64_t>(rows);
  for (int channel = 0; channel < channels_; ++channel) {
    std::uint64_t offset = frame_bytes() * frame + plane_bytes * static_cast<std::uint64_t>(channel) +
                           row_bytes * static_cast<std::uint64_t>(first_row);
    auto* cursor =
        reinterpret_cast<char*>(destination.data()) + block_bytes * static_cast<std::uint64_t>(channel);
    std::uint64_t remaining = block_bytes;
    while (remaining > 0) {
      ssize_t got = ::pread(descriptor_, cursor, remaining, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        throw OutputError(path_, "cannot read back the scratch cache of stack '" + stage_id_ + "': " +
                                     (got < 0 ? std::strerror(errno) : "the file is shorter than written"));
      }
      cursor += got;
      offset += static_cast<std::uint64_t>(got);
      remaining -= static_cast<std::uint64_t>(got);
    }
  }
}

void FrameCache::save_state(StateWriter& writer) const {
  if (descriptor_ >= 0 && ::fdatasync(descriptor_) != 0) {
    throw OutputError(path_, "cannot flush the scratch cache of stack '" + stage_id_ +
                                 "' to disk for its "
                                 "checkpoint: " +
                                 std::strerror(errno));
  }
  writer.unsigned_integer(frames_);
  writer.unsigned_integer(static_cast<std::uint64_t>(width_));
  writer.unsigned_integer(static_cast<std::uint64_t>(height_));
  writer.unsigned_integer(static_cast<std::uint64_t>(channels_));
  writer.unsigned_integer(quantizations_.size());
  for (const Quantization& quantization : quantizations_) {
    writer.number(quantization.offset);
    writer.number(quantization.step);
    writer.unsigned_integer(quantization.has_non_finite_code);
  }
}

void FrameCache::load_state(StateReader& reader) {
  frames_ = reader.unsigned_integer();
  width_ = static_cast<int>(reader.unsigned_integer());
  height_ = static_cast<int>(reader.unsigned_integer());
  channels_ = static_cast<int>(reader.unsigned_integer());
  quantizations_.resize(reader.count(3 * sizeof(double)));
  for (Quantization& quantization : quantizations_) {
    quantization.offset = reader.number();
    quantization.step = reader.number();
    quantization.has_non_finite_code = reader.unsigned_integer() != 0;
  }
  if (frames_ == 0) return;
  descriptor_ = ::open(named_file_.c_str(), O_RDWR | O_CLOEXEC);
  path_ = named_file_;
  const auto needed = static_cast<off_t>(bytes_written());
  struct stat status {};
  if (descriptor_ < 0 || ::fstat(descriptor_, &status) != 0 || status.st_size < needed) {
    reader.fail("needs the scratch cache " + named_file_.string() + " with " + std::to_string(frames_) +
                " frames (" + std::to_string(needed) + " bytes), but it is " +
                (descriptor_ < 0 ? "missing" : "shorter"));
  }
  // Frames cached after the checkpoint are cut off: they are decoded and cached again.
  if (::ftruncate(descriptor_, needed) != 0 || ::lseek(descriptor_, 0, SEEK_END) != needed)
    throw OutputError(
        path_, "cannot cut the scratch cache back to its checkpoint: " + std::string(std::strerror(errno)));
}

}  // namespace nightstack
