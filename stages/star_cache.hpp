// register's first pass kept per input file (path, size, modification time), so a rerun with
// another stacking method or other outputs finds every frame's stars without decoding it again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "imaging/star_detection.hpp"

namespace nightstack {

// What identifies a file's contents cheaply.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t modified = 0;  // nanoseconds of the file clock
  bool operator==(const FileStamp&) const = default;
};
std::optional<FileStamp> stamp_of(const std::filesystem::path& path);

struct CachedStars {
  FileStamp stamp;
  int width = 0;
  int height = 0;
  StarDetection detection;
};

class StarCache {
 public:
  // The cache file for one register stage's settings and the stages before it (`fingerprint`),
  // in `directory`. Loads it when it exists; a damaged file is ignored (load_problem says why).
  StarCache(const std::filesystem::path& directory, const std::string& fingerprint);
  const std::filesystem::path& file() const { return file_; }
  const std::string& load_problem() const { return load_problem_; }
  // The entry for `path`, when the file still has the stamp the entry was made with.
  std::optional<CachedStars> find(const std::filesystem::path& path) const;
  // Writes `entries` (by path) in place of the file's contents, atomically. Throws OutputError.
  void save(const std::map<std::string, CachedStars>& entries) const;

 private:
  std::filesystem::path file_;
  std::map<std::string, CachedStars> entries_;
  std::string load_problem_;
};

}  // namespace nightstack
