// Provenance card bookkeeping.
#include "pipeline/image.hpp"

#include <algorithm>

namespace nightstack {

void Provenance::set(const std::string& key, HeaderCard::Value value, const std::string& comment) {
  auto existing =
      std::find_if(cards_.begin(), cards_.end(), [&](const HeaderCard& card) { return card.key == key; });
  if (existing != cards_.end()) {
    existing->value = std::move(value);
    existing->comment = comment;
    return;
  }
  cards_.push_back({key, std::move(value), comment});
}

const HeaderCard* Provenance::find(const std::string& key) const {
  auto found =
      std::find_if(cards_.begin(), cards_.end(), [&](const HeaderCard& card) { return card.key == key; });
  return found == cards_.end() ? nullptr : &*found;
}

}  // namespace nightstack
