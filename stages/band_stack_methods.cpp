// The band partials of max, min, sum and mean, and the image they finish into.
#include "stages/band_stack_methods.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nightstack {

namespace {

template <class Sample, bool maximum>
class ExtremePartial : public BandPartial {
 public:
  ExtremePartial(const StoredShape& shape)
      : row_samples_(shape.row_samples()),
        values_(row_samples_ * static_cast<std::size_t>(shape.height), initial()) {}

  // Where no frame had a value (float frames whose samples are all NaN there) the partial keeps this.
  static constexpr Sample initial() {
    if constexpr (std::is_floating_point_v<Sample>) {
      return maximum ? -std::numeric_limits<Sample>::infinity() : std::numeric_limits<Sample>::infinity();
    } else {
      return maximum ? std::numeric_limits<Sample>::min() : std::numeric_limits<Sample>::max();
    }
  }

  // std::max(kept, new) keeps `kept` when the new value is NaN (a missing sample), and the loop
  // compiles to packed max/min instructions.
  static void combine(Sample* kept, const Sample* values, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
      kept[i] = maximum ? std::max(kept[i], values[i]) : std::min(kept[i], values[i]);
  }

  void add(const FrameBand& band) override {
    combine(values_.data() + static_cast<std::size_t>(band.first_row) * row_samples_, band.as<Sample>(),
            band.sample_count());
  }
  void end_frame() override {}
  void merge(const BandPartial& other) override {
    const auto& values = dynamic_cast<const ExtremePartial&>(other).values_;
    combine(values_.data(), values.data(), values_.size());
  }
  void save(StateWriter& writer) const override { writer.array(std::span<const Sample>(values_)); }
  void load(StateReader& reader) override {
    if (reader.count(sizeof(Sample)) != values_.size()) reader.fail("the partial holds another frame size");
    reader.array_into(std::span<Sample>(values_));
  }
  const std::vector<Sample>& values() const { return values_; }

 private:
  std::size_t row_samples_;
  std::vector<Sample> values_;  // interleaved, as the bands
};

// Sums in two's complement: unsigned additions wrap where signed ones would be undefined, and the
// total is read back as signed (it never exceeds 2^62 in magnitude, see FixedPoint).
template <class Code>
class FixedSumPartial : public BandPartial {
 public:
  FixedSumPartial(const StoredShape& shape, const FixedPoint& fixed)
      : row_samples_(shape.row_samples()),
        table_(fixed.table.data()),
        sums_(row_samples_ * static_cast<std::size_t>(shape.height), 0) {}

  void add(const FrameBand& band) override {
    std::uint64_t* sums = sums_.data() + static_cast<std::size_t>(band.first_row) * row_samples_;
    const Code* codes = band.as<Code>();
    const std::int64_t* table = table_;
    const std::size_t count = band.sample_count();
    for (std::size_t i = 0; i < count; ++i) sums[i] += static_cast<std::uint64_t>(table[codes[i]]);
  }
  void end_frame() override {}
  void merge(const BandPartial& other) override {
    const auto& sums = dynamic_cast<const FixedSumPartial&>(other).sums_;
    for (std::size_t i = 0; i < sums_.size(); ++i) sums_[i] += sums[i];
  }
  void save(StateWriter& writer) const override { writer.array(std::span<const std::uint64_t>(sums_)); }
  void load(StateReader& reader) override {
    if (reader.count(sizeof(std::uint64_t)) != sums_.size())
      reader.fail("the partial holds another frame size");
    reader.array_into(std::span<std::uint64_t>(sums_));
  }
  const std::vector<std::uint64_t>& sums() const { return sums_; }

 private:
  std::size_t row_samples_;
  const std::int64_t* table_;
  std::vector<std::uint64_t> sums_;
};

// Interleaved samples to planar double, each through `value_of`.
template <class Sample, class ValueOf>
ImageD to_planar(const std::vector<Sample>& interleaved, const StoredShape& shape, ValueOf value_of) {
  ImageD image(shape.width, shape.height, shape.channels);
  const auto channels = static_cast<std::size_t>(shape.channels);
  for (std::size_t channel = 0; channel < channels; ++channel) {
    double* plane = image.plane(static_cast<int>(channel)).data();
    for (std::size_t pixel = 0; pixel < image.plane_size(); ++pixel)
      plane[pixel] = value_of(interleaved[pixel * channels + channel]);
  }
  return image;
}

template <class Sample, bool maximum>
ImageD extreme_result(const BandPartial& total, const StoredShape& shape, const ValueMap& map) {
  const auto& values = dynamic_cast<const ExtremePartial<Sample, maximum>&>(total).values();
  if constexpr (std::is_same_v<Sample, float>) {
    std::vector<float> mapped(values);
    map.apply(mapped);
    const float none = ExtremePartial<Sample, maximum>::initial();
    std::size_t index = 0;
    for (float& value : mapped) {
      if (values[index++] == none) value = std::numeric_limits<float>::quiet_NaN();
    }
    return to_planar(mapped, shape, [](float value) { return static_cast<double>(value); });
  } else {
    const float* table = map.table().data();
    return to_planar(values, shape, [table](Sample code) { return static_cast<double>(table[code]); });
  }
}

template <class Code>
ImageD sum_result(const BandPartial& total, const StoredShape& shape, int scale_bits, double divisor) {
  const auto& sums = dynamic_cast<const FixedSumPartial<Code>&>(total).sums();
  return to_planar(sums, shape, [scale_bits, divisor](std::uint64_t sum) {
    return std::ldexp(static_cast<double>(static_cast<std::int64_t>(sum)), -scale_bits) / divisor;
  });
}

}  // namespace

FixedPoint fixed_point_for(const std::vector<float>& values) {
  double largest = 1.0;
  for (float value : values) {
    if (!std::isfinite(value))
      throw std::logic_error("a point transform mapped a code to " + std::to_string(value));
    largest = std::max(largest, std::fabs(static_cast<double>(value)));
  }
  int exponent = 0;
  const double mantissa = std::frexp(largest, &exponent);  // largest = mantissa * 2^exponent
  const int ceiling_log2 = mantissa == 0.5 ? exponent - 1 : exponent;
  FixedPoint fixed;
  fixed.scale_bits = 40 - ceiling_log2;
  fixed.table.reserve(values.size());
  for (float value : values)
    fixed.table.push_back(std::llround(std::ldexp(static_cast<double>(value), fixed.scale_bits)));
  return fixed;
}

bool band_method_takes(BandMethod method, SampleType type) {
  if (method == BandMethod::max || method == BandMethod::min) return true;
  return type != SampleType::float32;
}

BandStackMethod::BandStackMethod(BandMethod method, const StoredShape& shape, const ValueMap& map)
    : method_(method), shape_(shape), map_(map) {
  if (!band_method_takes(method, shape.type))
    throw std::logic_error("a band stack method was started for frames it does not take");
  if (method == BandMethod::sum || method == BandMethod::mean) fixed_ = fixed_point_for(map.table());
}

std::unique_ptr<BandPartial> BandStackMethod::make_partial() const {
  switch (method_) {
    case BandMethod::max:
    case BandMethod::min: {
      const bool maximum = method_ == BandMethod::max;
      switch (shape_.type) {
        case SampleType::uint8:
          if (maximum) return std::make_unique<ExtremePartial<std::uint8_t, true>>(shape_);
          return std::make_unique<ExtremePartial<std::uint8_t, false>>(shape_);
        case SampleType::uint16:
          if (maximum) return std::make_unique<ExtremePartial<std::uint16_t, true>>(shape_);
          return std::make_unique<ExtremePartial<std::uint16_t, false>>(shape_);
        case SampleType::float32:
          break;
      }
      if (maximum) return std::make_unique<ExtremePartial<float, true>>(shape_);
      return std::make_unique<ExtremePartial<float, false>>(shape_);
    }
    case BandMethod::sum:
    case BandMethod::mean:
      break;
  }
  if (shape_.type == SampleType::uint8)
    return std::make_unique<FixedSumPartial<std::uint8_t>>(shape_, fixed_);
  return std::make_unique<FixedSumPartial<std::uint16_t>>(shape_, fixed_);
}

ImageD BandStackMethod::result(const BandPartial& total, std::size_t frames) const {
  switch (method_) {
    case BandMethod::max:
    case BandMethod::min: {
      const bool maximum = method_ == BandMethod::max;
      switch (shape_.type) {
        case SampleType::uint8:
          return maximum ? extreme_result<std::uint8_t, true>(total, shape_, map_)
                         : extreme_result<std::uint8_t, false>(total, shape_, map_);
        case SampleType::uint16:
          return maximum ? extreme_result<std::uint16_t, true>(total, shape_, map_)
                         : extreme_result<std::uint16_t, false>(total, shape_, map_);
        case SampleType::float32:
          break;
      }
      return maximum ? extreme_result<float, true>(total, shape_, map_)
                     : extreme_result<float, false>(total, shape_, map_);
    }
    case BandMethod::sum:
    case BandMethod::mean:
      break;
  }
  const double divisor = method_ == BandMethod::mean ? static_cast<double>(frames) : 1.0;
  if (shape_.type == SampleType::uint8)
    return sum_result<std::uint8_t>(total, shape_, fixed_.scale_bits, divisor);
  return sum_result<std::uint16_t>(total, shape_, fixed_.scale_bits, divisor);
}

}  // namespace nightstack
