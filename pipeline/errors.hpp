// The error types every part throws; main turns each kind into one line and a documented exit code.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nightstack {

enum class ErrorKind { usage, config, input, output, interrupted, internal };

// Documented in docs/reliability.md (Exit codes); scripts depend on these numbers, so they never change
// meaning.
namespace exit_code {
inline constexpr int success = 0;
inline constexpr int internal = 1;
inline constexpr int usage = 2;   // bad command line
inline constexpr int config = 3;  // the config file (or a --set) is invalid
inline constexpr int input = 4;   // an input file is missing, unreadable or inconsistent
inline constexpr int output = 5;  // an output could not be written
inline constexpr int interrupted = 130;
}  // namespace exit_code

int exit_code_for(ErrorKind kind);

class NightstackError : public std::runtime_error {
 public:
  NightstackError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

class UsageError : public NightstackError {
 public:
  explicit UsageError(const std::string& message) : NightstackError(ErrorKind::usage, message) {}
};

// Where in a config a problem is. Line and column count from 1; a value given with --set has
// file "--set" and line 0.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

std::string to_string(const SourceLocation& location);

struct Diagnostic {
  SourceLocation location;
  std::string message;
};

// Every problem found in a config, reported together so the user fixes them in one go.
class ConfigError : public NightstackError {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Thrown by a stage factory about one of its parameters; the config loader adds the location.
class ParameterError : public std::runtime_error {
 public:
  ParameterError(std::string parameter, const std::string& message)
      : std::runtime_error(message), parameter_(std::move(parameter)) {}
  const std::string& parameter() const { return parameter_; }

 private:
  std::string parameter_;
};

// A problem with an input file: names the file, and the frame and stage when known.
class InputError : public NightstackError {
 public:
  InputError(const std::filesystem::path& path, const std::string& message,
             std::optional<std::size_t> frame_index = std::nullopt, const std::string& stage = "");
  const std::filesystem::path& path() const { return path_; }
  const std::string& detail() const { return detail_; }

 private:
  std::filesystem::path path_;
  std::string detail_;
};

class OutputError : public NightstackError {
 public:
  OutputError(const std::filesystem::path& path, const std::string& message);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class InterruptedError : public NightstackError {
 public:
  InterruptedError() : NightstackError(ErrorKind::interrupted, "interrupted") {}
};

}  // namespace nightstack
