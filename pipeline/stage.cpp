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
    case DataKind::images:
      return "a sequence of images";
  }
  return "?";
}

std::filesystem::path sequence_path(const std::filesystem::path& path, const Provenance& provenance) {
  const HeaderCard* card = provenance.find("SEQINDEX");
  std::string text = path.string();
  if (!card) return path;
  std::string number = std::to_string(std::get<std::int64_t>(card->value));
  if (number.size() < 4) number.insert(0, 4 - number.size(), '0');
  const std::string placeholder = sequence_placeholder;
  for (auto at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + number.size()))
    text.replace(at, placeholder.size(), number);
  return text;
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
