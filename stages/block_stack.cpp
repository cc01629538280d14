// Cache on accept, then per block: read the block's rows of every frame (on every thread), and
// combine its pixels (on every thread, a row of one channel at a time). Each pixel is computed from
// its own values alone, so the result does not depend on the thread count or the block size.
#include "stages/block_stack.hpp"

#include <cmath>
#include <limits>

#include "pipeline/interrupt.hpp"
#include "stages/block_combine.hpp"
#include "stages/block_planner.hpp"
#include "stages/parallel_for.hpp"
#include "stages/stack_checkpoint.hpp"

namespace nightstack {

namespace {

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
    check_min_max_frames(combine_, settings_.rejection, frames_, settings_.stage_id);
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
    // The same card whichever pass ran, when every value was kept exactly (shards and one process
    // write the same header).
    provenance.set("CACHEFMT", cache_.format() == CacheFormat::uint16 ? "uint16" : "exact",
                   cache_.format() == CacheFormat::uint16 ? "frames cached as 16-bit codes (docs/stacking.md)"
                                                          : "every value kept exactly (docs/stacking.md)");
    const double values = static_cast<double>(frames_) * static_cast<double>(width_) *
                          static_cast<double>(height_) * static_cast<double>(channels_);
    record_block_stack(provenance, combine_, settings_.rejection, weighting_, rejected_low_, rejected_high_,
                       values);
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

  void set_progress(Progress* progress) override { progress_ = progress; }

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

  // Per channel, frame after frame: how a 16-bit code of the cache becomes a value.
  struct CodeTerms {
    double offset, step;
    bool has_non_finite_code;
  };

  template <class Sample>
  void stack_blocks(const BlockPlan& block_plan, ImageD& stacked) {
    constexpr int progress_rows = 32;
    const std::vector<FrameTerms> terms = frame_terms(weighting_, frames_, channels_);
    std::vector<CodeTerms> codes(frames_ * static_cast<std::size_t>(channels_));
    if constexpr (std::is_same_v<Sample, std::uint16_t>) {
      for (int channel = 0; channel < channels_; ++channel) {
        for (std::size_t frame = 0; frame < frames_; ++frame) {
          const Quantization& quantization = cache_.quantization(frame, channel);
          codes[static_cast<std::size_t>(channel) * frames_ + frame] = {
              quantization.offset, quantization.step, quantization.has_non_finite_code};
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
    std::vector<RowTotals> totals(settings_.threads);
    const CombineTargets targets{stacked, low_map_.empty() ? nullptr : &low_map_,
                                 high_map_.empty() ? nullptr : &high_map_,
                                 coverage_.map.empty() ? nullptr : &coverage_.map};

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
      // A few rows at a time, so that progress and Ctrl-C are seen while a large block is combined.
      for (int chunk_first = 0; chunk_first < rows; chunk_first += progress_rows) {
        throw_if_interrupted();
        const int chunk_rows = std::min(progress_rows, rows - chunk_first);
        const std::size_t tasks = static_cast<std::size_t>(channels_) * chunk_rows;
        parallel_for(tasks, settings_.threads, [&](std::size_t task, unsigned worker) {
          const int channel = static_cast<int>(task / chunk_rows);
          const int row = chunk_first + static_cast<int>(task % chunk_rows);
          const Sample* row_start =
              block.get() + (static_cast<std::size_t>(channel) * rows + row) * row_samples;
          const std::size_t first_term = static_cast<std::size_t>(channel) * frames_;
          const CodeTerms* channel_codes = codes.data() + first_term;
          const RowTotals row_totals = combine_row(
              combiners[worker], terms.data() + first_term, frames_, width_, channel, first_row + row,
              targets, [&](std::size_t frame, int column) {
                const Sample sample = row_start[frame * frame_samples + static_cast<std::size_t>(column)];
                if constexpr (std::is_same_v<Sample, float>) {
                  return static_cast<double>(sample);
                } else {
                  const CodeTerms& code = channel_codes[frame];
                  return code.has_non_finite_code && sample == Quantization::non_finite_code
                             ? std::numeric_limits<double>::quiet_NaN()
                             : code.offset + sample * code.step;
                }
              });
          totals[worker].low += row_totals.low;
          totals[worker].high += row_totals.high;
          totals[worker].blank += row_totals.blank;
        });
        if (progress_) progress_->update(static_cast<std::size_t>(first_row + chunk_first + chunk_rows));
      }
    }
    for (const RowTotals& worker : totals) {
      rejected_low_ += worker.low;
      rejected_high_ += worker.high;
      coverage_.blank_samples += worker.blank;
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
  Progress* progress_ = nullptr;
};

}  // namespace

std::unique_ptr<StackMethod> make_block_stack(const StackSettings& settings, Combine combine,
                                              Rejection rejection) {
  return std::make_unique<BlockStack>(settings, combine, rejection);
}

}  // namespace nightstack
