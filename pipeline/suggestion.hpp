// Spelling help for config messages: the known name nearest to a typo, and name lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nightstack {

// The candidate closest to `word` by edit distance (a swap of two neighbours counts as one edit),
// if it is close enough to be a plausible typo; ties go to the earlier candidate.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates);

// "; did you mean 'stack'?" when a close candidate exists, otherwise "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

}  // namespace nightstack
