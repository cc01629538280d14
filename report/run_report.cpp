// Writes the two report files atomically.
#include "report/run_report.hpp"

#include <cerrno>
#include <fstream>

#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

void write_text_file(const std::filesystem::path& destination, const std::string& text) {
  AtomicOutput output(destination);
  {
    errno = 0;
    std::ofstream stream(output.temporary_path(), std::ios::binary);
    stream << text;
    stream.flush();
    if (!stream) {
      const std::string storage = storage_failure_reason(errno);
      throw OutputError(destination,
                        "cannot write the report: " +
                            (storage.empty() ? std::string("disk full or not writable?") : storage));
    }
  }
  output.commit();
}

}  // namespace

void write_run_report(const std::filesystem::path& prefix, const RunSummary& summary, const RunInfo& run) {
  write_text_file(prefix.string() + ".json", run_report_json(summary, run));
  write_text_file(prefix.string() + ".html", run_report_html(summary, run));
}

}  // namespace nightstack
