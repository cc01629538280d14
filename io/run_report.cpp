// Writes the two report files atomically.
#include "io/run_report.hpp"

#include <fstream>

#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

void write_text_file(const std::filesystem::path& destination, const std::string& text) {
  AtomicOutput output(destination);
  {
    std::ofstream stream(output.temporary_path(), std::ios::binary);
    stream << text;
    stream.flush();
    if (!stream) throw OutputError(destination, "cannot write the report (disk full or not writable?)");
  }
  output.commit();
}

}  // namespace

void write_run_report(const std::filesystem::path& prefix, const RunSummary& summary, const RunInfo& run) {
  write_text_file(prefix.string() + ".json", run_report_json(summary, run));
  write_text_file(prefix.string() + ".html", run_report_html(summary, run));
}

}  // namespace nightstack
