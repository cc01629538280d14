// Thread-safe user messages.
#include "pipeline/log.hpp"

namespace nightstack {

void Log::warn(const std::string& message) {
  std::lock_guard lock(mutex_);
  warnings_.push_back(message);
  stream_ << "warning: " << message << '\n' << std::flush;
}

void Log::info(const std::string& message) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  stream_ << message << '\n' << std::flush;
}

std::vector<std::string> Log::warnings() const {
  std::lock_guard lock(mutex_);
  return warnings_;
}

}  // namespace nightstack
