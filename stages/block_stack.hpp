// The stacking methods that need every value of a pixel (median and the means with rejection):
// frames go to a scratch cache as they are accepted, then the image is stacked in blocks of rows
// planned to fit the memory limit, each block on every thread.
#pragma once

#include <memory>

#include "stages/pixel_combine.hpp"
#include "stages/stack_methods.hpp"

namespace nightstack {

std::unique_ptr<StackMethod> make_block_stack(const StackSettings& settings, Combine combine,
                                              Rejection rejection);

}  // namespace nightstack
