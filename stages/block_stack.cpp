// Cache on accept, then per block: read the block's rows of every frame (on every thread), and
// combine its pixels (on every thread, a row of one channel at a time). Each pixel is computed from
// its own values alone, so the result does not depend on the thread count or the block size.
#include "stages/block_stack.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "pipeline/interrupt.hpp"
#include "stages/block_planner.hpp"
#include "stages/parallel_for.hpp"
#include "stages/stack_checkpoint.hpp"

namespace nightstack {

namespace {

std::string parameters_text(Combine combine, const RejectionSettings& rejection) {
  std::ostringstream text;
  if (combine == Combine::median) return "";
  switch (rejection.method) {
    case Rejection::none:
      break;
    case Rejection::sigma_clip:
    case Rejection::mad_clip:
    case Rejection::median_sigma_clip:
    case Rejection::winsorized_sigma_clip:
      text << "sigma_low=" << rejection.sigma_low << " sigma_high=" << rejection.sigma_high
           << " max_iters=" << rejection.max_iters;
      break;
    case Rejection::min_max:
      text << "min_max_count=" << rejection.min_max_count;
      break;
    case Rejection::percentile_clip:
      text << "percentile_low=" << rejection.percentile_low
           << " percentile_high=" << rejection.percentile_high;
      break;
    case Rejection::gesd:
      text << "gesd_alpha=" << rejection.gesd_alpha << " gesd_max_outliers=" << rejection.gesd_max_outliers;
      break;
  }
  return text.str();
}

class BlockStack : public StackMethod {
 public:
  BlockStack(const StackSettings& settings, Combine combine, Rejection rejection)
      : settings_(settings),
        combine_(combine),
        weighting_(settings.normalization, settings.weights, settings.stage_id),
        cache_(settings.cache_directory.empty() ? default_cache_directory() : settings.cache_directory,
               settings.cache_format, settings.stage_id) {
    settings_.rejection.method = rejection;
  }

  void add(const ImageF& pixels, const FrameInfo& info) override {
    if (frames_ == 0) {
      width_ = pixels.width();
      height_ = pixels.height();
      channels_ = pixels.channels();
      plan(1);  // fails before anything is cached when even one frame cannot be stacked
    }
    weighting_.add(pixels, info);
    cache_.append(pixels);
    ++frames_;
  }

  ImageD result() override {
    if (combine_ == Combine::mean && settings_.rejection.method == Rejection::min_max &&
        2 * static_cast<std::size_t>(settings_.rejection.min_max_count) >= frames_) {
      throw NightstackError(ErrorKind::input,
                            "stack '" + settings_.stage_id + "': min_max_count " +
                                std::to_string(settings_.rejection.min_max_count) +
                                " drops that many values at each end of every pixel, but only " +
                                std::to_string(frames_) +
                                " frames were stacked; lower min_max_count or add frames");
    }
    const BlockPlan block_plan = plan(frames_);
    ImageD stacked(width_, height_, channels_, 0.0);
    if (settings_.keep_rejection_maps) {
      low_map_ = ImageD(width_, height_, channels_, 0.0);
      high_map_ = ImageD(width_, height_, channels_, 0.0);
    }
    if (settings_.keep_coverage_map) coverage_.map = ImageD(width_, height_, channels_, 0.0);
    if (cache_.format() == CacheFormat::float32) {
      stack_blocks<float>(block_plan, stacked);
    } else {
      stack_blocks<std::uint16_t>(block_plan, stacked);
    }
    return stacked;
  }

  void record(Provenance& provenance) const override {
    const std::string parameters = parameters_text(combine_, settings_.rejection);
    if (!parameters.empty()) provenance.set("STACKPAR", parameters, "parameters of the stacking method");
    if (weighting_.normalization() != FrameNormalization::none)
      provenance.set("FRMNORM", to_string(weighting_.normalization()), "frames normalized to the first");
    if (combine_ == Combine::mean && weighting_.weights() != FrameWeights::equal)
      provenance.set("WEIGHTS", to_string(weighting_.weights()), "frame weights of the mean");
    provenance.set("CACHEFMT", to_string(cache_.format()),
                   cache_.format() == CacheFormat::uint16 ? "frames cached as 16-bit codes (see README)"
                                                          : "frames cached as 32-bit floats, as decoded");
    if (combine_ == Combine::median) return;
    const double values = static_cast<double>(frames_) * static_cast<double>(width_) *
                          static_cast<double>(height_) * static_cast<double>(channels_);
    provenance.set("REJLOW", static_cast<std::int64_t>(rejected_low_), "values rejected as too low");
    provenance.set("REJHIGH", static_cast<std::int64_t>(rejected_high_), "values rejected as too high");
    provenance.set("REJLOWF", values > 0 ? static_cast<double>(rejected_low_) / values : 0.0,
                   "fraction of all values rejected as too low");
    provenance.set("REJHIGHF", values > 0 ? static_cast<double>(rejected_high_) / values : 0.0,
                   "fraction of all values rejected as too high");
  }

  void keep_cache_in(const std::filesystem::path& directory) override {
    cache_.keep_named(directory / "frames.cache");
  }
  // The rejection counters are counted by result(), so before it there are none to save.
  void save_state(StateWriter& writer) const override {
    writer.unsigned_integer(static_cast<std::uint64_t>(width_));
    writer.unsigned_integer(static_cast<std::uint64_t>(height_));
    writer.unsigned_integer(static_cast<std::uint64_t>(channels_));
    writer.unsigned_integer(frames_);
    weighting_.save_state(writer);
    cache_.save_state(writer);
  }
  void load_state(StateReader& reader) override {
    width_ = static_cast<int>(reader.unsigned_integer());
    height_ = static_cast<int>(reader.unsigned_integer());
    channels_ = static_cast<int>(reader.unsigned_integer());
    frames_ = reader.unsigned_integer();
    weighting_.load_state(reader);
    cache_.load_state(reader);
    if (cache_.frames() != frames_ || weighting_.frames() != frames_)
      reader.fail("disagrees with itself about the number of frames");
  }

  std::optional<std::pair<ImageD, ImageD>> take_rejection_maps() override {
    if (low_map_.empty()) return std::nullopt;
    return std::make_pair(std::move(low_map_), std::move(high_map_));
  }

  Coverage take_coverage() override { return std::move(coverage_); }

 private:
  BlockPlan plan(std::size_t frames) const {
    BlockPlanRequest request{.frames = frames,
                             .width = static_cast<std::uint64_t>(width_),
                             .height = static_cast<std::uint64_t>(height_),
                             .channels = static_cast<std::uint64_t>(channels_),
                             .cache_bytes_per_sample = bytes_per_sample(settings_.cache_format),
                             .output_bytes_per_sample = (settings_.keep_rejection_maps ? 24u : 8u) +
                                                        (settings_.keep_coverage_map ? 8u : 0u),
                             .threads = settings_.threads,
                             .memory_limit = settings_.memory_limit};
    try {
      return plan_blocks(request);
    } catch (const BlockPlanError& error) {
      throw ConfigError(
          {{settings_.memory_limit_location, "stack '" + settings_.stage_id + "': " + error.what()}});
    }
  }

  // Per channel, frame after frame: how a cached sample becomes a normalized value and its weight.
  struct FrameTerms {
    double multiply, add, weight;
    double offset, step;  // uint16 codes: value = offset + code * step
    bool has_non_finite_code;
  };

  template <class Sample>
  void stack_blocks(const BlockPlan& block_plan, ImageD& stacked) {
    std::vector<FrameTerms> terms(frames_ * static_cast<std::size_t>(channels_));
    for (int channel = 0; channel < channels_; ++channel) {
      for (std::size_t frame = 0; frame < frames_; ++frame) {
        const ChannelAdjustment& adjustment = weighting_.adjustment(frame, channel);
        FrameTerms& term = terms[static_cast<std::size_t>(channel) * frames_ + frame];
        term = {adjustment.multiply, adjustment.add, adjustment.weight, 0.0, 1.0, false};
        if constexpr (std::is_same_v<Sample, std::uint16_t>) {
          const Quantization& quantization = cache_.quantization(frame, channel);
          term.offset = quantization.offset;
          term.step = quantization.step;
          term.has_non_finite_code = quantization.has_non_finite_code;
        }
      }
    }
    const auto rows_per_block = static_cast<int>(block_plan.rows_per_block);
    const std::size_t row_samples = static_cast<std::size_t>(width_);
    const std::size_t frame_block_samples =
        row_samples * static_cast<std::size_t>(channels_) * rows_per_block;
    std::unique_ptr<Sample[]> block(new Sample[frame_block_samples * frames_]);
    std::vector<PixelCombiner> combiners;
    for (unsigned worker = 0; worker < settings_.threads; ++worker)
      combiners.emplace_back(combine_, settings_.rejection, frames_);
    std::vector<std::uint64_t> low(settings_.threads, 0), high(settings_.threads, 0),
        blank(settings_.threads, 0);

    for (int first_row = 0; first_row < height_; first_row += rows_per_block) {
      throw_if_interrupted();
      const int rows = std::min(rows_per_block, height_ - first_row);
      const std::size_t frame_samples = row_samples * static_cast<std::size_t>(channels_) * rows;
      parallel_for(frames_, settings_.threads, [&](std::size_t frame, unsigned) {
        std::span<Sample> destination(block.get() + frame * frame_samples, frame_samples);
        cache_.read_rows(frame, first_row, rows, std::as_writable_bytes(destination));
      });
      if (first_row + rows < height_) {  // the disk reads the next block while this one is computed
        const int next_rows = std::min(rows_per_block, height_ - first_row - rows);
        for (std::size_t frame = 0; frame < frames_; ++frame)
          cache_.prefetch_rows(frame, first_row + rows, next_rows);
      }
      const std::size_t tasks = static_cast<std::size_t>(channels_) * rows;
      parallel_for(tasks, settings_.threads, [&](std::size_t task, unsigned worker) {
        const int channel = static_cast<int>(task / rows), row = static_cast<int>(task % rows);
        const Sample* row_start =
            block.get() + (static_cast<std::size_t>(channel) * rows + row) * row_samples;
        const FrameTerms* channel_terms = terms.data() + static_cast<std::size_t>(channel) * frames_;
        PixelCombiner& combiner = combiners[worker];
        auto values = combiner.values();
        auto weights = combiner.weights();
        std::uint64_t row_low = 0, row_high = 0, row_blank = 0;
        for (int column = 0; column < width_; ++column) {
          std::size_t count = 0;
          for (std::size_t frame = 0; frame < frames_; ++frame) {
            const FrameTerms& term = channel_terms[frame];
            const Sample sample = row_start[frame * frame_samples + column];
            double value;
            if constexpr (std::is_same_v<Sample, float>) {
              value = static_cast<double>(sample);
            } else {
              value = term.has_non_finite_code && sample == Quantization::non_finite_code
                          ? std::numeric_limits<double>::quiet_NaN()
                          : term.offset + sample * term.step;
            }
            if (is_missing(value)) continue;
            values[count] = term.multiply * value + term.add;
            weights[count] = term.weight;
            ++count;
          }
          if (count == 0) ++row_blank;
          if (!coverage_.map.empty())
            coverage_.map.at(channel, first_row + row, column) = static_cast<double>(count);
          const PixelResult result = combiner.combine(count);
          stacked.at(channel, first_row + row, column) = result.value;
          row_low += result.low;
          row_high += result.high;
          if (!low_map_.empty()) {
            low_map_.at(channel, first_row + row, column) = result.low;
            high_map_.at(channel, first_row + row, column) = result.high;
          }
        }
        low[worker] += row_low;
        high[worker] += row_high;
        blank[worker] += row_blank;
      });
    }
    for (unsigned worker = 0; worker < settings_.threads; ++worker) {
      rejected_low_ += low[worker];
      rejected_high_ += high[worker];
      coverage_.blank_samples += blank[worker];
    }
  }

  StackSettings settings_;
  Combine combine_;
  FrameWeighting weighting_;
  FrameCache cache_;
  int width_ = 0, height_ = 0, channels_ = 0;
  std::size_t frames_ = 0;
  std::uint64_t rejected_low_ = 0, rejected_high_ = 0;
  ImageD low_map_, high_map_;
  Coverage coverage_;  // counted by result()
};

}  // namespace

std::unique_ptr<StackMethod> make_block_stack(const StackSettings& settings, Combine combine,
                                              Rejection rejection) {
  return std::make_unique<BlockStack>(settings, combine, rejection);
}

}  // namespace nightstack
