// Counting missing samples frame by frame, lazily per sample.
#include "stages/missing_samples.hpp"

namespace nightstack {

void MissingSamples::add(std::span<const float> samples, std::size_t missing) {
  ++frames_;
  if (missing == 0) return;
  if (missing_.empty()) missing_.assign(samples.size(), 0);
  for (std::size_t i = 0; i < samples.size(); ++i) missing_[i] += is_valid(samples[i]) ? 0 : 1;
}

Coverage MissingSamples::coverage(int width, int height, int channels, bool keep_map) const {
  Coverage coverage;
  if (keep_map) coverage.map = ImageD(width, height, channels, static_cast<double>(frames_));
  if (missing_.empty()) return coverage;
  for (std::size_t i = 0; i < missing_.size(); ++i) {
    const std::uint32_t count = valid(i);
    if (count == 0) ++coverage.blank_samples;
    if (keep_map) coverage.map.samples()[i] = count;
  }
  return coverage;
}

void MissingSamples::save_state(StateWriter& writer) const {
  writer.unsigned_integer(frames_);
  writer.array(std::span<const std::uint32_t>(missing_));
}

void MissingSamples::load_state(StateReader& reader) {
  frames_ = reader.unsigned_integer();
  missing_.resize(reader.count(sizeof(std::uint32_t)));
  reader.array_into(std::span<std::uint32_t>(missing_));
}

}  // namespace nightstack
