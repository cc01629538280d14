// Edit distance for "did you mean" hints in config messages.
#include "pipeline/suggestion.hpp"

#include <algorithm>
#include <cctype>

namespace nightstack {

namespace {

std::string lowercase(std::string text) {
  for (char& character : text) {
    character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  }
  return text;
}

// Optimal string alignment distance: typing errors are mostly one wrong, missing, extra or
// swapped letter, and a swap should cost one edit, not two.
std::size_t edit_distance(const std::string& from, const std::string& to) {
  const std::size_t rows = from.size() + 1;
  const std::size_t columns = to.size() + 1;
  std::vector<std::size_t> distance(rows * columns);
  auto at = [&](std::size_t row, std::size_t column) -> std::size_t& {
    return distance[row * columns + column];
  };
  for (std::size_t row = 0; row < rows; ++row) at(row, 0) = row;
  for (std::size_t column = 0; column < columns; ++column) at(0, column) = column;
  for (std::size_t row = 1; row < rows; ++row) {
    for (std::size_t column = 1; column < columns; ++column) {
      const std::size_t substitution = from[row - 1] == to[column - 1] ? 0 : 1;
      std::size_t best = std::min(
          {at(row - 1, column) + 1, at(row, column - 1) + 1, at(row - 1, column - 1) + substitution});
      if (row > 1 && column > 1 && from[row - 1] == to[column - 2] && from[row - 2] == to[column - 1]) {
        best = std::min(best, at(row - 2, column - 2) + 1);
      }
      at(row, column) = best;
    }
  }
  return at(rows - 1, columns - 1);
}

}  // namespace

std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string wanted = lowercase(word);
  // A third of the word, at least one and at most two edits: beyond that the "suggestion" is
  // usually a different word and only confuses.
  const std::size_t allowed = std::clamp<std::size_t>(wanted.size() / 3, 1, 2);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(wanted, lowercase(candidate));
    if (distance < best_distance && distance < wanted.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const auto nearest = closest_name(word, candidates);
  return nearest ? "; did you mean '" + *nearest + "'?" : "";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace nightstack
