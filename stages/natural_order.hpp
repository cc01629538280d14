// "Natural" file order: digit runs compare as numbers, so frame_9 comes before frame_10.
#pragma once

#include <string_view>

namespace nightstack {

bool natural_less(std::string_view left, std::string_view right);

}  // namespace nightstack
