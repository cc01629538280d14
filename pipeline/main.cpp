// The one place that wires the rooms together: the CLI from pipeline/, the stage table of stages/,
// the file formats of io/ and the run report of report/.
#include "io/formats.hpp"
#include "io/library_versions.hpp"
#include "pipeline/cli.hpp"
#include "pipeline/errors.hpp"
#include "report/run_report.hpp"
#include "stages/registry.hpp"

namespace {

nightstack::Frame inspect_file(const std::filesystem::path& path) {
  const nightstack::InputFormat* format = nightstack::identify_format(path);
  if (!format) throw nightstack::InputError(path, "not an image nightstack recognises");
  if (!format->make_reader) throw nightstack::InputError(path, format->name + " input is not supported yet");
  nightstack::ReadOptions as_stored;
  as_stored.bayer = "cfa";
  return format->make_reader(as_stored)->read(path);
}

std::map<std::string, std::string> header_keys(const std::filesystem::path& path) {
  const nightstack::InputFormat* format = nightstack::identify_format(path);
  if (!format || !format->make_reader)
    throw nightstack::InputError(path, "is not an image nightstack can read (a FITS output is needed)");
  return format->make_reader({})->read_info(path).header_keys;
}

}  // namespace

int main(int argc, char** argv) {
  const nightstack::StageRegistry registry = nightstack::builtin_stage_registry();
  return nightstack::run_command_line(
      argc, argv,
      {registry, inspect_file, nightstack::write_run_report, header_keys, nightstack::io_library_versions()});
}
