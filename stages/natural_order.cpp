// Natural string comparison for frame ordering.
#include "stages/natural_order.hpp"

#include <cctype>

namespace nightstack {

namespace {

bool is_digit(char character) { return std::isdigit(static_cast<unsigned char>(character)) != 0; }

// Compares the digit runs starting at left[i] and right[j]; advances both past them.
// Returns <0, 0 or >0. Leading zeros are ignored for the value; ties go to the shorter run.
int compare_numbers(std::string_view left, std::size_t& i, std::string_view right, std::size_t& j) {
  auto skip_zeros = [](std::string_view text, std::size_t& position) {
    while (position < text.size() && text[position] == '0') ++position;
  };
  std::size_t left_start = i, right_start = j;
  skip_zeros(left, i);
  skip_zeros(right, j);
  std::size_t left_digits_start = i, right_digits_start = j;
  while (i < left.size() && is_digit(left[i])) ++i;
  while (j < right.size() && is_digit(right[j])) ++j;
  std::size_t left_length = i - left_digits_start, right_length = j - right_digits_start;
  if (left_length != right_length) return left_length < right_length ? -1 : 1;
  int by_digits =
      left.substr(left_digits_start, left_length).compare(right.substr(right_digits_start, right_length));
  if (by_digits != 0) return by_digits;
  // Same value: "01" sorts before "001" only to keep the order total and stable.
  return static_cast<int>(i - left_start) - static_cast<int>(j - right_start);
}

}  // namespace

bool natural_less(std::string_view left, std::string_view right) {
  std::size_t i = 0, j = 0;
  while (i < left.size() && j < right.size()) {
    if (is_digit(left[i]) && is_digit(right[j])) {
      int order = compare_numbers(left, i, right, j);
      if (order != 0) return order < 0;
      continue;
    }
    if (left[i] != right[j])
      return static_cast<unsigned char>(left[i]) < static_cast<unsigned char>(right[j]);
    ++i;
    ++j;
  }
  return (left.size() - i) < (right.size() - j);
}

}  // namespace nightstack
