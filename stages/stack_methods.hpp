// Stacking methods behind one interface. Each sees every frame once, in order, and keeps double
// accumulators; the per-frame call is virtual, the per-pixel loops are not.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

class StackMethod {
 public:
  virtual ~StackMethod() = default;
  // The first call fixes the shape; later frames have the same shape (the runner checks).
  virtual void add(const ImageF& frame) = 0;
  virtual ImageD result() = 0;
};

struct StackMethodInfo {
  std::string name;
  std::string help;
  std::unique_ptr<StackMethod> (*make)();
};

// The explicit table of methods: max, sum, mean.
const std::vector<StackMethodInfo>& stack_methods();
const StackMethodInfo* find_stack_method(const std::string& name);

}  // namespace nightstack
