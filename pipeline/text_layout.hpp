// Word wrapping for help texts and listings on the terminal.
#pragma once

#include <string>

namespace nightstack {

// Wraps `text` to `width` columns; every line after the first is indented by `indent` spaces.
std::string wrap_text(const std::string& text, std::size_t width, std::size_t indent);

}  // namespace nightstack
