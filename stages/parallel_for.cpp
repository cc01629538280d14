// Threads started per call: a call covers a whole block of rows, so starting them costs nothing
// next to the work.
#include "stages/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nightstack {

void parallel_for(std::size_t count, unsigned threads,
                  const std::function<void(std::size_t, unsigned)>& task) {
  const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, threads), count));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&](unsigned worker) {
    while (!failed.load()) {
      const std::size_t index = next.fetch_add(1);
      if (index >= count) return;
      try {
        task(index, worker);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
      }
    }
  };
  if (workers <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    try {
      for (unsigned worker = 1; worker < workers; ++worker) pool.emplace_back(work, worker);
    } catch (...) {  // no thread to be had: stop the ones started, then report
      failed.store(true);
      for (auto& thread : pool) thread.join();
      throw;
    }
    work(0);
    for (auto& thread : pool) thread.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace nightstack
