// The cache is a state file (pipeline/state_file.hpp): written under a temporary name and renamed,
// with a digest that catches a damaged file before any of it is used.
#include "stages/star_cache.hpp"

#include <chrono>

#include "pipeline/errors.hpp"
#include "pipeline/sha256.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t format_version = 1;

}  // namespace

std::optional<FileStamp> stamp_of(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return std::nullopt;
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) return std::nullopt;
  return FileStamp{
      size, static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count())};
}

StarCache::StarCache(const std::filesystem::path& directory, const std::string& fingerprint)
    : file_(directory / ("register-" + sha256_hex(fingerprint).substr(0, 16) + ".stars")) {
  std::error_code error;
  if (!std::filesystem::exists(file_, error)) return;
  try {
    StateReader reader(file_, "it is only a cache: remove it");
    if (reader.unsigned_integer() != format_version) {
      load_problem_ = "written by another version of nightstack";
      return;
    }
    const std::uint64_t count = reader.unsigned_integer();
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::string path = reader.text();
      CachedStars entry;
      entry.stamp.size = reader.unsigned_integer();
      entry.stamp.modified = static_cast<std::int64_t>(reader.unsigned_integer());
      entry.width = static_cast<int>(reader.unsigned_integer());
      entry.height = static_cast<int>(reader.unsigned_integer());
      entry.detection.background = reader.number();
      entry.detection.noise = reader.number();
      entry.detection.refused_saturated = reader.unsigned_integer();
      entry.detection.refused_hot_pixels = reader.unsigned_integer();
      entry.detection.stars = reader.array<Star>();
      entries_[path] = std::move(entry);
    }
  } catch (const std::exception& problem) {
    entries_.clear();
    load_problem_ = problem.what();
  }
}

std::optional<CachedStars> StarCache::find(const std::filesystem::path& path) const {
  const auto found = entries_.find(path.string());
  if (found == entries_.end()) return std::nullopt;
  const auto stamp = stamp_of(path);
  if (!stamp || !(*stamp == found->second.stamp)) return std::nullopt;
  return found->second;
}

void StarCache::save(const std::map<std::string, CachedStars>& entries) const {
  std::error_code error;
  std::filesystem::create_directories(file_.parent_path(), error);
  StateWriter writer(file_);
  writer.unsigned_integer(format_version);
  writer.unsigned_integer(entries.size());
  for (const auto& [path, entry] : entries) {
    writer.text(path);
    writer.unsigned_integer(entry.stamp.size);
    writer.unsigned_integer(static_cast<std::uint64_t>(entry.stamp.modified));
    writer.unsigned_integer(static_cast<std::uint64_t>(entry.width));
    writer.unsigned_integer(static_cast<std::uint64_t>(entry.height));
    writer.number(entry.detection.background);
    writer.number(entry.detection.noise);
    writer.unsigned_integer(entry.detection.refused_saturated);
    writer.unsigned_integer(entry.detection.refused_hot_pixels);
    writer.array(std::span<const Star>(entry.detection.stars));
  }
  writer.commit();
}

}  // namespace nightstack
