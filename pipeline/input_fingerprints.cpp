// Hashing the inputs on every thread, each file once.
#include "pipeline/input_fingerprints.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "pipeline/errors.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/sha256.hpp"

namespace nightstack {

std::vector<InputFileRecord> fingerprint_inputs(const std::vector<std::filesystem::path>& paths,
                                                unsigned threads, Progress& progress) {
  std::vector<std::optional<InputFileRecord>> found(paths.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // guards done, progress and failure
  std::size_t done = 0;
  std::exception_ptr failure;
  auto work = [&] {
    for (std::size_t index = next++; index < paths.size() && !stop; index = next++) {
      try {
        if (interrupt_requested()) throw InterruptedError();
        std::error_code error;
        const auto size = std::filesystem::file_size(paths[index], error);
        if (!error) found[index] = InputFileRecord{paths[index], size, sha256_file_hex(paths[index])};
      } catch (const InputError&) {
        // Left out; the frame pass reports it.
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
      std::lock_guard lock(mutex);
      progress.update(++done);
    }
  };
  std::vector<std::thread> workers;
  const unsigned count = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(paths.size())));
  for (unsigned worker = 1; worker < count; ++worker) workers.emplace_back(work);
  work();
  for (auto& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<InputFileRecord> inputs;
  for (auto& record : found)
    if (record) inputs.push_back(std::move(*record));
  return inputs;
}

}  // namespace nightstack
