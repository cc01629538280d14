// Minimal JSON text building for machine-readable output (strings escaped per RFC 8259).
#pragma once

#include <string>

namespace nightstack {

std::string json_string(const std::string& text);
// Shortest decimal that reads back to the same double; "null" for NaN and infinities.
std::string json_number(double value);

}  // namespace nightstack
