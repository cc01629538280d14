#include "stages/band_block_stack.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "pipeline/errors.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/memory_info.hpp"
#include "stages/block_combine.hpp"
#include "stages/block_planner.hpp"
#include "stages/parallel_for.hpp"
#include "stages/sorted_clip.hpp"

namespace nightstack {

// One worker's frames: their bands go straight into the shared store (each frame to its own slot, so
// workers never write the same bytes); the partial itself only lists the frames it completed.
class BandBlockStack::Partial : public BandPartial {
 public:
  Partial(FrameStore& store, const ValueMap& map) : store_(store), map_(map) {}

  void start_frame(std::size_t position, const FrameInfo& info) override { current_ = {position, info}; }
  void add(const FrameBand& band) override {
    if (band.shape.type != SampleType::float32) {
      store_.write_rows(current_.slot, band.first_row, band.rows, band.samples);
      return;
    }
    // Float frames are kept mapped, so the combine reads values, as for codes it reads the table.
    mapped_.assign(band.as<float>(), band.as<float>() + band.sample_count());
    map_.apply(mapped_);
    store_.write_rows(current_.slot, band.first_row, band.rows, mapped_.data());
  }
  void end_frame() override { frames_.push_back(current_); }
  void merge(const BandPartial& other) override {
    const auto& frames = dynamic_cast<const Partial&>(other).frames_;
    frames_.insert(frames_.end(), frames.begin(), frames.end());
  }
  // The frames themselves are the state: too large to save, and a shard of these methods is a band
  // of rows of every frame, not a subset of the frames.
  void save(StateWriter&) const override {
    throw NightstackError(ErrorKind::internal, "median and rejection stacks keep no partial state to save");
  }
  void load(StateReader&) override {
    throw NightstackError(ErrorKind::internal, "median and rejection stacks keep no partial state to load");
  }

  const std::vector<TakenFrame>& frames() const { return frames_; }

 private:
  FrameStore& store_;
  const ValueMap& map_;
  TakenFrame current_{0, {}};
  std::vector<TakenFrame> frames_;
  std::vector<float> mapped_;
};

BandBlockStack::BandBlockStack(const StackSettings& settings, Combine combine, Rejection rejection)
    : settings_(settings),
      combine_(combine),
      weighting_(settings.normalization, settings.weights, settings.stage_id) {
  settings_.rejection.method = rejection;
}

void BandBlockStack::start(const StoredShape& shape, const ValueMap& map, std::size_t frames) {
  shape_ = shape;
  map_.emplace(map);
  const BlockPlanRequest request{.frames = frames,
                                 .width = static_cast<std::uint64_t>(shape.width),
                                 .height = static_cast<std::uint64_t>(shape.height),
                                 .channels = static_cast<std::uint64_t>(shape.channels),
                                 .cache_bytes_per_sample = sample_size(shape.type),
                                 .output_bytes_per_sample = (settings_.keep_rejection_maps ? 24u : 8u) +
                                                            (settings_.keep_coverage_map ? 8u : 0u),
                                 .threads = settings_.threads,
                                 .memory_limit = settings_.memory_limit};
  StorePlace place = StorePlace::memory;
  rows_per_block_ = static_cast<std::uint64_t>(shape.height);
  if (planned_working_set(request, rows_per_block_) > settings_.memory_limit) {
    place = StorePlace::disk;
    try {
      rows_per_block_ = plan_blocks(request).rows_per_block;
    } catch (const BlockPlanError& error) {
      throw ConfigError(
          {{settings_.memory_limit_location, "stack '" + settings_.stage_id + "': " + error.what()}});
    }
  }
  store_ = std::make_unique<FrameStore>(
      shape, frames, place,
      settings_.cache_directory.empty() ? default_cache_directory() : settings_.cache_directory,
      settings_.stage_id);
}

std::unique_ptr<BandPartial> BandBlockStack::make_partial() const {
  return std::make_unique<Partial>(*store_, *map_);
}

std::vector<BandBlockStack::TakenFrame> BandBlockStack::frames_in_order(const BandPartial& total) const {
  std::vector<TakenFrame> frames = dynamic_cast<const Partial&>(total).frames();
  std::sort(frames.begin(), frames.end(),
            [](const TakenFrame& a, const TakenFrame& b) { return a.info.index < b.info.index; });
  return frames;
}

// As the whole-frame stack weighs frames: in index order, from each frame's values as floats.
void BandBlockStack::weigh(const std::vector<TakenFrame>& frames) {
  // Without statistics to measure, the weighting reads only the channel count.
  ImageF pixels = weighting_.needs_statistics() ? ImageF(shape_.width, shape_.height, shape_.channels, 0.0f)
                                                : ImageF(0, 0, shape_.channels, 0.0f);
  std::vector<std::byte> buffer(weighting_.needs_statistics() ? store_->row_bytes() : 0);
  const std::size_t row_samples = shape_.row_samples();
  for (const TakenFrame& frame : frames) {
    throw_if_interrupted();
    if (weighting_.needs_statistics()) {
      for (int row = 0; row < shape_.height; ++row) {
        const std::byte* stored = store_->rows(frame.slot, row, 1, buffer.data());
        for (std::size_t sample = 0; sample < row_samples; ++sample) {
          const int channel = static_cast<int>(sample % static_cast<std::size_t>(shape_.channels));
          const int column = static_cast<int>(sample / static_cast<std::size_t>(shape_.channels));
          float value;
          switch (shape_.type) {
            case SampleType::uint8:
              value = map_->table()[reinterpret_cast<const std::uint8_t*>(stored)[sample]];
              break;
            case SampleType::uint16:
              value = map_->table()[reinterpret_cast<const std::uint16_t*>(stored)[sample]];
              break;
            case SampleType::float32:
            default:
              value = reinterpret_cast<const float*>(stored)[sample];
              break;
          }
          pixels.at(channel, row, column) = value;
        }
      }
    }
    weighting_.add(pixels, frame.info);
  }
}

ImageD BandBlockStack::result(const BandPartial& total, Progress* progress) {
  const std::vector<TakenFrame> frames = frames_in_order(total);
  frames_ = frames.size();
  check_min_max_frames(combine_, settings_.rejection, frames_, settings_.stage_id);
  weigh(frames);
  if (shape_.type != SampleType::float32) {
    table_.assign(map_->table().begin(), map_->table().end());
    network_.emplace(frames_);
  }
  ImageD stacked(shape_.width, shape_.height, shape_.channels, 0.0);
  if (settings_.keep_rejection_maps) {
    low_map_ = ImageD(shape_.width, shape_.height, shape_.channels, 0.0);
    high_map_ = ImageD(shape_.width, shape_.height, shape_.channels, 0.0);
  }
  if (settings_.keep_coverage_map) coverage_.map = ImageD(shape_.width, shape_.height, shape_.channels, 0.0);
  switch (shape_.type) {
    case SampleType::uint8:
      combine_rows<std::uint8_t>(frames, stacked, progress);
      break;
    case SampleType::uint16:
      combine_rows<std::uint16_t>(frames, stacked, progress);
      break;
    case SampleType::float32:
      combine_rows<float>(frames, stacked, progress);
      break;
  }
  return stacked;
}

// Block after block of rows (one block when the frames are in memory): the rows of every frame, then
// each row of each channel on any thread.
template <class Sample>
void BandBlockStack::combine_rows(const std::vector<TakenFrame>& frames, ImageD& stacked,
                                  Progress* progress) {
  constexpr int progress_rows = 32;
  const std::vector<FrameTerms> terms = frame_terms(weighting_, frames_, shape_.channels);
  const bool sort_codes = sorts_codes(terms);
  const float* table = map_->table().empty() ? nullptr : map_->table().data();
  const bool on_disk = store_->place() == StorePlace::disk;
  const auto rows_per_block = static_cast<int>(rows_per_block_);
  const std::uint64_t frame_block_bytes = store_->row_bytes() * rows_per_block_;
  std::unique_ptr<std::byte[]> block(on_disk ? new std::byte[frame_block_bytes * frames_] : nullptr);
  std::vector<const std::byte*> frame_rows(frames_);
  std::vector<PixelCombiner> combiners;
  std::vector<std::vector<const Sample*>> worker_rows(settings_.threads, std::vector<const Sample*>(frames_));
  for (unsigned worker = 0; worker < settings_.threads; ++worker)
    combiners.emplace_back(combine_, settings_.rejection, frames_);
  std::vector<RowTotals> totals(settings_.threads);
  std::vector<LaneScratch> lane_scratch(sort_codes ? settings_.threads : 0);
  const CombineTargets targets{stacked, low_map_.empty() ? nullptr : &low_map_,
                               high_map_.empty() ? nullptr : &high_map_,
                               coverage_.map.empty() ? nullptr : &coverage_.map};
  const auto channels = static_cast<std::size_t>(shape_.channels);

  for (int first_row = 0; first_row < shape_.height; first_row += rows_per_block) {
    throw_if_interrupted();
    const int rows = std::min(rows_per_block, shape_.height - first_row);
    parallel_for(frames_, on_disk ? settings_.threads : 1u, [&](std::size_t frame, unsigned) {
      frame_rows[frame] = store_->rows(frames[frame].slot, first_row, rows,
                                       on_disk ? block.get() + frame * frame_block_bytes : nullptr);
    });
    if (on_disk && first_row + rows < shape_.height) {  // the next block is read while this one is combined
      const int next_rows = std::min(rows_per_block, shape_.height - first_row - rows);
      for (const TakenFrame& frame : frames) store_->prefetch(frame.slot, first_row + rows, next_rows);
    }
    // A few rows at a time, so that progress and Ctrl-C are seen while a large block is combined.
    for (int chunk_first = 0; chunk_first < rows; chunk_first += progress_rows) {
      throw_if_interrupted();
      const int chunk_rows = std::min(progress_rows, rows - chunk_first);
      bool combined = false;
      if constexpr (!std::is_same_v<Sample, float>) {
        if (sort_codes) {
          parallel_for(static_cast<std::size_t>(chunk_rows), settings_.threads,
                       [&](std::size_t task, unsigned worker) {
                         const std::size_t row = static_cast<std::size_t>(chunk_first) + task;
                         std::vector<const Sample*>& row_starts = worker_rows[worker];
                         for (std::size_t frame = 0; frame < frames_; ++frame)
                           row_starts[frame] =
                               reinterpret_cast<const Sample*>(frame_rows[frame] + row * store_->row_bytes());
                         const RowTotals row_totals = combine_sorted_codes(
                             row_starts, first_row + static_cast<int>(row), targets, lane_scratch[worker]);
                         totals[worker].low += row_totals.low;
                         totals[worker].high += row_totals.high;
                       });
          combined = true;
        }
      }
      if (!combined) {
        const std::size_t tasks = channels * static_cast<std::size_t>(chunk_rows);
        parallel_for(tasks, settings_.threads, [&](std::size_t task, unsigned worker) {
          const int channel = static_cast<int>(task / static_cast<std::size_t>(chunk_rows));
          const int row = chunk_first + static_cast<int>(task % static_cast<std::size_t>(chunk_rows));
          std::vector<const Sample*>& row_starts = worker_rows[worker];
          for (std::size_t frame = 0; frame < frames_; ++frame) {
            row_starts[frame] =
                reinterpret_cast<const Sample*>(frame_rows[frame] +
                                                static_cast<std::uint64_t>(row) * store_->row_bytes()) +
                channel;
          }
          const RowTotals row_totals = combine_row(
              combiners[worker], terms.data() + static_cast<std::size_t>(channel) * frames_, frames_,
              shape_.width, channel, first_row + row, targets, [&](std::size_t frame, int column) {
                const Sample sample = row_starts[frame][static_cast<std::size_t>(column) * channels];
                if constexpr (std::is_same_v<Sample, float>) {
                  return static_cast<double>(sample);
                } else {
                  return static_cast<double>(table[sample]);
                }
              });
          totals[worker].low += row_totals.low;
          totals[worker].high += row_totals.high;
          totals[worker].blank += row_totals.blank;
        });
      }
      if (progress) progress->update(static_cast<std::size_t>(first_row + chunk_first + chunk_rows));
    }
  }
  for (const RowTotals& worker : totals) {
    rejected_low_ += worker.low;
    rejected_high_ += worker.high;
    coverage_.blank_samples += worker.blank;
  }
}

bool BandBlockStack::sorts_codes(const std::vector<FrameTerms>& terms) const {
  const bool method = combine_ == Combine::median || settings_.rejection.method == Rejection::sigma_clip;
  if (!method || shape_.type == SampleType::float32 || frames_ == 0) return false;
  for (const FrameTerms& term : terms)
    if (term.multiply != 1.0 || term.add != 0.0 || term.weight != 1.0) return false;
  for (float value : map_->table())
    if (!std::isfinite(value)) return false;
  return true;
}

// Samples side by side in the row (channels interleaved): lane l of a group is sample base + l, the
// same lane of every frame's codes, so one network sorts each sample's values.
template <class Sample>
RowTotals BandBlockStack::combine_sorted_codes(const std::vector<const Sample*>& row_starts, int row,
                                               const CombineTargets& targets, LaneScratch& scratch) const {
  constexpr std::size_t lanes = 32 / sizeof(Sample);  // two SSE registers of codes
  std::vector<Sample>& codes = [&]() -> std::vector<Sample>& {
    if constexpr (std::is_same_v<Sample, std::uint8_t>) {
      return scratch.codes8;
    } else {
      return scratch.codes16;
    }
  }();
  codes.resize(frames_ * lanes);
  scratch.values.resize(frames_);
  double* values = scratch.values.data();
  const std::size_t row_samples = shape_.row_samples();
  const auto channels = static_cast<std::size_t>(shape_.channels);
  RowTotals totals;
  for (std::size_t base = 0; base < row_samples; base += lanes) {
    const std::size_t used = std::min(lanes, row_samples - base);
    for (std::size_t frame = 0; frame < frames_; ++frame) {
      Sample* destination = codes.data() + frame * lanes;
      std::copy_n(row_starts[frame] + base, used, destination);
      std::fill(destination + used, destination + lanes, Sample{0});
    }
    network_->sort<lanes>(codes.data());
    for (std::size_t lane = 0; lane < used; ++lane) {
      for (std::size_t frame = 0; frame < frames_; ++frame)
        values[frame] = table_[codes[frame * lanes + lane]];
      const std::span<const double> sorted(values, frames_);
      const std::size_t sample = base + lane;
      const int channel = static_cast<int>(sample % channels), column = static_cast<int>(sample / channels);
      double result;
      std::size_t first = 0, last = frames_;
      if (combine_ == Combine::median) {
        result = median_of_sorted(sorted);
      } else {
        const SortedClip clip = sigma_clip_sorted(sorted, settings_.rejection);
        first = clip.first;
        last = clip.last;
        result = kept_mean(sorted, nullptr, first, last);
        totals.low += first;
        totals.high += frames_ - last;
      }
      targets.stacked.at(channel, row, column) = result;
      if (targets.coverage_map) targets.coverage_map->at(channel, row, column) = static_cast<double>(frames_);
      if (targets.low_map) {
        targets.low_map->at(channel, row, column) = static_cast<double>(first);
        targets.high_map->at(channel, row, column) = static_cast<double>(frames_ - last);
      }
    }
  }
  return totals;
}

std::string BandBlockStack::kept_as() const {
  return to_string(shape_.type) + (store_->place() == StorePlace::memory ? " in memory" : " on disk") + " (" +
         format_byte_size(store_->frame_bytes() * frames_) + ")";
}

void BandBlockStack::record(Provenance& provenance) const {
  provenance.set("CACHEFMT", std::string("exact"), "every value kept exactly (docs/stacking.md)");
  const double values = static_cast<double>(frames_) * static_cast<double>(shape_.row_samples()) *
                        static_cast<double>(shape_.height);
  record_block_stack(provenance, combine_, settings_.rejection, weighting_, rejected_low_, rejected_high_,
                     values);
}

std::optional<std::pair<ImageD, ImageD>> BandBlockStack::take_rejection_maps() {
  if (low_map_.empty()) return std::nullopt;
  return std::make_pair(std::move(low_map_), std::move(high_map_));
}

}  // namespace nightstack
