// Loads a YAML run config: every stage entry checked against its type's schema (ids, types,
// inputs, parameter values, defaults), after --set overrides. All problems are thrown together.
#include "pipeline/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <system_error>
#include <tuple>

#include "pipeline/config_document.hpp"
#include "pipeline/parameter_check.hpp"
#include "pipeline/suggestion.hpp"

namespace nightstack {

namespace {

bool is_reserved_key(const std::string& key) { return key == "id" || key == "type" || key == "input"; }

bool is_valid_id(const std::string& id) {
  auto is_letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  auto is_id_character = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  };
  return !id.empty() && is_letter(id.front()) && std::all_of(id.begin(), id.end(), is_id_character);
}

// When `id` or `type` is missing, a near miss among the keys written is the likely reason.
std::string misspelled_key_note(const ConfigEntry& entry, const std::string& wanted) {
  for (const auto& field : entry.fields) {
    if (field.key != wanted && closest_name(field.key, {wanted})) {
      return "; is '" + field.key + "' on line " + std::to_string(field.key_location.line) +
             " meant to be '" + wanted + "'?";
    }
  }
  return "";
}

// Problems in the order they appear in the file, then those of --set options in command order.
void sort_by_location(std::vector<Diagnostic>& diagnostics, const std::string& source) {
  auto key = [&](const Diagnostic& diagnostic) {
    return std::tuple(diagnostic.location.file != source, diagnostic.location.line,
                      diagnostic.location.column);
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& left, const Diagnostic& right) { return key(left) < key(right); });
}

// A number parameter always holds a double, even when its author wrote the default as 1.
ParameterValue default_of(const ParameterSpec& spec) {
  const auto* whole = std::get_if<std::int64_t>(&*spec.default_value);
  if (spec.type == ParameterType::number && whole) return static_cast<double>(*whole);
  return *spec.default_value;
}

class ConfigLoader {
 public:
  ConfigLoader(std::string source, const StageRegistry& registry)
      : source_(std::move(source)), registry_(registry) {
    for (const auto& type : registry_.types()) type_names_.push_back(type.name);
  }

  Config load(const std::string& text, const std::vector<Override>& overrides) {
    ConfigDocument document(source_, diagnostics_);
    if (document.read(text)) {
      for (const auto& setting : overrides) document.apply(setting);
    }
    Config config;
    config.source = source_;
    for (const auto& entry : document.entries()) config.stages.push_back(check_stage(entry));
    if (!diagnostics_.empty()) {
      sort_by_location(diagnostics_, source_);
      throw ConfigError(std::move(diagnostics_));
    }
    config.resolved_yaml = document.emit();
    config.complete_yaml = complete_config_yaml(config.stages);
    return config;
  }

 private:
  void report(SourceLocation location, std::string message) {
    diagnostics_.push_back(Diagnostic{std::move(location), std::move(message)});
  }

  StageConfig check_stage(const ConfigEntry& entry) {
    StageConfig stage;
    stage.location = entry.location;
    stage.input_location = entry.location;
    stage.id = check_id(entry);
    const std::string label =
        stage.id.empty() ? "stage #" + std::to_string(entry.number) : "stage '" + stage.id + "'";
    stage.type = check_type(entry, label);
    check_inputs(entry, label, stage);
    if (stage.type) check_parameters(entry, label, stage);
    return stage;
  }

  std::string check_id(const ConfigEntry& entry) {
    const std::string label = "stage #" + std::to_string(entry.number);
    const ConfigField* field = entry.find("id");
    if (!field) {
      report(entry.location, label + " has no 'id'" + misspelled_key_note(entry, "id"));
      return "";
    }
    if (!field->value.IsScalar()) {
      report(field->value_location,
             "the id of " + label + " must be a name, got " + describe_yaml(field->value));
      return "";
    }
    const std::string& id = field->value.Scalar();
    if (!is_valid_id(id)) {
      report(field->value_location, "stage id '" + id +
                                        "' is not valid: an id starts with a letter and holds "
                                        "only letters, digits, '_' and '-'");
      return "";
    }
    auto [first, inserted] = first_ids_.emplace(id, field->value_location);
    if (!inserted) {
      report(field->value_location,
             "duplicate stage id '" + id + "'; the first is on line " + std::to_string(first->second.line));
    }
    return id;
  }

  const StageType* check_type(const ConfigEntry& entry, const std::string& label) {
    const ConfigField* field = entry.find("type");
    const std::string known = "known types: " + join_names(type_names_);
    if (!field) {
      report(entry.location, label + " has no 'type'" + misspelled_key_note(entry, "type") + "; " + known);
      return nullptr;
    }
    if (!field->value.IsScalar()) {
      report(field->value_location, label + ": 'type' must be the name of a stage type, got " +
                                        describe_yaml(field->value) + "; " + known);
      return nullptr;
    }
    const std::string& name = field->value.Scalar();
    const StageType* type = registry_.find(name);
    if (!type) {
      const std::string suggestion = did_you_mean(name, type_names_);
      report(field->value_location,
             "unknown stage type '" + name + "'" + (suggestion.empty() ? "; " : suggestion + " ") + known);
    }
    return type;
  }

  // Only the form is checked here; whether the ids exist and fit is the graph's business.
  void check_inputs(const ConfigEntry& entry, const std::string& label, StageConfig& stage) {
    const ConfigField* field = entry.find("input");
    if (!field) return;
    stage.input_location = field->key_location;
    const YAML::Node& value = field->value;
    auto is_id = [](const YAML::Node& node) { return node.IsScalar() && !node.Scalar().empty(); };
    bool well_formed = is_id(value) || value.IsSequence();
    if (value.IsSequence()) {
      for (const auto& item : value) well_formed = well_formed && is_id(item);
    }
    if (!well_formed) {
      report(field->value_location, label +
                                        ": 'input' must be a stage id or a list of stage ids, "
                                        "got " +
                                        describe_yaml(value));
      return;
    }
    if (value.IsScalar()) {
      stage.inputs.push_back(value.Scalar());
    } else {
      for (const auto& item : value) stage.inputs.push_back(item.Scalar());
    }
  }

  void check_parameters(const ConfigEntry& entry, const std::string& label, StageConfig& stage) {
    const StageType& type = *stage.type;
    const std::string full_label = label + " (" + type.name + ")";
    std::vector<std::string> names;
    for (const auto& spec : type.parameters) names.push_back(spec.name);
    for (const auto& field : entry.fields) {
      if (is_reserved_key(field.key)) continue;
      const ParameterSpec* spec = type.find_parameter(field.key);
      if (!spec) {
        std::vector<std::string> candidates = names;
        candidates.insert(candidates.end(), {"id", "type", "input"});
        std::string suggestion = did_you_mean(field.key, candidates);
        if (suggestion.empty()) {
          suggestion =
              names.empty() ? "; it takes no parameters" : "; its parameters are " + join_names(names);
        }
        report(field.key_location, full_label + " has no parameter '" + field.key + "'" + suggestion);
        continue;
      }
      auto checked = check_parameter_value(*spec, field.value);
      if (!checked.value) {
        report(field.value_location, label + ": " + checked.problem);
        continue;
      }
      stage.parameters.set(field.key, std::move(*checked.value), field.value_location);
    }
    for (const auto& spec : type.parameters) {
      if (entry.find(spec.name)) continue;
      if (spec.required) {
        report(entry.location, full_label + " is missing its required parameter '" + spec.name + "' (" +
                                   to_string(spec.type) + ")");
      } else if (spec.default_value) {
        stage.parameters.set(spec.name, default_of(spec), entry.location);
      }
    }
  }

  std::string source_;
  const StageRegistry& registry_;
  std::vector<std::string> type_names_;
  std::map<std::string, SourceLocation> first_ids_;
  std::vector<Diagnostic> diagnostics_;
};

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

ConfigError unreadable_config(const std::string& source, int error_number) {
  Diagnostic diagnostic;
  diagnostic.location.file = source;
  diagnostic.message =
      "cannot read the config file: " +
      (error_number ? std::generic_category().message(error_number) : std::string("unknown error"));
  return ConfigError(std::vector<Diagnostic>(1, diagnostic));
}

}  // namespace

Override parse_override(const std::string& text) {
  const UsageError malformed("--set expects ID.PARAM=VALUE, got '" + text + "'");
  const auto equals = text.find('=');
  if (equals == std::string::npos) throw malformed;
  // Stage ids cannot hold a dot, so the first one ends the id; the value may hold anything.
  const std::string name = text.substr(0, equals);
  const auto dot = name.find('.');
  if (dot == std::string::npos) throw malformed;
  Override setting{trim(name.substr(0, dot)), trim(name.substr(dot + 1)), text.substr(equals + 1)};
  if (setting.stage_id.empty() || setting.parameter.empty()) throw malformed;
  return setting;
}

Config load_config_text(const std::string& yaml_text, const std::string& source,
                        const std::vector<Override>& overrides, const StageRegistry& registry) {
  return ConfigLoader(source, registry).load(yaml_text, overrides);
}

Config load_config_file(const std::filesystem::path& path, const std::vector<Override>& overrides,
                        const StageRegistry& registry) {
  const std::string source = path.string();
  // Opening a directory succeeds on Linux and only the read fails, without a useful errno.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) throw unreadable_config(source, EISDIR);
  errno = 0;
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw unreadable_config(source, errno);
  std::string text{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  if (stream.bad()) throw unreadable_config(source, errno);
  return load_config_text(text, source, overrides, registry);
}

}  // namespace nightstack
