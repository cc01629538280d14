// The check every reader makes before allocating from a header: that the file is big enough to
// hold what its header claims, so a few hostile bytes cannot make nightstack allocate gigabytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace nightstack {

// Throws InputError naming the file unless `stored_bytes` can hold `claimed_units` (pixels,
// samples or bytes) at `most_units_per_byte` (the format's best compression; 1 for raw bytes).
// `claim` states the header's claim ("the JPEG header claims 30000 x 30000 pixels"); `store`
// names what holds the data, "a file of N bytes" when empty. The message reads
// "<claim>, more than <store> can hold; the file is truncated or corrupt".
void check_header_claim(const std::filesystem::path& path, const std::string& claim,
                        std::uint64_t claimed_units, std::uint64_t most_units_per_byte,
                        std::uint64_t stored_bytes, const std::string& store = "");

}  // namespace nightstack
