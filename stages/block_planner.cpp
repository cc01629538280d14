// The block planner: a pure function of the frame count, the frame shape, the sample sizes, the
// thread count and the memory limit.
#include "stages/block_planner.hpp"

#include <algorithm>

#include "pipeline/memory_info.hpp"

namespace nightstack {

namespace {

std::uint64_t fixed_bytes(const BlockPlanRequest& request) {
  return request.output_bytes_per_sample * request.width * request.height * request.channels +
         request.threads * request.frames * scratch_bytes_per_frame_per_thread;
}

std::uint64_t bytes_per_row(const BlockPlanRequest& request) {
  return request.width * request.channels * request.frames * request.cache_bytes_per_sample;
}

}  // namespace

std::uint64_t planned_working_set(const BlockPlanRequest& request, std::uint64_t rows) {
  return fixed_bytes(request) + rows * bytes_per_row(request);
}

BlockPlan plan_blocks(const BlockPlanRequest& request) {
  if (request.frames == 0 || request.width == 0 || request.height == 0 || request.channels == 0 ||
      request.threads == 0 || request.cache_bytes_per_sample == 0)
    throw std::invalid_argument("plan_blocks: frames, shape, sample size and threads must be positive");
  const std::uint64_t minimum = planned_working_set(request, 1);
  if (minimum > request.memory_limit) {
    const std::uint64_t mebibyte = 1024 * 1024;
    const std::uint64_t advice = (minimum + mebibyte - 1) / mebibyte * mebibyte;  // rounded up
    throw BlockPlanError("memory_limit " + format_byte_size(request.memory_limit) +
                             " is too small to stack " + std::to_string(request.frames) +
                             (request.frames == 1 ? " frame of " : " frames of ") +
                             std::to_string(request.width) + "x" + std::to_string(request.height) + "x" +
                             std::to_string(request.channels) + ": the result and scratch take " +
                             format_byte_size(fixed_bytes(request)) + " and one row of every frame " +
                             format_byte_size(bytes_per_row(request)) + "; set memory_limit to at least " +
                             format_byte_size(advice) + " (more is faster)",
                         minimum);
  }
  BlockPlan plan;
  plan.rows_per_block =
      std::min(request.height, (request.memory_limit - fixed_bytes(request)) / bytes_per_row(request));
  plan.blocks = (request.height + plan.rows_per_block - 1) / plan.rows_per_block;
  plan.working_set = planned_working_set(request, plan.rows_per_block);
  return plan;
}

}  // namespace nightstack
