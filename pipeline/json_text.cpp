// JSON escaping and number formatting.
#include "pipeline/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace nightstack {

std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (unsigned char character : text) {
    switch (character) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        if (character < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", character);
          quoted += escaped;
        } else {
          quoted += static_cast<char>(character);
        }
    }
  }
  return quoted + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

}  // namespace nightstack
