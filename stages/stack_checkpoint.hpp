// Checkpoints of a stack stage: where they live and the identity that guards a resume (the config's
// and the inputs' hashes); the pieces of a stack's state that are not a method's own (images, frame
// metadata) are saved by pipeline/state_records.hpp. Each stack method saves and loads its
// accumulators with StackMethod::save_state / load_state, next to its code.
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
#include "pipeline/state_records.hpp"

namespace nightstack {

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
