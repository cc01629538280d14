// The one place that wires the rooms together: the CLI from pipeline/ with the stage table of stages/.
#include "pipeline/cli.hpp"
#include "stages/registry.hpp"

int main(int argc, char** argv) {
  return nightstack::run_command_line(argc, argv, nightstack::builtin_stage_registry());
}
