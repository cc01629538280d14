// `nightstack stages`: the registry, printed — every stage type, its parameters, types, defaults
// and help. The config checker reads the very same table.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>

#include "pipeline/cli_commands.hpp"
#include "pipeline/text_layout.hpp"

namespace nightstack {

namespace {

std::string describe_type(const ParameterSpec& spec) {
  std::string text = to_string(spec.type);
  if (spec.type == ParameterType::choice) {
    text = "";
    for (const auto& choice : spec.choices) text += (text.empty() ? "" : "|") + choice;
  }
  if (std::isfinite(spec.minimum) || std::isfinite(spec.maximum)) {
    text += " in [" + (std::isfinite(spec.minimum) ? to_string(ParameterValue(spec.minimum)) : "-inf") +
            ", " + (std::isfinite(spec.maximum) ? to_string(ParameterValue(spec.maximum)) : "inf") + "]";
  }
  return text;
}

std::string describe_default(const ParameterSpec& spec) {
  if (spec.required) return "required";
  if (!spec.default_value) return "optional";
  return "default " + to_string(*spec.default_value);
}

}  // namespace

int command_stages(const Arguments& arguments, const StageRegistry& registry) {
  if (!arguments.empty() && (arguments.front() == "--help" || arguments.front() == "-h")) {
    std::cout << "Usage: nightstack stages\n\nLists every stage type a config can use, what it takes and "
                 "gives, and "
                 "each parameter\nwith its type, default and meaning.\n";
    return exit_code::success;
  }
  if (!arguments.empty()) throw UsageError("stages takes no arguments");
  std::size_t name_width = 0;
  for (const auto& type : registry.types()) {
    for (const auto& spec : type.parameters) name_width = std::max(name_width, spec.name.size());
  }
  for (const auto& type : registry.types()) {
    std::string takes = to_string(type.input);
    if (type.input_roles.size() > 1) {  // an image combiner: its inputs in the order the config lists them
      takes = std::to_string(type.input_roles.size()) + " images, input: [";
      for (std::size_t i = 0; i < type.input_roles.size(); ++i)
        takes += (i ? ", " : "") + type.input_roles[i];
      takes += "]";
    }
    std::cout << type.name << "  (takes " << takes << ", gives " << to_string(type.output) << ")\n";
    std::cout << "  " << wrap_text(type.summary, 90, 2) << "\n";
    for (const auto& spec : type.parameters) {
      std::cout << "  " << std::left << std::setw(static_cast<int>(name_width + 2)) << spec.name
                << describe_type(spec) << ", " << describe_default(spec) << "\n";
      std::cout << "      " << wrap_text(spec.help, 86, 6) << "\n";
    }
    std::cout << '\n';
  }
  std::cout
      << "Every stage also takes 'id' (its name in the graph) and 'type'; all but sources take 'input'.\n";
  return exit_code::success;
}

}  // namespace nightstack
