// Reading raw bytes of input files, with errors that name the file and the operating system's reason.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

namespace nightstack {

// Up to `count` bytes from the start of the file (fewer if the file is shorter).
// Throws InputError if the file cannot be opened or is a directory.
std::vector<unsigned char> read_file_head(const std::filesystem::path& path, std::size_t count);

// The whole file into `bytes`, reusing its capacity. Throws InputError like read_file_head.
void read_whole_file(const std::filesystem::path& path, std::vector<unsigned char>& bytes);

}  // namespace nightstack
