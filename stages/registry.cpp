// One list, in the order a run uses them: `nightstack stages`, the config checker and the quick
// `stack` command all read it.
#include "stages/registry.hpp"

namespace nightstack {

StageRegistry builtin_stage_registry() {
  return StageRegistry({
      ingest_stage_type(),
      calibrate_stage_type(),
      demosaic_stage_type(),
      linearize_stage_type(),
      match_background_stage_type(),
      register_stage_type(),
      gap_fill_stage_type(),
      fade_stage_type(),
      stack_stage_type(),
      timelapse_stage_type(),
      blend_stage_type(),
      normalize_stage_type(),
      write_stage_type(),
      statistics_stage_type(),
  });
}

}  // namespace nightstack
