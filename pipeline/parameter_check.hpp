// Checks the YAML value written for one stage parameter against its ParameterSpec.
#pragma once

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "pipeline/parameters.hpp"

namespace nightstack {

// Either the checked value, or a sentence saying what is wrong with it that starts with the
// parameter's name ("gamma = 0 is out of range [0.1, 10]").
struct CheckedValue {
  std::optional<ParameterValue> value;
  std::string problem;
};

CheckedValue check_parameter_value(const ParameterSpec& spec, const YAML::Node& node);

// "nothing", "a list", "a mapping" or the scalar in quotes, for messages.
std::string describe_yaml(const YAML::Node& node);

// Shortest text that reads back as the same double; whole numbers without a decimal point.
std::string format_number(double number);

}  // namespace nightstack
