// Glob, directory and file expansion for ingest.
#include "stages/input_paths.hpp"

#include <glob.h>

#include <set>
#include <system_error>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

bool is_glob(const std::string& entry) { return entry.find_first_of("*?[") != std::string::npos; }

bool is_hidden(const std::filesystem::path& path) {
  auto name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

std::vector<std::filesystem::path> match_glob(const std::string& pattern) {
  glob_t matches{};
  int result = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches);
  std::vector<std::filesystem::path> paths;
  if (result == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  if (result == GLOB_NOMATCH)
    throw InputError(pattern, "no file matches this pattern; check the spelling and the directory");
  if (result != 0)
    throw InputError(pattern, "cannot expand this pattern (a directory on its way is unreadable)");
  return paths;
}

std::vector<std::filesystem::path> list_directory(const std::filesystem::path& directory, bool recursive) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  auto add_if_file = [&](const std::filesystem::directory_entry& entry) {
    if (!is_hidden(entry.path()) && entry.is_regular_file(error)) paths.push_back(entry.path());
  };
  if (recursive) {
    std::filesystem::recursive_directory_iterator it(directory, error), end;
    for (; !error && it != end; it.increment(error)) {
      if (is_hidden(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      add_if_file(*it);
    }
  } else {
    std::filesystem::directory_iterator it(directory, error), end;
    for (; !error && it != end; it.increment(error)) add_if_file(*it);
  }
  if (error) throw InputError(directory, "cannot list this directory: " + error.message());
  return paths;
}

}  // namespace

std::vector<std::filesystem::path> expand_input_paths(const std::vector<std::string>& entries,
                                                      bool recursive) {
  std::vector<std::filesystem::path> candidates;
  auto append = [&](std::vector<std::filesystem::path> more) {
    candidates.insert(candidates.end(), more.begin(), more.end());
  };
  for (const auto& entry : entries) {
    std::error_code error;
    std::filesystem::path path(entry);
    if (std::filesystem::is_directory(path, error)) {
      append(list_directory(path, recursive));
    } else if (std::filesystem::exists(path, error)) {
      candidates.push_back(path);  // named explicitly: kept even if hidden
    } else if (is_glob(entry)) {
      append(match_glob(entry));
    } else {
      throw InputError(path, "no such file or directory");
    }
  }
  std::vector<std::filesystem::path> unique;
  std::set<std::filesystem::path> seen;
  for (auto& candidate : candidates) {
    if (seen.insert(candidate.lexically_normal()).second) unique.push_back(std::move(candidate));
  }
  return unique;
}

}  // namespace nightstack
