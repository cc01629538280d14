// Look-ups in stage types and the registry.
#include "pipeline/stage.hpp"

#include <algorithm>

namespace nightstack {

std::string to_string(DataKind kind) {
  switch (kind) {
    case DataKind::nothing:
      return "nothing";
    case DataKind::frames:
      return "a frame stream";
    case DataKind::image:
      return "an image";
  }
  return "?";
}

const ParameterSpec* StageType::find_parameter(const std::string& parameter_name) const {
  auto found = std::find_if(parameters.begin(), parameters.end(),
                            [&](const ParameterSpec& spec) { return spec.name == parameter_name; });
  return found == parameters.end() ? nullptr : &*found;
}

const StageType* StageRegistry::find(const std::string& name) const {
  auto found =
      std::find_if(types_.begin(), types_.end(), [&](const StageType& type) { return type.name == name; });
  return found == types_.end() ? nullptr : &*found;
}

}  // namespace nightstack
