// Plans how many image rows a stack that needs every value of a pixel (median, rejection) reads at
// once from its frame cache, so that its whole working set stays within a memory limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace nightstack {

// Bytes of per-pixel scratch one stacking thread holds for each frame (values, weights, verdicts,
// selection copies, index lists); the pixel combiner allocates no more than this (tested).
inline constexpr std::uint64_t scratch_bytes_per_frame_per_thread = 64;

struct BlockPlanRequest {
  std::uint64_t frames = 0;
  std::uint64_t width = 0;
  std::uint64_t height = 0;
  std::uint64_t channels = 0;
  std::uint64_t cache_bytes_per_sample = 4;  // 4 for float32, 2 for 16-bit
  // Bytes per output sample held for the whole stacking: 8 for the double result, plus 16 when
  // the low and high rejection maps (doubles) are kept.
  std::uint64_t output_bytes_per_sample = 8;
  std::uint64_t threads = 1;
  std::uint64_t memory_limit = 0;
};

struct BlockPlan {
  std::uint64_t rows_per_block = 0;
  std::uint64_t blocks = 0;
  std::uint64_t working_set = 0;  // planned_working_set(request, rows_per_block)
};

// The memory a block of `rows` rows needs, all of it:
//   output   = output_bytes_per_sample * width * height * channels        (held throughout)
//   scratch  = threads * frames * scratch_bytes_per_frame_per_thread
//   block    = rows * width * channels * frames * cache_bytes_per_sample  (the rows of every frame)
std::uint64_t planned_working_set(const BlockPlanRequest& request, std::uint64_t rows);

// Thrown when not even a block of one row fits; the message says how much is needed.
class BlockPlanError : public std::runtime_error {
 public:
  BlockPlanError(const std::string& message, std::uint64_t minimum_limit)
      : std::runtime_error(message), minimum_limit_(minimum_limit) {}
  std::uint64_t minimum_limit() const { return minimum_limit_; }

 private:
  std::uint64_t minimum_limit_;
};

// The largest block (at most `height` rows) whose planned working set is within memory_limit, and
// the number of blocks that covers the image. A pure function: same request, same plan.
BlockPlan plan_blocks(const BlockPlanRequest& request);

}  // namespace nightstack
