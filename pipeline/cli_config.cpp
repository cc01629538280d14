// `nightstack config --from OUT.fits [--check]`: the run record an output carries, as a config to
// run again, and which of the inputs it lists changed since.
#include <boost/program_options.hpp>
#include <iostream>

#include "pipeline/cli_commands.hpp"
#include "pipeline/run_record.hpp"
#include "pipeline/sha256.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const config_help = R"(Usage: nightstack config --from OUT.fits [--check]

Prints the complete config that made OUT.fits, as YAML: every stage with every
parameter, defaults included, from the output's FITS header (NSCONFIG). Lines
starting with # say which nightstack and libraries made it, the directory it
ran in, and each input with its size and SHA-256. Run it again with
  nightstack config --from OUT.fits > again.yaml && nightstack run again.yaml
in that directory: with the same inputs the outputs have the same pixels.

With --check, prints instead each input that is missing or whose size or
SHA-256 differ, relative paths taken from the current directory.

Exit codes: 0 the config was printed, or (--check) every input is unchanged;
4 (--check) some input changed or is missing, or OUT.fits has no run record.

Options)";

std::string comment_lines(const std::string& text) {
  std::string lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines += "#   " + text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// Why `input` no longer matches, or "" when it does.
std::string change_of(const InputFileRecord& input) {
  std::error_code error;
  const auto size = std::filesystem::file_size(input.path, error);
  if (error) return "missing (" + error.message() + ")";
  if (size != input.size)
    return "changed: " + std::to_string(size) + " bytes, was " + std::to_string(input.size);
  std::string hash;
  try {
    hash = sha256_file_hex(input.path);
  } catch (const InputError& unreadable) {
    return std::string("unreadable: ") + unreadable.what();
  }
  return hash == input.sha256 ? "" : "changed: SHA-256 " + hash + ", was " + input.sha256;
}

int check_inputs(const RunRecord& record) {
  std::error_code no_directory;
  const std::string here = std::filesystem::current_path(no_directory).string();
  if (!record.directory.empty() && record.directory != here)
    std::cerr << "nightstack: note: the run ran in " << record.directory
              << "; relative paths are checked from here (" << here << ")\n";
  std::size_t changed = 0;
  for (const auto& input : record.inputs) {
    const std::string change = change_of(input);
    if (change.empty()) continue;
    ++changed;
    std::cout << input.path.string() << ": " << change << '\n';
  }
  std::cout << changed << " of " << record.inputs.size() << " inputs changed or missing\n";
  return changed == 0 ? exit_code::success : exit_code::input;
}

}  // namespace

int command_config(const Arguments& arguments, const HeaderReader& read_header) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("from", po::value<std::string>()->value_name("OUT.fits"),
                                                    "the FITS output whose run record to read")(
      "check", "report which inputs changed instead of printing the config");
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(options).run(), values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << config_help << options;
    return exit_code::success;
  }
  if (!values.count("from")) throw UsageError("config needs --from OUT.fits (see --help)");
  const std::filesystem::path output = values["from"].as<std::string>();
  std::optional<RunRecord> record;
  try {
    record = run_record_from(read_header(output));
  } catch (const std::invalid_argument& damaged) {
    throw InputError(output, std::string("has a damaged run record: ") + damaged.what());
  }
  if (!record)
    throw InputError(output, std::string("has no run record (") + config_key +
                                 "): only FITS outputs of nightstack 0.1 and later carry one");
  if (values.count("check")) return check_inputs(*record);
  std::cout << "# The complete config that made " << output.string() << ".\n# Made by: " << record->versions
            << "\n# Ran in: " << record->directory << " (relative paths are relative to it)\n# Inputs ("
            << record->inputs.size() << "; SHA-256, bytes, path):\n"
            << comment_lines(inputs_text(record->inputs)) << record->complete_config;
  return exit_code::success;
}

}  // namespace nightstack
