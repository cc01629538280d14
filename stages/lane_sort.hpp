// Sorts many short sequences at once, one per lane: `Lanes` independent sequences of n values kept
// element-major (element k of every lane side by side), put in order by one fixed network of
// compare-exchanges (Batcher's odd-even merge sort), so that each compare-exchange is a vector min and
// max over all the lanes. Sorting the values of 16 pixels this way costs a few instructions per
// compare-exchange, where sorting each pixel alone branches on every comparison.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace nightstack {

class SortingNetwork {
 public:
  // A network for sequences of `size` values.
  explicit SortingNetwork(std::size_t size);

  std::size_t size() const { return size_; }
  std::size_t comparators() const { return comparators_.size(); }

  // values[k * Lanes + lane], k < size(): each lane ends in ascending order.
  template <std::size_t Lanes, class T>
  void sort(T* values) const {
    for (const auto& [low, high] : comparators_) {
      T* a = values + static_cast<std::size_t>(low) * Lanes;
      T* b = values + static_cast<std::size_t>(high) * Lanes;
      for (std::size_t lane = 0; lane < Lanes; ++lane) {
        const T smaller = std::min(a[lane], b[lane]);
        const T larger = std::max(a[lane], b[lane]);
        a[lane] = smaller;
        b[lane] = larger;
      }
    }
  }

 private:
  std::size_t size_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> comparators_;
};

}  // namespace nightstack
