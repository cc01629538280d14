#include "stages/lane_sort.hpp"

namespace nightstack {

// The network for the next power of two, without the compare-exchanges that touch a position at or
// past `size`: those positions can be thought of as holding +infinity, which no compare-exchange
// moves down, so leaving them out changes nothing below `size`.
SortingNetwork::SortingNetwork(std::size_t size) : size_(size) {
  std::size_t padded = 1;
  while (padded < size) padded <<= 1;
  for (std::size_t p = 1; p < padded; p <<= 1) {
    for (std::size_t k = p; k >= 1; k >>= 1) {
      for (std::size_t j = k % p; j + k < padded; j += 2 * k) {
        for (std::size_t i = 0; i < std::min(k, padded - j - k); ++i) {
          if ((i + j) / (2 * p) != (i + j + k) / (2 * p)) continue;
          const std::size_t low = i + j, high = i + j + k;
          if (high < size)
            comparators_.emplace_back(static_cast<std::uint32_t>(low), static_cast<std::uint32_t>(high));
        }
      }
    }
  }
}

}  // namespace nightstack
