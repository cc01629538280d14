// FITS header cards: 80 characters each, in blocks of 2880 bytes, ending with the END card.
#include "io/fits_primary_header.hpp"

#include "io/input_bytes.hpp"

namespace nightstack {

namespace {

constexpr std::size_t card_size = 80;
constexpr std::size_t block_size = 2880;
constexpr std::size_t maximum_header_blocks = 16;  // 576 cards; real headers have far fewer

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

std::string card_value(const std::string& field) {
  const std::string text = trimmed(field);
  if (!text.empty() && text.front() == '\'') {
    std::string value;
    for (std::size_t at = 1; at < text.size(); ++at) {
      if (text[at] != '\'') {
        value += text[at];
      } else if (at + 1 < text.size() && text[at + 1] == '\'') {
        value += '\'';
        ++at;
      } else {
        break;
      }
    }
    return trimmed(value);
  }
  return trimmed(text.substr(0, text.find('/')));
}

}  // namespace

std::map<std::string, std::string> read_fits_primary_header(const std::filesystem::path& path) {
  const auto bytes = read_file_head(path, block_size * maximum_header_blocks);
  std::map<std::string, std::string> keys;
  const std::string simple = "SIMPLE  =";
  if (bytes.size() < card_size || std::string(bytes.begin(), bytes.begin() + 9) != simple) return keys;
  for (std::size_t at = 0; at + card_size <= bytes.size(); at += card_size) {
    const std::string card(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + card_size));
    const std::string key = trimmed(card.substr(0, 8));
    if (key == "END") break;
    if (card.compare(8, 2, "= ") != 0 || key.empty()) continue;
    keys.emplace(key, card_value(card.substr(10)));
  }
  return keys;
}

}  // namespace nightstack
