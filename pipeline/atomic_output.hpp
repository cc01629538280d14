// Writes an output under a temporary name beside it and renames it into place only when complete,
// so a crash, Ctrl-C or full disk never leaves a half-written file under the real name.
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/interrupt.hpp"

namespace nightstack {

class AtomicOutput {
 public:
  // Creates the parent directory if needed; throws OutputError when it cannot.
  explicit AtomicOutput(std::filesystem::path destination);
  ~AtomicOutput();  // removes the temporary file unless commit() succeeded
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Where the writer must write. The file does not exist yet.
  const std::filesystem::path& temporary_path() const { return temporary_; }
  const std::filesystem::path& destination() const { return destination_; }
  // Flushes the temporary file to disk and renames it over the destination.
  void commit();

 private:
  std::filesystem::path destination_;
  std::filesystem::path temporary_;
  bool committed_ = false;
  RegisteredTemporary registration_;  // a second Ctrl-C removes the temporary before exiting
};

// The reason to add to the message of a failed write, from the errno saved right after it, when
// it is one the user can act on (no space left, a file size limit, a quota, a read-only or failing
// disk); "" for anything else, as C libraries that swallow errno leave stale values behind.
std::string storage_failure_reason(int saved_errno);

}  // namespace nightstack
