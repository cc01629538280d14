// A config's stage list as written, before any schema check: every key and value with where it
// was written, changed by --set overrides, and written back out as the resolved YAML.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "pipeline/config.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

// One `key: value` of a stage entry; both locations are the --set's when an override gave it.
struct ConfigField {
  std::string key;
  YAML::Node value;
  SourceLocation key_location;
  SourceLocation value_location;
};

struct ConfigEntry {
  std::size_t number = 0;  // 1-based position in the list, for messages when the id is unusable
  SourceLocation location;
  std::vector<ConfigField> fields;

  const ConfigField* find(const std::string& key) const;
  ConfigField* find(const std::string& key);
  // The id as written if it is a scalar, else "" (it is checked later, with the schema).
  std::string written_id() const;
};

// Problems go to the diagnostics list given at construction, so they join the schema's.
class ConfigDocument {
 public:
  ConfigDocument(std::string source, std::vector<Diagnostic>& diagnostics)
      : source_(std::move(source)), diagnostics_(diagnostics) {}

  // False when there is no usable stage list, so overrides have nothing to apply to.
  bool read(const std::string& text);
  void apply(const Override& setting);
  const std::vector<ConfigEntry>& entries() const { return entries_; }
  std::string emit() const;

 private:
  SourceLocation where(const YAML::Mark& mark) const;
  SourceLocation where(const YAML::Node& node) const { return where(node.Mark()); }
  void report(SourceLocation location, std::string message);
  bool read_stage_list(const YAML::Node& root);
  std::vector<ConfigField> read_mapping(const YAML::Node& node);
  bool parse_override_value(const std::string& text, const SourceLocation& location, YAML::Node& value);

  std::string source_;
  std::vector<Diagnostic>& diagnostics_;
  std::vector<ConfigEntry> entries_;
};

}  // namespace nightstack
