// SHA-256 digests (OpenSSL) as lowercase hex, to fingerprint input lists and configs in outputs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace nightstack {

std::string sha256_hex(std::string_view data);
// Of a whole file, read in pieces; throws InputError naming the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);
// "OpenSSL 3.0.x ..." as the library reports itself, for the run record.
std::string openssl_version();

}  // namespace nightstack
