// Messages for the user on stderr: warnings always, information unless --quiet.
#pragma once

#include <mutex>

#include <ostream>
#include <string>
#include <vector>
#include "pipeline/progress.hpp"

namespace nightstack {

class Log {
 public:
  Log(std::ostream& stream, bool quiet) : stream_(stream), quiet_(quiet) {}

  void warn(const std::string& message);
  void info(const std::string& message);
  bool quiet() const { return quiet_; }
  // Progress of long work that stages start themselves (building calibration masters), drawn on
  // the log's stream in the run's style (the runner sets it; off until then).
  void set_progress_style(ProgressStyle style) { progress_style_ = style; }
  Progress progress(std::string label, std::size_t total, std::string unit = "frames") {
    return Progress(stream_, progress_style_, std::move(label), total, std::move(unit));
  }
  // Every warning of the run, for the summary.
  std::vector<std::string> warnings() const;

 private:
  std::ostream& stream_;
  bool quiet_;
  ProgressStyle progress_style_ = ProgressStyle::off;
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace nightstack
