// The table of stacking methods, and the single-pass ones: max and min (in float, exact), sum and
// the (weighted, normalized) mean (in double precision).
#include "stages/stack_methods.hpp"

#include <algorithm>
#include <limits>

#include "stages/block_stack.hpp"
#include "stages/stack_checkpoint.hpp"

namespace nightstack {

namespace {

// Shared shape handling: the accumulator takes the first frame's shape.
class AccumulatingMethod : public StackMethod {
 protected:
  ImageD& accumulator_for(const ImageF& frame, double initial) {
    if (accumulator_.empty()) accumulator_ = ImageD(frame.width(), frame.height(), frame.channels(), initial);
    return accumulator_;
  }
  void save_state(StateWriter& writer) const override { save_image(writer, accumulator_); }
  void load_state(StateReader& reader) override { accumulator_ = load_image<double>(reader); }
  ImageD accumulator_;
};

// Max and min keep float accumulators: the extreme of float values is one of them, so the result
// is the same as in double, with half the memory and memory traffic.
class ExtremeMethod : public StackMethod {
 protected:
  std::vector<float>& extremes_for(const ImageF& frame, float initial) {
    if (extremes_.empty()) extremes_ = ImageF(frame.width(), frame.height(), frame.channels(), initial);
    return extremes_.samples();
  }
  ImageD take_result() {
    ImageD result(extremes_.width(), extremes_.height(), extremes_.channels());
    std::copy(extremes_.samples().begin(), extremes_.samples().end(), result.samples().begin());
    extremes_ = ImageF();
    return result;
  }
  void save_state(StateWriter& writer) const override { save_image(writer, extremes_); }
  void load_state(StateReader& reader) override { extremes_ = load_image<float>(reader); }
  ImageF extremes_;
};

// std::max(extreme, value) keeps the extreme when value is NaN (an undefined FITS pixel), and the
// loops compile to packed max/min instructions.
class MaxMethod : public ExtremeMethod {
 public:
  void add(const ImageF& frame, const FrameInfo&) override {
    float* maximum = extremes_for(frame, -std::numeric_limits<float>::infinity()).data();
    const float* values = frame.samples().data();
    const std::size_t count = frame.samples().size();
    for (std::size_t i = 0; i < count; ++i) maximum[i] = std::max(maximum[i], values[i]);
  }
  ImageD result() override { return take_result(); }
};

class MinMethod : public ExtremeMethod {
 public:
  void add(const ImageF& frame, const FrameInfo&) override {
    float* minimum = extremes_for(frame, std::numeric_limits<float>::infinity()).data();
    const float* values = frame.samples().data();
    const std::size_t count = frame.samples().size();
    for (std::size_t i = 0; i < count; ++i) minimum[i] = std::min(minimum[i], values[i]);
  }
  ImageD result() override { return take_result(); }
};

class SumMethod : public AccumulatingMethod {
 public:
  void add(const ImageF& frame, const FrameInfo&) override {
    auto& sum = accumulator_for(frame, 0.0).samples();
    const auto& values = frame.samples();
    for (std::size_t i = 0; i < values.size(); ++i) sum[i] += static_cast<double>(values[i]);
  }
  ImageD result() override { return std::move(accumulator_); }
};

// sum(w * (multiply * x + add)) / sum(w) per channel, frames in index order: the same operations in
// the same order as a rejection method that rejects nothing, so the two agree bit for bit.
class MeanMethod : public AccumulatingMethod {
 public:
  explicit MeanMethod(const StackSettings& settings)
      : weighting_(settings.normalization, settings.weights, settings.stage_id) {}

  void add(const ImageF& frame, const FrameInfo& info) override {
    const auto& adjustments = weighting_.add(frame, info);
    accumulator_for(frame, 0.0);
    weight_sums_.resize(adjustments.size(), 0.0);
    const bool plain =
        weighting_.normalization() == FrameNormalization::none && weighting_.weights() == FrameWeights::equal;
    for (int channel = 0; channel < frame.channels(); ++channel) {
      auto sum = accumulator_.plane(channel);
      const auto values = frame.plane(channel);
      const ChannelAdjustment& adjustment = adjustments[static_cast<std::size_t>(channel)];
      if (plain) {  // 1 * (1 * x + 0) == x: the same sums, without the multiplications
        for (std::size_t i = 0; i < values.size(); ++i) sum[i] += static_cast<double>(values[i]);
      } else {
        for (std::size_t i = 0; i < values.size(); ++i)
          sum[i] +=
              adjustment.weight * (adjustment.multiply * static_cast<double>(values[i]) + adjustment.add);
      }
      weight_sums_[static_cast<std::size_t>(channel)] += adjustment.weight;
    }
  }

  ImageD result() override {
    ImageD mean = std::move(accumulator_);
    for (int channel = 0; channel < mean.channels(); ++channel) {
      const double weight_sum = weight_sums_[static_cast<std::size_t>(channel)];
      for (double& value : mean.plane(channel)) value /= weight_sum;
    }
    return mean;
  }

  void record(Provenance& provenance) const override {
    if (weighting_.normalization() != FrameNormalization::none)
      provenance.set("FRMNORM", to_string(weighting_.normalization()), "frames normalized to the first");
    if (weighting_.weights() != FrameWeights::equal)
      provenance.set("WEIGHTS", to_string(weighting_.weights()), "frame weights of the mean");
  }

  void save_state(StateWriter& writer) const override {
    AccumulatingMethod::save_state(writer);
    writer.numbers(weight_sums_);
    weighting_.save_state(writer);
  }
  void load_state(StateReader& reader) override {
    AccumulatingMethod::load_state(reader);
    weight_sums_ = reader.numbers();
    weighting_.load_state(reader);
  }

 private:
  FrameWeighting weighting_;
  std::vector<double> weight_sums_;
};

template <class Method>
std::unique_ptr<StackMethod> make_plain(const StackSettings&) {
  return std::make_unique<Method>();
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
      {"median", "per-pixel median of the (normalized) values; cached, stacked in row blocks", every_value,
       &make_median},
      {"sigma_clip",
       "mean of the values astropy's sigma_clip keeps (centre median, spread standard deviation, "
       "iterated)",
       rejection, &make_rejecting<Rejection::sigma_clip>},
      {"mad_clip", "as sigma_clip with the spread 1.4826 x MAD (astropy's mad_std)", rejection,
       &make_rejecting<Rejection::mad_clip>},
      {"median_sigma_clip", "Siril's median sigma clipping: outliers replaced by the median, then the mean",
       rejection, &make_rejecting<Rejection::median_sigma_clip>},
      {"winsorized_sigma_clip",
       "sigma clipping with the spread of a winsorized set (robust to many outliers)", rejection,
       &make_rejecting<Rejection::winsorized_sigma_clip>},
      {"min_max", "mean without the min_max_count lowest and highest values", rejection,
       &make_rejecting<Rejection::min_max>},
      {"percentile_clip", "mean of the values within a range relative to the median (percentile_low/high)",
       rejection, &make_rejecting<Rejection::percentile_clip>},
      {"gesd", "mean after the generalized extreme studentized deviate test (gesd_alpha, gesd_max_outliers)",
       rejection, &make_rejecting<Rejection::gesd>},
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
