// The run report beside the outputs: report.json for machines (resolved config, inputs with their
// per-frame measurements, what was skipped or rejected and why, timings, output statistics) and
// report.html, one self-contained page (no network) with previews, histograms and per-frame plots.
// It renders a finished run's results (RunSummary, plain data) and facts (RunInfo), never the
// runner itself; the executable's main hands write_run_report to the CLI.
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/run_summary.hpp"
#include "pipeline/stage.hpp"  // RunInfo

namespace nightstack {

// Writes PREFIX.json and PREFIX.html (each under a temporary name, then renamed).
void write_run_report(const std::filesystem::path& prefix, const RunSummary& summary, const RunInfo& run);

// The JSON text alone, and the HTML page alone (for tests and other callers).
std::string run_report_json(const RunSummary& summary, const RunInfo& run);
std::string run_report_html(const RunSummary& summary, const RunInfo& run);

}  // namespace nightstack
