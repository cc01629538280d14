// Signal flag for a clean stop, and the immediate exit of a second stop request.
#include "pipeline/interrupt.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

std::atomic<int> stop_requests{0};
static_assert(std::atomic<int>::is_always_lock_free, "the count is changed from a signal handler");

// The temporaries a signal handler may unlink: fixed storage, as a handler cannot allocate. A
// slot is free (0), being filled or emptied (1) or holding a path (2).
constexpr std::size_t slot_count = 64;
constexpr std::size_t path_capacity = 4096;
std::array<std::atomic<int>, slot_count> slot_states{};
std::array<std::array<char, path_capacity>, slot_count> slot_paths{};

void write_message(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void request_stop(int) {
  if (stop_requests.fetch_add(1) == 0) {
    write_message(
        "\nnightstack: stopping: finishing the frames in hand and removing partial outputs (press "
        "Ctrl-C again to stop at once)\n");
    return;
  }
  // Only async-signal-safe calls from here: unlink, write, _exit.
  for (std::size_t slot = 0; slot < slot_count; ++slot) {
    if (slot_states[slot].load() == 2) ::unlink(slot_paths[slot].data());
  }
  write_message("nightstack: interrupted again: stopped at once; the outputs being written were removed\n");
  ::_exit(exit_code::interrupted);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  // Neither signal interrupts the handler of the other: one request is counted at a time.
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return stop_requests.load() > 0; }

void throw_if_interrupted() {
  if (interrupt_requested()) throw InterruptedError();
}

RegisteredTemporary::RegisteredTemporary(const std::filesystem::path& path) {
  const std::string& text = path.native();
  if (text.size() >= path_capacity) return;
  for (std::size_t slot = 0; slot < slot_count; ++slot) {
    int free = 0;
    if (!slot_states[slot].compare_exchange_strong(free, 1)) continue;
    std::memcpy(slot_paths[slot].data(), text.c_str(), text.size() + 1);
    slot_states[slot].store(2);
    slot_ = static_cast<int>(slot);
    return;
  }
}

RegisteredTemporary::~RegisteredTemporary() {
  if (slot_ >= 0) slot_states[static_cast<std::size_t>(slot_)].store(0);
}

}  // namespace nightstack
