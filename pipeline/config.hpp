// Loading a YAML run config: every stage checked against its type's schema, --set overrides
// applied, every problem reported with file, line and column before any frame is read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/errors.hpp"
#include "pipeline/parameters.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

struct StageConfig {
  std::string id;
  const StageType* type = nullptr;
  std::vector<std::string> inputs;  // ids of the stages feeding this one
  SourceLocation location;          // of the stage's entry in the list
  SourceLocation input_location;    // of its `input` key (the entry's location when absent)
  Parameters parameters;            // checked, defaults filled in
};

struct Config {
  std::string source;               // file name, or a label such as "nightstack stack"
  std::vector<StageConfig> stages;  // in the order written
  std::string resolved_yaml;        // the config after overrides, as YAML text
  // The config after overrides with every parameter written out, defaults included: loading it
  // gives the same stages and the same text again (complete_config_yaml).
  std::string complete_yaml;
};

// Every stage in order: id, type, input, then each parameter that has a value, in its type's
// schema order; numbers in the shortest form that reads back exactly.
std::string complete_config_yaml(const std::vector<StageConfig>& stages);

// One `--set ID.PARAM=VALUE`. VALUE is read as YAML, so lists ([a, b]) and numbers work.
struct Override {
  std::string stage_id;
  std::string parameter;
  std::string value;
};
Override parse_override(const std::string& text);  // throws UsageError when malformed

// Throws ConfigError listing every problem found. The text variant is for configs built in code
// (the quick `stack` command) and for tests; `source` names it in messages.
Config load_config_file(const std::filesystem::path& path, const std::vector<Override>& overrides,
                        const StageRegistry& registry);
Config load_config_text(const std::string& yaml_text, const std::string& source,
                        const std::vector<Override>& overrides, const StageRegistry& registry);

}  // namespace nightstack
