// Message formatting for the error types.
#include "pipeline/errors.hpp"

namespace nightstack {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return exit_code::usage;
    case ErrorKind::config:
      return exit_code::config;
    case ErrorKind::input:
      return exit_code::input;
    case ErrorKind::output:
      return exit_code::output;
    case ErrorKind::interrupted:
      return exit_code::interrupted;
    case ErrorKind::internal:
      return exit_code::internal;
  }
  return exit_code::internal;
}

std::string to_string(const SourceLocation& location) {
  if (location.line <= 0) return location.file;
  return location.file + ":" + std::to_string(location.line) + ":" + std::to_string(location.column);
}

namespace {

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& diagnostic : diagnostics) {
    if (!text.empty()) text += '\n';
    text += to_string(diagnostic.location) + ": " + diagnostic.message;
  }
  return text;
}

std::string describe_input_problem(const std::filesystem::path& path, const std::string& message,
                                   std::optional<std::size_t> frame_index, const std::string& stage) {
  std::string text = path.string() + ": " + message;
  if (frame_index || !stage.empty()) {
    text += " (";
    if (frame_index) text += "frame " + std::to_string(*frame_index);
    if (frame_index && !stage.empty()) text += ", ";
    if (!stage.empty()) text += "stage '" + stage + "'";
    text += ")";
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : NightstackError(ErrorKind::config, join_diagnostics(diagnostics)),
      diagnostics_(std::move(diagnostics)) {}

InputError::InputError(const std::filesystem::path& path, const std::string& message,
                       std::optional<std::size_t> frame_index, const std::string& stage)
    : NightstackError(ErrorKind::input, describe_input_problem(path, message, frame_index, stage)),
      path_(path),
      detail_(message) {}

OutputError::OutputError(const std::filesystem::path& path, const std::string& message)
    : NightstackError(ErrorKind::output, path.string() + ": " + message), path_(path) {}

}  // namespace nightstack
