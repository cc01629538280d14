// How much memory the machine can give a run (MemAvailable from /proc/meminfo), and byte sizes as
// people write them ("1GiB", "512MB", "1.5G") for settings such as memory_limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nightstack {

// MemAvailable of /proc/meminfo in bytes: what the kernel can hand out without swapping. Empty when
// the file is missing or has no such line (not Linux, a restricted container).
std::optional<std::uint64_t> available_memory_bytes();

// Parses a size: a number (integer or decimal) and an optional unit, spaces allowed between them,
// units case-insensitive: B; KiB/MiB/GiB/TiB and the single letters K/M/G/T are powers of 1024;
// kB/MB/GB/TB are powers of 1000. "1GiB" = 1073741824, "512MB" = 512000000, "1.5G" = 1610612736.
// The result is rounded down to whole bytes. Throws std::invalid_argument with a message saying
// what is wrong (empty, no number, unknown unit, negative, too large).
std::uint64_t parse_byte_size(const std::string& text);

// A size for messages: "1 GiB", "1.5 GiB", "640 KiB", "12 B" (powers of 1024, at most 3 digits
// after the point, trailing zeros dropped).
std::string format_byte_size(std::uint64_t bytes);

}  // namespace nightstack
