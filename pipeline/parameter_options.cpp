// Options from parameter schemas: one program_options value type per ParameterType, and back to YAML.
#include "pipeline/parameter_options.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace nightstack {

namespace po = boost::program_options;

namespace {

// Choices short enough to show in place of the value name, as in `--crop reference|intersection|union`.
// Longer ones would push the help text's column right, and long words then break across lines.
constexpr std::size_t longest_choice_value_name = 30;

std::string joined_choices(const ParameterSpec& parameter, const std::string& separator) {
  std::string text;
  for (const auto& choice : parameter.choices) text += (text.empty() ? "" : separator) + choice;
  return text;
}

std::string value_name(const ParameterSpec& parameter) {
  switch (parameter.type) {
    case ParameterType::boolean:
      return "true|false";
    case ParameterType::integer:
      return "N";
    case ParameterType::number:
      return "X";
    case ParameterType::text:
      return "TEXT";
    case ParameterType::choice: {
      const std::string choices = joined_choices(parameter, "|");
      return choices.size() <= longest_choice_value_name ? choices : "NAME";
    }
    case ParameterType::path:
    case ParameterType::path_list:
      return "PATH";
  }
  return "VALUE";
}

bool help_names_every_choice(const ParameterSpec& parameter) {
  return std::all_of(parameter.choices.begin(), parameter.choices.end(), [&](const std::string& choice) {
    return parameter.help.find(choice) != std::string::npos;
  });
}

}  // namespace

std::string option_name(const std::string& parameter_name) {
  std::string name = parameter_name;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string option_help(const ParameterSpec& parameter) {
  std::string help = parameter.help;
  auto append = [&help](const std::string& part) { help += (help.empty() ? "" : " ") + part; };
  if (parameter.type == ParameterType::choice && value_name(parameter) == "NAME" &&
      !help_names_every_choice(parameter))
    append("One of: " + joined_choices(parameter, ", ") + ".");
  if (parameter.required) {
    append("(required)");
  } else if (parameter.default_value) {
    append("(default: " + to_string(*parameter.default_value) + ")");
  }
  return help;
}

void add_parameter_option(po::options_description& options, const ParameterSpec& parameter,
                          const std::string& short_name) {
  const std::string names = option_name(parameter.name) + (short_name.empty() ? "" : "," + short_name);
  const std::string help = option_help(parameter);
  const std::string shown = value_name(parameter);
  po::value_semantic* semantic = nullptr;
  switch (parameter.type) {
    case ParameterType::boolean:
      semantic = po::value<bool>()->value_name(shown);
      break;
    case ParameterType::integer:
      semantic = po::value<long long>()->value_name(shown);
      break;
    case ParameterType::number:
      semantic = po::value<double>()->value_name(shown);
      break;
    case ParameterType::text:
    case ParameterType::choice:
    case ParameterType::path:
      semantic = po::value<std::string>()->value_name(shown);
      break;
    case ParameterType::path_list:
      semantic = po::value<std::vector<std::string>>()->composing()->value_name(shown);
      break;
  }
  options.add_options()(names.c_str(), semantic, help.c_str());  // copies both strings
}

void set_parameter_from_option(YAML::Node& stage, const ParameterSpec& parameter,
                               const po::variables_map& values) {
  const std::string name = option_name(parameter.name);
  if (!values.count(name)) return;
  const po::variable_value& value = values[name];
  switch (parameter.type) {
    case ParameterType::boolean:
      stage[parameter.name] = value.as<bool>();
      break;
    case ParameterType::integer:
      stage[parameter.name] = value.as<long long>();
      break;
    case ParameterType::number:
      stage[parameter.name] = value.as<double>();
      break;
    case ParameterType::text:
    case ParameterType::choice:
    case ParameterType::path:
      stage[parameter.name] = value.as<std::string>();
      break;
    case ParameterType::path_list:
      for (const auto& item : value.as<std::vector<std::string>>()) stage[parameter.name].push_back(item);
      break;
  }
}

}  // namespace nightstack
