// Turns the `paths` of an ingest stage (files, directories, globs) into a list of candidate files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nightstack {

// Every file named, matched or contained (directories: their regular files, hidden ones left out;
// with `recursive`, also those of subdirectories), without duplicates, in the order found.
// Throws InputError for a named file that does not exist and a glob that matches nothing, since
// both are almost always typos that would silently shrink a stack.
std::vector<std::filesystem::path> expand_input_paths(const std::vector<std::string>& entries,
                                                      bool recursive);

}  // namespace nightstack
