// FITS/IRAF section syntax.
#include "stages/image_section.hpp"

#include <cctype>
#include <stdexcept>

namespace nightstack {

namespace {

struct Range {
  int first = 0, last = 0;  // 1-based, inclusive
};

std::string without_spaces(const std::string& text) {
  std::string result;
  for (char character : text)
    if (!std::isspace(static_cast<unsigned char>(character))) result += character;
  return result;
}

int parse_index(const std::string& text, const std::string& whole) {
  std::size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty())
    throw std::invalid_argument("'" + whole + "' is not a section like [x1:x2,y1:y2]: '" + text +
                                "' is not a whole number");
  return value;
}

Range parse_range(const std::string& text, int size, const char* axis, const std::string& whole) {
  if (text == "*") return {1, size};
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("'" + whole + "' is not a section like [x1:x2,y1:y2]: the " + axis +
                                " range '" + text + "' has no ':'");
  Range range{parse_index(text.substr(0, colon), whole), parse_index(text.substr(colon + 1), whole)};
  if (range.first > range.last)
    throw std::invalid_argument("section '" + whole + "': the " + std::string(axis) +
                                " range runs backwards; flipped sections are not supported");
  if (range.first < 1 || range.last > size)
    throw std::invalid_argument("section '" + whole + "': the " + std::string(axis) + " range " +
                                std::to_string(range.first) + ":" + std::to_string(range.last) +
                                " lies outside the frame's 1:" + std::to_string(size));
  return range;
}

}  // namespace

ImageSection parse_image_section(const std::string& text, int width, int height) {
  const std::string compact = without_spaces(text);
  if (compact.size() < 2 || compact.front() != '[' || compact.back() != ']')
    throw std::invalid_argument("'" + text + "' is not a section like [x1:x2,y1:y2] (brackets missing)");
  const std::string inner = compact.substr(1, compact.size() - 2);
  const auto comma = inner.find(',');
  if (comma == std::string::npos)
    throw std::invalid_argument("'" + text + "' is not a section like [x1:x2,y1:y2] (two ranges needed)");
  const Range x = parse_range(inner.substr(0, comma), width, "x", text);
  const Range y = parse_range(inner.substr(comma + 1), height, "y", text);
  return ImageSection{height - y.last, height - y.first + 1, x.first - 1, x.last};
}

std::string to_fits_section(const ImageSection& section, int height) {
  return "[" + std::to_string(section.first_column + 1) + ":" + std::to_string(section.end_column) + "," +
         std::to_string(height - section.end_row + 1) + ":" + std::to_string(height - section.first_row) +
         "]";
}

}  // namespace nightstack
