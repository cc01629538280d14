// A nightstack process started with its output captured, polled and signalled by the test.
#include "tests/support/background_process.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace nightstack::testing {

BackgroundNightstack::BackgroundNightstack(const std::vector<std::string>& arguments) {
  std::vector<std::string> full{NIGHTSTACK_BINARY};
  full.insert(full.end(), arguments.begin(), arguments.end());
  const int error = spawn_capturing(full, capture_.path() / "out", capture_.path() / "err", pid_);
  if (error != 0) throw std::runtime_error(std::string("cannot start nightstack: ") + std::strerror(error));
}

BackgroundNightstack::~BackgroundNightstack() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool BackgroundNightstack::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (file_text(capture_.path() / "err").find(text) != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // ended before saying it
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void BackgroundNightstack::send_signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

ProcessEnd BackgroundNightstack::wait() {
  ProcessEnd end;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    pid_ = -1;
    end.exited = WIFEXITED(status);
    end.exit_code = end.exited ? WEXITSTATUS(status) : -1;
    end.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  end.out = file_text(capture_.path() / "out");
  end.err = file_text(capture_.path() / "err");
  return end;
}

}  // namespace nightstack::testing
