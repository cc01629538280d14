// The one-line-per-stage listing of a graph that `nightstack validate` prints.
#include "pipeline/graph.hpp"

#include <algorithm>
#include <optional>

#include "pipeline/suggestion.hpp"

namespace nightstack {

namespace {

bool same_value(const ParameterValue& left, const ParameterValue& right) {
  auto as_number = [](const ParameterValue& value) -> std::optional<double> {
    if (const auto* whole = std::get_if<std::int64_t>(&value)) return static_cast<double>(*whole);
    if (const auto* real = std::get_if<double>(&value)) return *real;
    return std::nullopt;
  };
  const auto left_number = as_number(left);
  const auto right_number = as_number(right);
  if (left_number && right_number) return *left_number == *right_number;
  return left == right;
}

// name=value for each parameter a reader needs: the required ones and those not at their default.
std::string shown_parameters(const StageConfig& stage) {
  std::string text;
  for (const auto& spec : stage.type->parameters) {
    if (!stage.parameters.has(spec.name)) continue;
    const ParameterValue& value = stage.parameters.value(spec.name);
    if (!spec.required && spec.default_value && same_value(value, *spec.default_value)) continue;
    std::string rendered = to_string(value);
    if (rendered.empty() || rendered.find(' ') != std::string::npos) {
      if (!std::holds_alternative<std::vector<std::string>>(value)) rendered = '"' + rendered + '"';
    }
    text += (text.empty() ? "" : " ") + spec.name + "=" + rendered;
  }
  return text;
}

// The text and at least two spaces, more to fill `width`.
std::string padded(const std::string& text, std::size_t width) {
  return text + std::string(std::max(width, text.size()) - text.size() + 2, ' ');
}

}  // namespace

std::string describe(const Graph& graph) {
  std::size_t id_width = 0;
  std::size_t type_width = 0;
  std::size_t input_width = 0;
  std::vector<std::string> input_columns;
  for (const auto& node : graph.nodes) {
    const StageConfig& stage = *node.config;
    std::string column;
    if (stage.type->input == DataKind::nothing) {
      column = "(source, gives " + to_string(stage.type->output) + ")";
    } else {
      std::vector<std::string> ids;
      for (std::size_t input : node.inputs) ids.push_back(graph.nodes[input].config->id);
      column = "<- " + join_names(ids);
      // Sources' wider note is left out so it does not push every parameter far to the right.
      input_width = std::max(input_width, column.size());
    }
    input_columns.push_back(column);
    id_width = std::max(id_width, stage.id.size());
    type_width = std::max(type_width, stage.type->name.size());
  }
  std::string text;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const StageConfig& stage = *graph.nodes[i].config;
    const std::string parameters = shown_parameters(stage);
    std::string line = padded(stage.id, id_width) + padded(stage.type->name, type_width);
    line += parameters.empty() ? input_columns[i] : padded(input_columns[i], input_width) + parameters;
    text += line + "\n";
  }
  return text;
}

}  // namespace nightstack
