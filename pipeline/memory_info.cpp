// MemAvailable from /proc/meminfo, and byte sizes parsed from and formatted for people.
#include "pipeline/memory_info.hpp"

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nightstack {

std::optional<std::uint64_t> available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    // "MemAvailable:   23456789 kB" (the kernel's kB are KiB)
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kibibytes = 0;
    std::string unit;
    if (!(fields >> kibibytes)) return std::nullopt;
    fields >> unit;
    return unit == "kB" || unit.empty() ? kibibytes * 1024 : kibibytes;
  }
  return std::nullopt;
}

namespace {

std::string lower_case(std::string text) {
  for (char& character : text)
    character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  return text;
}

double unit_factor(const std::string& unit, const std::string& text) {
  const std::string name = lower_case(unit);
  if (name.empty() || name == "b") return 1.0;
  const std::string binary[] = {"k", "m", "g", "t"};
  for (int power = 0; power < 4; ++power) {
    double base = std::pow(1024.0, power + 1);
    if (name == binary[power] || name == binary[power] + "ib") return base;
    if (name == binary[power] + "b") return std::pow(1000.0, power + 1);
  }
  throw std::invalid_argument("'" + text + "': unknown unit '" + unit +
                              "' (use B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB)");
}

}  // namespace

std::uint64_t parse_byte_size(const std::string& text) {
  std::size_t position = 0;
  while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position]))) ++position;
  std::size_t number_start = position;
  while (position < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[position])) || text[position] == '.'))
    ++position;
  std::string number = text.substr(number_start, position - number_start);
  if (text.find_first_not_of(" \t") == std::string::npos)
    throw std::invalid_argument("an empty size; write e.g. 1GiB or 512MB");
  if (number_start < text.size() && text[number_start] == '-')
    throw std::invalid_argument("'" + text + "': a size cannot be negative");
  if (number.empty() || number == "." || number.find('.') != number.rfind('.'))
    throw std::invalid_argument("'" + text + "': a size is a number and a unit, e.g. 1GiB or 512MB");
  while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position]))) ++position;
  std::size_t unit_end = text.find_last_not_of(" \t");
  std::string unit = position <= unit_end ? text.substr(position, unit_end + 1 - position) : "";
  double bytes = std::stod(number) * unit_factor(unit, text);
  if (!(bytes < 18446744073709551616.0)) throw std::invalid_argument("'" + text + "': too large");
  return static_cast<std::uint64_t>(std::floor(bytes));
}

std::string format_byte_size(std::uint64_t bytes) {
  const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 5) {
    value /= 1024.0;
    ++unit;
  }
  std::ostringstream stream;
  stream.precision(unit == 0 ? 0 : 3);
  stream << std::fixed << value;
  std::string text = stream.str();
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text + " " + units[unit];
}

}  // namespace nightstack
