// The input chain of a stage, followed through the resolved config's YAML.
#include "stages/upstream_stages.hpp"

#include <map>

namespace nightstack {

std::optional<std::vector<YAML::Node>> upstream_stage_nodes(const StageContext& context) {
  if (context.run.resolved_config.empty()) return std::nullopt;
  try {
    std::map<std::string, YAML::Node> by_id;
    const YAML::Node stages = YAML::Load(context.run.resolved_config)["stages"];
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (stages[i]["id"]) by_id[stages[i]["id"].as<std::string>()] = stages[i];
    if (!by_id.count(context.id)) return std::nullopt;
    std::vector<YAML::Node> chain;
    // Followed by id: assigning to a YAML::Node would overwrite the node it refers to, not rebind it.
    std::string current = context.id;
    // At most one step per other stage: a cycle (refused elsewhere) cannot loop here.
    while (chain.size() + 1 < by_id.size()) {
      const YAML::Node node = by_id.at(current);
      if (!node["input"] || !node["input"].IsScalar()) break;
      current = node["input"].as<std::string>();
      if (!by_id.count(current)) break;
      chain.push_back(by_id.at(current));
    }
    return chain;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::optional<std::vector<std::string>> upstream_stage_types(const StageContext& context) {
  const auto nodes = upstream_stage_nodes(context);
  if (!nodes) return std::nullopt;
  std::vector<std::string> types;
  try {
    for (const YAML::Node& node : *nodes)
      if (node["type"]) types.push_back(node["type"].as<std::string>());
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return types;
}

}  // namespace nightstack
