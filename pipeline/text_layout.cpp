// Greedy word wrap.
#include "pipeline/text_layout.hpp"

#include <sstream>

namespace nightstack {

std::string wrap_text(const std::string& text, std::size_t width, std::size_t indent) {
  std::istringstream words(text);
  std::string result, line, word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      result += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return result + line;
}

}  // namespace nightstack
