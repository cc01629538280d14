// What a stage's frames pass through before it, read from the run's resolved config, so a stage can
// refuse at graph build time a setting that needs an earlier stage (the stack's quality weights need
// a register stage).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/stage.hpp"

namespace nightstack {

// The types of the stages up the stage's `input` chain, nearest first (ending with the source);
// nothing when the resolved config is unknown (a stage built on its own) or unreadable.
std::optional<std::vector<std::string>> upstream_stage_types(const StageContext& context);

}  // namespace nightstack
