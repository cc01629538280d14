// The table of stacking methods, and the single-pass ones: max and min (in float, exact), sum and
// the (weighted, normalized) mean (in double precision), each over the valid values of a pixel.
#include "stages/stack_methods.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "stages/block_stack.hpp"
#include "stages/stack_checkpoint.hpp"

namespace nightstack {

namespace {

constexpr float infinity = std::numeric_limits<float>::infinity();

// What every single-pass method shares: the count of missing samples, for NaN where a pixel had no
// valid value, NBLANK and the coverage map.
class SinglePassMethod : public StackMethod {
 public:
  explicit SinglePassMethod(const StackSettings& settings) : keep_coverage_map_(settings.keep_coverage_map) {}

  Coverage take_coverage() override {
    return missing_.coverage(width_, height_, channels_, keep_coverage_map_);
  }

 protected:
  // Records a frame with `missing` missing samples (counted by the method's own loop).
  void record_missing(const ImageF& frame, std::size_t missing) {
    if (missing_.frames() == 0) {
      width_ = frame.width();
      height_ = frame.height();
      channels_ = frame.channels();
    }
    missing_.add(frame.samples(), missing);
  }
  void save_missing(StateWriter& writer) const {
    for (int extent : {width_, height_, channels_})
      writer.unsigned_integer(static_cast<std::uint64_t>(extent));
    missing_.save_state(writer);
  }
  void load_missing(StateReader& reader) {
    const auto width = reader.unsigned_integer(), height = reader.unsigned_integer(),
               channels = reader.unsigned_integer();
    if (width > (1u << 30) || height > (1u << 30) || channels > 16) reader.fail("holds an impossible shape");
    width_ = static_cast<int>(width);
    height_ = static_cast<int>(height);
    channels_ = static_cast<int>(channels);
    missing_.load_state(reader);
    if (!missing_.fits(static_cast<std::size_t>(width * height * channels)))
      reader.fail("holds missing-sample counts of another size");
  }

  MissingSamples missing_;

 private:
  bool keep_coverage_map_;
  int width_ = 0, height_ = 0, channels_ = 0;  // the frames' shape
};

// Shared shape handling: the accumulator takes the first frame's shape.
class AccumulatingMethod : public SinglePassMethod {
 public:
  using SinglePassMethod::SinglePassMethod;

 protected:
  ImageD& accumulator_for(const ImageF& frame, double initial) {
    if (accumulator_.empty()) accumulator_ = ImageD(frame.width(), frame.height(), frame.channels(), initial);
    return accumulator_;
  }
  // NaN where no frame had a valid value.
  void mark_blank(ImageD& result) const {
    if (!missing_.any()) return;
    auto& samples = result.samples();
    for (std::size_t i = 0; i < samples.size(); ++i)
      if (missing_.valid(i) == 0) samples[i] = std::numeric_limits<double>::quiet_NaN();
  }
  void save_state(StateWriter& writer) const override {
    save_missing(writer);
    save_image(writer, accumulator_);
  }
  void load_state(StateReader& reader) override {
    load_missing(reader);
    accumulator_ = load_image<double>(reader);
  }
  ImageD accumulator_;
};

// Max and min keep float accumulators: the extreme of float values is one of them, so the result
// is the same as in double, with half the memory and memory traffic. A missing value enters as the
// infinity that never wins, so an extreme still infinite at the end had no valid value: NaN.
class ExtremeMethod : public SinglePassMethod {
 public:
  using SinglePassMethod::SinglePassMethod;

 protected:
  std::vector<float>& extremes_for(const ImageF& frame, float initial) {
    if (extremes_.empty()) extremes_ = ImageF(frame.width(), frame.height(), frame.channels(), initial);
    return extremes_.samples();
  }
  ImageD take_result() {
    ImageD result = current_result();
    extremes_ = ImageF();
    return result;
  }
  ImageD current_result() const {
    ImageD result(extremes_.width(), extremes_.height(), extremes_.channels());
    std::transform(
        extremes_.samples().begin(), extremes_.samples().end(), result.samples().begin(), [](float value) {
          return std::isinf(value) ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(value);
        });
    return result;
  }

 public:
  std::optional<ImageD> snapshot() const override { return current_result(); }

 protected:
  void save_state(StateWriter& writer) const override {
    save_missing(writer);
    save_image(writer, extremes_);
  }
  void load_state(StateReader& reader) override {
    load_missing(reader);
    extremes_ = load_image<float>(reader);
  }
  ImageF extremes_;
};

// A missing value becomes -infinity (for max) or +infinity (for min), and the loops, which also
// count the missing values, still compile to packed compare, blend and max/min.
class MaxMethod : public ExtremeMethod {
 public:
  using ExtremeMethod::ExtremeMethod;
  void add(const ImageF& frame, const FrameInfo&) override {
    float* maximum = extremes_for(frame, -infinity).data();
    const float* values = frame.samples().data();
    const std::size_t count = frame.samples().size();
    std::size_t missing = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const bool valid = is_valid(values[i]);
      missing += valid ? 0 : 1;
      maximum[i] = std::max(maximum[i], valid ? values[i] : -infinity);
    }
    record_missing(frame, missing);
  }
  ImageD result() override { return take_result(); }
};

class MinMethod : public ExtremeMethod {
 public:
  using ExtremeMethod::ExtremeMethod;
  void add(const ImageF& frame, const FrameInfo&) override {
    float* minimum = extremes_for(frame, infinity).data();
    const float* values = frame.samples().data();
    const std::size_t count = frame.samples().size();
    std::size_t missing = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const bool valid = is_valid(values[i]);
      missing += valid ? 0 : 1;
      minimum[i] = std::min(minimum[i], valid ? values[i] : infinity);
    }
    record_missing(frame, missing);
  }
  ImageD result() override { return take_result(); }
};

// The plain sum of the valid values (not scaled up for the missing ones: the coverage map says how
// many there were). A missing value adds 0, which leaves a sum that started at +0 as it was.
class SumMethod : public AccumulatingMethod {
 public:
  using AccumulatingMethod::AccumulatingMethod;
  void add(const ImageF& frame, const FrameInfo&) override {
    auto& sum = accumulator_for(frame, 0.0).samples();
    const auto& values = frame.samples();
    std::size_t missing = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const bool valid = is_valid(values[i]);
      missing += valid ? 0 : 1;
      sum[i] += valid ? static_cast<double>(values[i]) : 0.0;
    }
    record_missing(frame, missing);
  }
  ImageD result() override {
    ImageD sum = std::move(accumulator_);
    mark_blank(sum);
    return sum;
  }
  std::optional<ImageD> snapshot() const override {
    ImageD sum = accumulator_;
    mark_blank(sum);
    return sum;
  }
};

// The last frame as it came (NaN where its values are missing): with a fade step before it, the
// comet trails of the whole sequence.
class LastMethod : public SinglePassMethod {
 public:
  using SinglePassMethod::SinglePassMethod;
  void add(const ImageF& frame, const FrameInfo&) override {
    last_ = frame;
    std::size_t missing = 0;
    for (float& value : last_.samples()) {
      const bool valid = is_valid(value);
      missing += valid ? 0 : 1;
      if (!valid) value = std::numeric_limits<float>::quiet_NaN();
    }
    record_missing(frame, missing);
  }
  ImageD result() override {
    ImageD result = *snapshot();
    last_ = ImageF();
    return result;
  }
  std::optional<ImageD> snapshot() const override {
    ImageD result(last_.width(), last_.height(), last_.channels());
    std::copy(last_.samples().begin(), last_.samples().end(), result.samples().begin());
    return result;
  }
  void save_state(StateWriter& writer) const override {
    save_missing(writer);
    save_image(writer, last_);
  }
  void load_state(StateReader& reader) override {
    load_missing(reader);
    last_ = load_image<float>(reader);
  }

 private:
  ImageF last_;
};

// sum(w * (multiply * x + add)) / sum(w) per pixel over its valid values, frames in index order: the
// same operations in the same order as a rejection method that rejects nothing, so the two agree
// bit for bit. While no value was missing, sum(w) is the same for every pixel of a channel and kept
// per channel; from the first missing value on, per pixel (starting from the channel's sum so far,
// which is the sum each pixel would have).
class MeanMethod : public AccumulatingMethod {
 public:
  explicit MeanMethod(const StackSettings& settings)
      : AccumulatingMethod(settings),
        weighting_(settings.normalization, settings.weights, settings.stage_id) {}

  void add(const ImageF& frame, const FrameInfo& info) override {
    const auto& adjustments = weighting_.add(frame, info);
    accumulator_for(frame, 0.0);
    weight_sums_.resize(adjustments.size(), 0.0);
    const bool plain =
        weighting_.normalization() == FrameNormalization::none && weighting_.weights() == FrameWeights::equal;
    // The sums, adding 0 for a missing value (the sums start at +0, so that changes nothing) and
    // counting them in the same pass.
    std::size_t missing = 0;
    for (int channel = 0; channel < frame.channels(); ++channel) {
      auto sum = accumulator_.plane(channel);
      const auto values = frame.plane(channel);
      const ChannelAdjustment& adjustment = adjustments[static_cast<std::size_t>(channel)];
      if (plain) {  // 1 * (1 * x + 0) == x: the same sums, without the multiplications
        for (std::size_t i = 0; i < values.size(); ++i) {
          const bool valid = is_valid(values[i]);
          missing += valid ? 0 : 1;
          sum[i] += valid ? static_cast<double>(values[i]) : 0.0;
        }
      } else {
        for (std::size_t i = 0; i < values.size(); ++i) {
          const bool valid = is_valid(values[i]);
          missing += valid ? 0 : 1;
          sum[i] += valid ? adjustment.weight *
                                (adjustment.multiply * static_cast<double>(values[i]) + adjustment.add)
                          : 0.0;
        }
      }
    }
    record_missing(frame, missing);
    // The weights: per channel until a value is missing, then per pixel too. Equal weights (1 each)
    // sum per pixel to its count of valid values, exactly, which the missing-sample counts give.
    if (missing > 0 && pixel_weight_sums_.empty() && !plain) {
      pixel_weight_sums_ = ImageD(frame.width(), frame.height(), frame.channels());
      for (int channel = 0; channel < frame.channels(); ++channel) {
        auto weights = pixel_weight_sums_.plane(channel);
        std::fill(weights.begin(), weights.end(), weight_sums_[static_cast<std::size_t>(channel)]);
      }
    }
    for (int channel = 0; channel < frame.channels(); ++channel) {
      const double weight = adjustments[static_cast<std::size_t>(channel)].weight;
      weight_sums_[static_cast<std::size_t>(channel)] += weight;
      if (pixel_weight_sums_.empty()) continue;
      auto weights = pixel_weight_sums_.plane(channel);
      const auto values = frame.plane(channel);
      for (std::size_t i = 0; i < values.size(); ++i) weights[i] += is_valid(values[i]) ? weight : 0.0;
    }
  }

  ImageD result() override {
    ImageD mean = divided(std::move(accumulator_));
    pixel_weight_sums_ = ImageD();
    return mean;
  }
  std::optional<ImageD> snapshot() const override { return divided(accumulator_); }

  void record(Provenance& provenance) const override {
    if (weighting_.normalization() != FrameNormalization::none)
      provenance.set("FRMNORM", to_string(weighting_.normalization()), "frames normalized to the first");
    if (weighting_.weights() != FrameWeights::equal)
      provenance.set("WEIGHTS", to_string(weighting_.weights()), "frame weights of the mean");
  }

  void save_state(StateWriter& writer) const override {
    AccumulatingMethod::save_state(writer);
    writer.numbers(weight_sums_);
    writer.unsigned_integer(pixel_weight_sums_.empty() ? 0 : 1);
    if (!pixel_weight_sums_.empty()) save_image(writer, pixel_weight_sums_);
    weighting_.save_state(writer);
  }
  void load_state(StateReader& reader) override {
    AccumulatingMethod::load_state(reader);
    weight_sums_ = reader.numbers();
    pixel_weight_sums_ = reader.unsigned_integer() != 0 ? load_image<double>(reader) : ImageD();
    weighting_.load_state(reader);
  }

 private:
  ImageD divided(ImageD mean) const {
    for (int channel = 0; channel < mean.channels(); ++channel) {
      auto sums = mean.plane(channel);
      if (pixel_weight_sums_.empty() && missing_.any()) {  // equal weights, some values missing
        const std::size_t first = static_cast<std::size_t>(channel) * sums.size();
        for (std::size_t i = 0; i < sums.size(); ++i) {
          const std::uint32_t valid = missing_.valid(first + i);
          sums[i] =
              valid > 0 ? sums[i] / static_cast<double>(valid) : std::numeric_limits<double>::quiet_NaN();
        }
        continue;
      }
      if (pixel_weight_sums_.empty()) {
        const double weight_sum = weight_sums_[static_cast<std::size_t>(channel)];
        for (double& value : sums) value /= weight_sum;
        continue;
      }
      const auto weights = pixel_weight_sums_.plane(channel);
      for (std::size_t i = 0; i < sums.size(); ++i)
        sums[i] = weights[i] > 0.0 ? sums[i] / weights[i] : std::numeric_limits<double>::quiet_NaN();
    }
    return mean;
  }

  FrameWeighting weighting_;
  std::vector<double> weight_sums_;  // per channel, while no value was missing
  ImageD pixel_weight_sums_;         // per pixel, from the first missing value on
};

template <class Method>
std::unique_ptr<StackMethod> make_plain(const StackSettings& settings) {
  return std::make_unique<Method>(settings);
}

std::unique_ptr<StackMethod> make_mean(const StackSettings& settings) {
  return std::make_unique<MeanMethod>(settings);
}

template <Rejection method>
std::unique_ptr<StackMethod> make_rejecting(const StackSettings& settings) {
  return make_block_stack(settings, Combine::mean, method);
}

std::unique_ptr<StackMethod> make_median(const StackSettings& settings) {
  return make_block_stack(settings, Combine::median, Rejection::none);
}

}  // namespace

const std::vector<StackMethodInfo>& stack_methods() {
  using enum StackKind;
  static const std::vector<StackMethodInfo> methods = {
      {"max", "per-pixel maximum (\"lighten\"): star trails", single_pass, &make_plain<MaxMethod>},
      {"min", "per-pixel minimum (\"darken\")", single_pass, &make_plain<MinMethod>},
      {"sum", "per-pixel sum in double precision: a long exposure, written as a true sum", single_pass,
       &make_plain<SumMethod>},
      {"mean", "per-pixel mean (weighted and normalized when asked), frame by frame", single_pass,
       &make_mean},
      {"last", "the last frame as it came: after a fade stage, the comet trails", single_pass,
       &make_plain<LastMethod>},
      {"median", "per-pixel median of the (normalized) values; cached, stacked in row blocks", every_value,
       &make_median},
      {"sigma_clip",
       "mean of the values astropy's sigma_clip keeps (centre median, spread standard deviation, "
       "iterated)",
       rejection, &make_rejecting<Rejection::sigma_clip>, Rejection::sigma_clip},
      {"mad_clip", "as sigma_clip with the spread 1.4826 x MAD (astropy's mad_std)", rejection,
       &make_rejecting<Rejection::mad_clip>, Rejection::mad_clip},
      {"median_sigma_clip", "Siril's median sigma clipping: outliers replaced by the median, then the mean",
       rejection, &make_rejecting<Rejection::median_sigma_clip>, Rejection::median_sigma_clip},
      {"winsorized_sigma_clip",
       "sigma clipping with the spread of a winsorized set (robust to many outliers)", rejection,
       &make_rejecting<Rejection::winsorized_sigma_clip>, Rejection::winsorized_sigma_clip},
      {"min_max", "mean without the min_max_count lowest and highest values", rejection,
       &make_rejecting<Rejection::min_max>, Rejection::min_max},
      {"percentile_clip", "mean of the values within a range relative to the median (percentile_low/high)",
       rejection, &make_rejecting<Rejection::percentile_clip>, Rejection::percentile_clip},
      {"gesd", "mean after the generalized extreme studentized deviate test (gesd_alpha, gesd_max_outliers)",
       rejection, &make_rejecting<Rejection::gesd>, Rejection::gesd},
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
