// Checkpoints of a stack stage: where they live, the identity that guards a resume (the config's
// and the inputs' hashes), and the (de)serialization of the pieces of a stack's state that are not
// a method's own (images, frame metadata). Each stack method saves and loads its accumulators with
// StackMethod::save_state / load_state, next to its code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "pipeline/frame.hpp"
#include "pipeline/image.hpp"
#include "pipeline/log.hpp"
#include "pipeline/stage.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

// Accumulator images of either precision (max and min keep float, the sums double).
template <class Sample>
void save_image(StateWriter& writer, const PlanarImage<Sample>& image) {
  writer.unsigned_integer(static_cast<std::uint64_t>(image.width()));
  writer.unsigned_integer(static_cast<std::uint64_t>(image.height()));
  writer.unsigned_integer(static_cast<std::uint64_t>(image.channels()));
  writer.array(std::span<const Sample>(image.samples()));
}

template <class Sample>
PlanarImage<Sample> load_image(StateReader& reader) {
  const std::uint64_t width = reader.unsigned_integer(), height = reader.unsigned_integer(),
                      channels = reader.unsigned_integer();
  const std::uint64_t samples = reader.count(sizeof(Sample));
  if (width > (1u << 30) || height > (1u << 30) || channels > 16 || width * height * channels != samples)
    reader.fail("holds an image of inconsistent size");
  PlanarImage<Sample> image(static_cast<int>(width), static_cast<int>(height), static_cast<int>(channels));
  reader.array_into(std::span<Sample>(image.samples()));
  return image;
}
void save_frame_info(StateWriter& writer, const FrameInfo& info);
FrameInfo load_frame_info(StateReader& reader);
void save_optional(StateWriter& writer, const std::optional<double>& value);
std::optional<double> load_optional(StateReader& reader);

// The files of one stack's checkpoint, in its own directory: `state` (the last complete state) and,
// for out-of-core methods, the scratch cache `frames.cache`.
class StackCheckpoints {
 public:
  // interval: frames between checkpoints, 0 for none. directory: the checkpoint_directory
  // parameter (the stack's files go to DIRECTORY/<stage id>), or empty for the runner's default.
  StackCheckpoints(std::string stage_id, std::size_t interval, std::filesystem::path directory);

  bool enabled() const { return interval_ > 0; }
  bool due(std::size_t frames) const { return enabled() && frames % interval_ == 0; }
  const std::filesystem::path& directory() const { return directory_; }

  // Settles the directory and checks what is there. Fresh start: clears the directory and returns
  // null. With request.resume and a checkpoint: returns it, its identity checked, positioned at
  // the stack's state. Refuses an existing checkpoint without request.resume (UsageError), one of
  // another config (exit 3) or of other inputs (exit 4).
  std::unique_ptr<StateReader> open(const CheckpointRequest& request, Log& log);
  // A new state file under a temporary name, its identity written; the caller adds the state and
  // commits it, which replaces the previous checkpoint in one rename.
  std::unique_ptr<StateWriter> start_saving() const;
  void remove() const;

 private:
  std::filesystem::path state_path() const { return directory_ / "state"; }

  std::string stage_id_;
  std::size_t interval_;
  std::filesystem::path parameter_directory_;
  std::filesystem::path directory_;
  std::string config_hash_, inputs_hash_;
};

}  // namespace nightstack
