// Where a stack's checkpoint lives, what guards a resume, and the shared pieces of its state.
#include "stages/stack_checkpoint.hpp"

#include <system_error>

#include "pipeline/errors.hpp"

namespace nightstack {

StackCheckpoints::StackCheckpoints(std::string stage_id, std::size_t interval,
                                   std::filesystem::path directory)
    : stage_id_(std::move(stage_id)), interval_(interval), parameter_directory_(std::move(directory)) {}

std::unique_ptr<StateReader> StackCheckpoints::open(const CheckpointRequest& request, Log& log) {
  directory_ = parameter_directory_.empty() ? request.directory : parameter_directory_ / stage_id_;
  config_hash_ = request.config_hash;
  inputs_hash_ = request.inputs_hash;
  std::error_code error;
  const bool exists = std::filesystem::exists(state_path(), error);
  if (exists && !request.resume) {
    throw UsageError(directory_.string() + ": stack '" + stage_id_ +
                     "' has a checkpoint of an interrupted run here; add --resume to continue it, or delete "
                     "this directory to start over");
  }
  if (!exists) {
    if (request.resume)
      log.info("stack '" + stage_id_ + "': no checkpoint in " + directory_.string() +
               ", so it starts from the first frame");
    std::filesystem::remove_all(directory_, error);  // leftovers of a run killed before its first checkpoint
    std::filesystem::create_directories(directory_, error);
    if (error)
      throw OutputError(directory_, "cannot create the checkpoint directory of stack '" + stage_id_ +
                                        "': " + error.message() + "; set checkpoint_directory elsewhere");
    return nullptr;
  }
  const std::string start_over = "delete " + directory_.string() + " to start the run over";
  auto reader = std::make_unique<StateReader>(state_path(), start_over);
  const std::string saved_stage = reader->text(), saved_config = reader->text(),
                    saved_inputs = reader->text();
  if (saved_stage != stage_id_)
    reader->fail("belongs to stack '" + saved_stage + "', not '" + stage_id_ + "'");
  if (saved_config != config_hash_) {
    throw NightstackError(ErrorKind::config,
                          state_path().string() + ": this checkpoint of stack '" + stage_id_ +
                              "' was made with another config (resolved config SHA-256 " +
                              saved_config.substr(0, 12) + "..., now " + config_hash_.substr(0, 12) +
                              "...); resume with the same config and --set values, or " + start_over);
  }
  if (saved_inputs != inputs_hash_) {
    throw InputError(state_path(), "this checkpoint of stack '" + stage_id_ +
                                       "' was made from other input files (a file was added, removed, "
                                       "renamed or modified since); restore them, or " +
                                       start_over);
  }
  return reader;
}

std::unique_ptr<StateWriter> StackCheckpoints::start_saving() const {
  auto writer = std::make_unique<StateWriter>(state_path());
  writer->text(stage_id_);
  writer->text(config_hash_);
  writer->text(inputs_hash_);
  return writer;
}

void StackCheckpoints::remove() const {
  if (!enabled() || directory_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
  // The shared parent (.nightstack-checkpoint) goes too once the last stack's checkpoint is gone.
  if (parameter_directory_.empty()) std::filesystem::remove(directory_.parent_path(), ignored);
}

}  // namespace nightstack
