// The input chain of a stage, followed through the resolved config's YAML.
#include "stages/upstream_stages.hpp"

#include <yaml-cpp/yaml.h>

#include <map>

namespace nightstack {

std::optional<std::vector<std::string>> upstream_stage_types(const StageContext& context) {
  if (context.run.resolved_config.empty()) return std::nullopt;
  std::map<std::string, YAML::Node> by_id;
  try {
    const YAML::Node stages = YAML::Load(context.run.resolved_config)["stages"];
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (stages[i]["id"]) by_id[stages[i]["id"].as<std::string>()] = stages[i];
    if (!by_id.count(context.id)) return std::nullopt;
    std::vector<std::string> types;
    std::string current = context.id;
    // At most one step per stage: a cycle (refused elsewhere) cannot loop here.
    for (std::size_t step = 0; step < by_id.size(); ++step) {
      const YAML::Node node = by_id.at(current);
      if (!node["input"] || !node["input"].IsScalar()) break;
      current = node["input"].as<std::string>();
      if (!by_id.count(current)) break;
      if (by_id.at(current)["type"]) types.push_back(by_id.at(current)["type"].as<std::string>());
    }
    return types;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace nightstack
