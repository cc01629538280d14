// Ctrl-C and SIGTERM ask the run to stop at the next frame boundary, so outputs in progress are
// abandoned cleanly (temporaries removed) instead of the process dying mid-write. A second request
// while the run is stopping ends the process at once: it removes the temporary files of the
// outputs being written (registered below), says so, and exits 130; no output is ever left
// half-written under its real name.
#pragma once

#include <filesystem>

namespace nightstack {

void install_interrupt_handlers();
bool interrupt_requested();
// Throws InterruptedError when a stop was asked for.
void throw_if_interrupted();

// A temporary file that a second Ctrl-C removes before exiting; unregistered once renamed into
// place or removed. Up to a fixed number at once (more are left to the first stop's cleanup).
class RegisteredTemporary {
 public:
  explicit RegisteredTemporary(const std::filesystem::path& path);
  ~RegisteredTemporary();
  RegisteredTemporary(const RegisteredTemporary&) = delete;
  RegisteredTemporary& operator=(const RegisteredTemporary&) = delete;

 private:
  int slot_ = -1;
};

}  // namespace nightstack
