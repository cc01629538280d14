// A nightstack process left running while the test acts on it (sends it a signal, say), its
// stdout and stderr captured to files the test can watch.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/fixtures.hpp"

namespace nightstack::testing {

struct ProcessEnd {
  bool exited = false;  // ended by exit(); otherwise killed by `signal`
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
};

class BackgroundNightstack {
 public:
  explicit BackgroundNightstack(const std::vector<std::string>& arguments);
  ~BackgroundNightstack();  // kills and reaps the process if the test did not wait for it
  BackgroundNightstack(const BackgroundNightstack&) = delete;
  BackgroundNightstack& operator=(const BackgroundNightstack&) = delete;

  // Polls stderr until it contains `text`; false when the process ended or the time ran out first.
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout);
  void send_signal(int signal);
  ProcessEnd wait();

 private:
  TemporaryDirectory capture_;
  pid_t pid_ = -1;
};

}  // namespace nightstack::testing
