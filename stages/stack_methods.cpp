// max, sum and mean in double precision.
#include "stages/stack_methods.hpp"

#include <algorithm>
#include <limits>

namespace nightstack {

namespace {

// Shared shape handling: the accumulator takes the first frame's shape.
class AccumulatingMethod : public StackMethod {
 protected:
  ImageD& accumulator_for(const ImageF& frame, double initial) {
    if (accumulator_.empty()) accumulator_ = ImageD(frame.width(), frame.height(), frame.channels(), initial);
    return accumulator_;
  }
  ImageD accumulator_;
};

class MaxMethod : public AccumulatingMethod {
 public:
  void add(const ImageF& frame) override {
    auto& maximum = accumulator_for(frame, -std::numeric_limits<double>::infinity()).samples();
    const auto& values = frame.samples();
    for (std::size_t i = 0; i < values.size(); ++i)
      maximum[i] = std::max(maximum[i], static_cast<double>(values[i]));
  }
  ImageD result() override { return std::move(accumulator_); }
};

class SumMethod : public AccumulatingMethod {
 public:
  void add(const ImageF& frame) override {
    auto& sum = accumulator_for(frame, 0.0).samples();
    const auto& values = frame.samples();
    for (std::size_t i = 0; i < values.size(); ++i) sum[i] += static_cast<double>(values[i]);
    ++count_;
  }
  ImageD result() override { return std::move(accumulator_); }

 protected:
  std::size_t count_ = 0;
};

class MeanMethod : public SumMethod {
 public:
  ImageD result() override {
    ImageD mean = std::move(accumulator_);
    double count = static_cast<double>(count_);
    for (double& value : mean.samples()) value /= count;
    return mean;
  }
};

template <class Method>
std::unique_ptr<StackMethod> make_method() {
  return std::make_unique<Method>();
}

}  // namespace

const std::vector<StackMethodInfo>& stack_methods() {
  static const std::vector<StackMethodInfo> methods = {
      {"max", "per-pixel maximum (\"lighten\"): star trails", &make_method<MaxMethod>},
      {"sum", "per-pixel sum in double precision: a long exposure, written as a true sum",
       &make_method<SumMethod>},
      {"mean", "per-pixel mean (the sum divided by the frame count)", &make_method<MeanMethod>},
  };
  return methods;
}

const StackMethodInfo* find_stack_method(const std::string& name) {
  const auto& methods = stack_methods();
  auto found =
      std::find_if(methods.begin(), methods.end(), [&](const StackMethodInfo& m) { return m.name == name; });
  return found == methods.end() ? nullptr : &*found;
}

}  // namespace nightstack
