// The explicit table of every stage type nightstack knows.
#pragma once

#include "pipeline/stage.hpp"

namespace nightstack {

StageType ingest_stage_type();
StageType calibrate_stage_type();
StageType demosaic_stage_type();
StageType linearize_stage_type();
StageType match_background_stage_type();
StageType register_stage_type();
StageType gap_fill_stage_type();
StageType fade_stage_type();
StageType stack_stage_type();
StageType timelapse_stage_type();
StageType blend_stage_type();
StageType normalize_stage_type();
StageType write_stage_type();
StageType statistics_stage_type();

StageRegistry builtin_stage_registry();

}  // namespace nightstack
