// Command-line options generated from a stage type's parameter schema, so a quick command offers a
// stage's parameters with the registry's own names, types, defaults and help: the option
// --sigma-low is the YAML key sigma_low.
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <string>

#include "pipeline/parameters.hpp"

namespace nightstack {

// The long option for a parameter: its name with '_' written '-'.
std::string option_name(const std::string& parameter_name);

// The option's help: the schema's help, then the choices (unless the help or the value name already
// lists them), then "(required)" or the default.
std::string option_help(const ParameterSpec& parameter);

// Adds --NAME (and -SHORT_NAME when given) taking a value of the parameter's type. It has no
// default of its own: only options given reach the config, which fills in the schema's defaults.
void add_parameter_option(boost::program_options::options_description& options,
                          const ParameterSpec& parameter, const std::string& short_name = "");

// Writes the option's value, when given, into the stage's YAML node under the parameter's name.
void set_parameter_from_option(YAML::Node& stage, const ParameterSpec& parameter,
                               const boost::program_options::variables_map& values);

}  // namespace nightstack
