// One function per subcommand; cli.cpp dispatches and turns errors into exit codes.
#pragma once

#include <string>
#include <vector>

#include "pipeline/cli.hpp"
#include "pipeline/config.hpp"
#include "pipeline/mpi_run.hpp"
#include "pipeline/runner.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

using Arguments = std::vector<std::string>;

int command_run(const Arguments& arguments, const StageRegistry& registry);
int command_merge(const Arguments& arguments, const StageRegistry& registry);
int command_validate(const Arguments& arguments, const StageRegistry& registry);
int command_stages(const Arguments& arguments, const StageRegistry& registry);
int command_stack(const Arguments& arguments, const StageRegistry& registry);
int command_info(const Arguments& arguments, const FileInspector& inspect);
int command_config(const Arguments& arguments, const HeaderReader& read_header);

// The report writer execute_config uses; set once by run_command_line.
void set_report_writer(ReportWriter writer);
// io/'s library versions for the run record; set once by run_command_line.
void set_library_versions(std::string versions);

// Shared by run and stack: builds the graph from a loaded config, runs it, prints the summary and
// writes the run report.
int execute_config(const Config& config, RunOptions options, bool quiet);

// run --shard: one shard's partial instead of outputs (options.shard and options.partial set).
int execute_shard(const Config& config, RunOptions options, bool quiet);

}  // namespace nightstack
