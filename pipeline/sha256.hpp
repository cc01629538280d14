// SHA-256 digests (OpenSSL) as lowercase hex, to fingerprint input lists and configs in outputs.
#pragma once

#include <string>
#include <string_view>

namespace nightstack {

std::string sha256_hex(std::string_view data);

}  // namespace nightstack
