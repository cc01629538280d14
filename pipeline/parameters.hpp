// Parameter schemas of stage types, and the checked values a stage is built from.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/errors.hpp"

namespace nightstack {

enum class ParameterType {
  boolean,    // true / false
  integer,    // whole number, within [minimum, maximum]
  number,     // real number, within [minimum, maximum]
  text,       // any string
  choice,     // one of `choices`
  path,       // one file path
  path_list,  // a list of paths, directories or globs (a single string is a one-item list)
};

std::string to_string(ParameterType type);

using ParameterValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

// Renders a value the way it would be written in YAML, for `nightstack stages` and messages.
std::string to_string(const ParameterValue& value);

struct ParameterSpec {
  std::string name{};
  ParameterType type = ParameterType::text;
  // No default and not required means "absent unless given" (e.g. an optional output path).
  std::optional<ParameterValue> default_value{};
  bool required = false;
  double minimum = -std::numeric_limits<double>::infinity();
  double maximum = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices{};
  std::string help{};
};

// The checked values of one stage's parameters (defaults filled in), with where each was written.
class Parameters {
 public:
  void set(const std::string& name, ParameterValue value, SourceLocation location);
  bool has(const std::string& name) const { return values_.count(name) != 0; }

  bool boolean(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;            // also accepts an integer value
  const std::string& text(const std::string& name) const;  // text, choice and path
  const std::vector<std::string>& list(const std::string& name) const;
  const ParameterValue& value(const std::string& name) const;
  // Where the value was written; the stage's own location for defaults.
  SourceLocation location(const std::string& name) const;

  const std::map<std::string, ParameterValue>& values() const { return values_; }

 private:
  std::map<std::string, ParameterValue> values_;
  std::map<std::string, SourceLocation> locations_;
};

}  // namespace nightstack
