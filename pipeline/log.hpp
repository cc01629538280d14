// Messages for the user on stderr: warnings always, information unless --quiet.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace nightstack {

class Log {
 public:
  Log(std::ostream& stream, bool quiet) : stream_(stream), quiet_(quiet) {}

  void warn(const std::string& message);
  void info(const std::string& message);
  bool quiet() const { return quiet_; }
  // Every warning of the run, for the summary.
  std::vector<std::string> warnings() const;

 private:
  std::ostream& stream_;
  bool quiet_;
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace nightstack
