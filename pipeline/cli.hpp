// The command line: run, validate, stages, stack. Returns the process exit code.
#pragma once

#include "pipeline/stage.hpp"

namespace nightstack {

int run_command_line(int argc, char** argv, const StageRegistry& registry);

}  // namespace nightstack
