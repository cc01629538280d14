// Look-ups in stage types and the registry, and the default answers of the stage kinds.
#include "pipeline/stage.hpp"

#include <algorithm>
#include <stdexcept>

#include "pipeline/errors.hpp"

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

void FrameReducer::take_row_band(std::size_t /*band*/, std::size_t /*bands*/, bool /*frames_cut*/) {
  throw UsageError("stage '" + id() + "' cannot be split into shards of rows");
}

Image FrameReducer::join_row_bands(std::vector<Image> /*bands*/) const {
  throw std::logic_error("stage '" + id() + "' joined row bands it never took");
}

}  // namespace nightstack
