// Signal flag for a clean stop.
#include "pipeline/interrupt.hpp"

#include <atomic>
#include <csignal>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void request_stop(int) { stop_requested.store(true); }
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return stop_requested.load(); }

void throw_if_interrupted() {
  if (interrupt_requested()) throw InterruptedError();
}

}  // namespace nightstack
