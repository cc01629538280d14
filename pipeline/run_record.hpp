// The run record every FITS output and run report carries, so a run can be rebuilt from its
// output: the complete config (defaults included), the input files with their sizes and SHA-256,
// the directory the run ran in, and the versions of nightstack and its libraries. In a FITS
// header each is one long string (CONTINUE cards), percent-encoded so that newlines, non-ASCII
// paths and trailing spaces read back exactly.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

// The header keys of the record.
inline constexpr const char* config_key = "NSCONFIG";
inline constexpr const char* inputs_key = "NSINPUTS";
inline constexpr const char* directory_key = "NSRUNDIR";
inline constexpr const char* versions_key = "NSVERSNS";

struct RunRecord {
  std::string complete_config;
  std::vector<InputFileRecord> inputs;
  std::string directory;
  std::string versions;
};

// Printable ASCII without '%' stays as it is; every other byte (newline, UTF-8, '%') becomes %XX,
// and so do spaces at the end (FITS drops trailing spaces of a string).
std::string encode_header_text(std::string_view text);
// The inverse; throws std::invalid_argument for a malformed escape.
std::string decode_header_text(std::string_view text);

// One line per input: "SHA256 SIZE PATH".
std::string inputs_text(const std::vector<InputFileRecord>& inputs);
std::vector<InputFileRecord> parse_inputs_text(const std::string& text);  // throws std::invalid_argument

// Sets the four cards on `provenance`.
void record_run(Provenance& provenance, const RunInfo& run);
// The record from a file's header keys (FrameInfo::header_keys); nothing when the file has none.
// Throws std::invalid_argument when it is there but damaged.
std::optional<RunRecord> run_record_from(const std::map<std::string, std::string>& header_keys);

// The versions pipeline/ links (yaml-cpp, Boost, OpenSSL) and the compiler, "; "-separated.
std::string pipeline_library_versions();

}  // namespace nightstack
