// What a stage's frames pass through before it, read from the run's resolved config: so a stage can
// refuse at graph build time a setting that needs an earlier stage (the stack's quality weights need
// a register stage), or key a cache on everything before it (register's star cache).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "pipeline/stage.hpp"

namespace nightstack {

// The config nodes of the stages up the stage's `input` chain, nearest first (ending with the
// source); nothing when the chain is unknown: no resolved config (a stage built on its own), an
// unreadable one, or one without this stage.
std::optional<std::vector<YAML::Node>> upstream_stage_nodes(const StageContext& context);

// Their `type`s, in the same order (nodes without one are passed over).
std::optional<std::vector<std::string>> upstream_stage_types(const StageContext& context);

}  // namespace nightstack
