// The command line: run, validate, stages, stack, info. Returns the process exit code.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "pipeline/frame.hpp"
#include "pipeline/run_summary.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

// Decodes one file as stored (Bayer mosaics kept as CFA), for `nightstack info`. Supplied by main,
// which knows the file formats; pipeline/ does not.
using FileInspector = std::function<Frame(const std::filesystem::path&)>;

// Writes PREFIX.json and PREFIX.html for a finished run. Supplied by main (report/ renders them), so
// pipeline/ neither includes nor links the report.
using ReportWriter =
    std::function<void(const std::filesystem::path& prefix, const RunSummary&, const RunInfo&)>;

// The keys of a file's header without its pixels (FrameInfo::header_keys), for `nightstack config
// --from`. Supplied by main, as the readers are io/'s.
using HeaderReader = std::function<std::map<std::string, std::string>(const std::filesystem::path&)>;

struct CommandLineTools {
  const StageRegistry& registry;
  FileInspector inspect;
  ReportWriter write_report;
  HeaderReader read_header;
  std::string library_versions;  // of io/'s libraries, for the run record (io_library_versions)
};

int run_command_line(int argc, char** argv, const CommandLineTools& tools);

}  // namespace nightstack
