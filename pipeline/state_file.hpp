// Binary state files for checkpoints. A file is written under a temporary name, flushed and renamed
// into place (AtomicOutput), and ends with a SHA-256 of everything before it, so a truncated or
// damaged file is recognised before any of it is loaded. Numbers are stored in the machine's own
// byte order: a checkpoint is resumed on the machine (type) that wrote it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "pipeline/atomic_output.hpp"

namespace nightstack {

// OpenSSL's running SHA-256, kept out of this header.
struct DigestState;
struct DigestStateDeleter {
  void operator()(DigestState* state) const;
};
using DigestContext = std::unique_ptr<DigestState, DigestStateDeleter>;

class StateWriter {
 public:
  // Starts `path`'s temporary file; nothing is visible under `path` before commit(). `what` names
  // the kind of file in messages.
  explicit StateWriter(const std::filesystem::path& path, std::string what = "checkpoint");
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  void unsigned_integer(std::uint64_t value);
  void number(double value);  // bit for bit
  void text(const std::string& value);
  void numbers(std::span<const double> values) { array(values); }
  // The count, then the values as they lie in memory (numbers, fixed-point accumulators, ...).
  template <class Value>
  void array(std::span<const Value> values) {
    static_assert(std::is_trivially_copyable_v<Value>);
    unsigned_integer(values.size());
    raw(values.data(), values.size_bytes());
  }

  // Appends the digest, flushes the file to disk and renames it into place. Throws OutputError.
  void commit();

 private:
  void raw(const void* data, std::size_t bytes);

  AtomicOutput output_;
  std::string what_;
  std::ofstream stream_;
  DigestContext digest_;
};

// Whether `path` starts as a state file does (a checkpoint or a partial), without checking the rest.
bool is_state_file(const std::filesystem::path& path);

class StateReader {
 public:
  // Checks the whole file against its digest first; a missing, truncated or damaged file is an
  // InputError naming it and saying `remedy` (what the user can do about it). `what` names the
  // kind of file in messages.
  StateReader(const std::filesystem::path& path, std::string remedy, std::string what = "checkpoint");
  StateReader(const StateReader&) = delete;
  StateReader& operator=(const StateReader&) = delete;

  std::uint64_t unsigned_integer();
  double number();
  std::string text();
  // Reads a count written by array(); refuses counts beyond what the file can hold.
  std::uint64_t count(std::uint64_t bytes_per_item);
  // The values of an array() whose count was read (and checked) already.
  template <class Value>
  void array_into(std::span<Value> values) {
    static_assert(std::is_trivially_copyable_v<Value>);
    raw(values.data(), values.size_bytes());
  }
  template <class Value>
  std::vector<Value> array() {
    std::vector<Value> values(count(sizeof(Value)));
    array_into(std::span<Value>(values));
    return values;
  }
  void numbers_into(std::span<double> values) { array_into(values); }
  std::vector<double> numbers() { return array<double>(); }
  // Throws unless every byte before the digest was read (a file of another layout or version).
  void expect_end();
  // An InputError naming the file, for contents that make no sense although the digest matches.
  [[noreturn]] void fail(const std::string& problem) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  void raw(void* data, std::size_t bytes);

  std::filesystem::path path_;
  std::string remedy_;
  std::string what_;
  std::ifstream stream_;
  std::uint64_t remaining_ = 0;  // content bytes not read yet (the digest excluded)
};

}  // namespace nightstack
