// The complete config: every stage with every parameter its type has a value for, defaults
// included, in the schema's order, so that running it again needs nothing but this text.
#include <yaml-cpp/yaml.h>
#include <charconv>

#include "pipeline/config.hpp"

namespace nightstack {

namespace {

// The shortest text that reads back as the same double.
std::string exact_number(double value) {
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  std::string number(text, end);
  // Written as a real number, so no reader mistakes it for an integer.
  if (number.find_first_of(".eEn") == std::string::npos) number += ".0";
  return number;
}

// A string that YAML would read as something else (null, a boolean, a number) is quoted; yaml-cpp
// quotes what its syntax needs by itself.
bool needs_quotes(const std::string& text) {
  if (text.empty()) return true;
  YAML::Node plain;
  try {
    plain = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return true;
  }
  if (!plain.IsScalar() || plain.Scalar() != text) return true;
  bool flag = false;
  double number = 0;
  return YAML::convert<bool>::decode(plain, flag) || YAML::convert<double>::decode(plain, number) ||
         text == "~" || text == "null" || text == "Null" || text == "NULL";
}

void emit_text(YAML::Emitter& out, const std::string& text) {
  if (needs_quotes(text)) out << YAML::DoubleQuoted;
  out << text;
}

void emit_value(YAML::Emitter& out, const ParameterValue& value) {
  if (const auto* flag = std::get_if<bool>(&value)) {
    out << (*flag ? "true" : "false");
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    out << *integer;
  } else if (const auto* real = std::get_if<double>(&value)) {
    out << exact_number(*real);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    emit_text(out, *text);
  } else {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : std::get<std::vector<std::string>>(value)) emit_text(out, item);
    out << YAML::EndSeq;
  }
}

}  // namespace

std::string complete_config_yaml(const std::vector<StageConfig>& stages) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
  for (const auto& stage : stages) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value;
    emit_text(out, stage.id);
    out << YAML::Key << "type" << YAML::Value << stage.type->name;
    if (stage.inputs.size() == 1) {
      out << YAML::Key << "input" << YAML::Value << stage.inputs.front();
    } else if (!stage.inputs.empty()) {
      out << YAML::Key << "input" << YAML::Value << YAML::Flow << stage.inputs;
    }
    for (const auto& spec : stage.type->parameters) {
      if (!stage.parameters.has(spec.name)) continue;
      // A list cannot be written empty; empty, it is the default and reads back as such.
      const auto* list = std::get_if<std::vector<std::string>>(&stage.parameters.value(spec.name));
      if (list && list->empty()) continue;
      out << YAML::Key << spec.name << YAML::Value;
      emit_value(out, stage.parameters.value(spec.name));
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nightstack
