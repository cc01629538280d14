// The decode pool and its ordered hand-off to the reducers.
#include "pipeline/frame_pass.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"
#include "pipeline/interrupt.hpp"

namespace nightstack {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Kind>
Kind& stage_as(GraphNode& node) {
  return dynamic_cast<Kind&>(*node.stage);
}

std::string describe_shape(const ImageF& pixels) {
  return std::to_string(pixels.width()) + "x" + std::to_string(pixels.height()) + " with " +
         std::to_string(pixels.channels()) + (pixels.channels() == 1 ? " channel" : " channels");
}

unsigned worker_count(unsigned threads, std::size_t frames) {
  return std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(frames)));
}

class FramePassRunner {
 public:
  FramePassRunner(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                  Progress& progress, std::vector<FrameRecord>& records, std::vector<double>& node_seconds)
      : graph_(graph),
        pass_(pass),
        source_(stage_as<FrameSource>(graph.nodes[pass.source])),
        indices_(indices),
        progress_(progress),
        records_(records),
        node_seconds_(node_seconds),
        next_position_(pass.first_position),
        next_turn_(pass.first_position) {}

  std::size_t run(unsigned threads, Log& log) {
    log_ = &log;
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < worker_count(threads, indices_.size() - pass_.first_position); ++t)
      workers.emplace_back([this] { work(); });
    for (auto& worker : workers) worker.join();
    if (first_error_) std::rethrow_exception(first_error_);
    // A resumed pass may find nothing left to decode; the checkpointed frames count then.
    if (accepted_ == 0 && pass_.first_position == 0 && !indices_.empty()) {
      throw InputError(source_.frame_path(indices_.front()),
                       "no frame could be used: on_error: skip left out every one of the " +
                           std::to_string(indices_.size()) + " frames (see the warnings above)",
                       std::nullopt, source_.id());
    }
    return accepted_;
  }

 private:
  void work() {
    std::vector<std::optional<Frame>> slots(graph_.nodes.size());
    std::vector<double> seconds(graph_.nodes.size(), 0.0);
    while (true) {
      std::size_t position = next_position_.fetch_add(1);
      if (position >= indices_.size() || failed_.load()) break;
      std::exception_ptr error = decode_and_transform(position, slots, seconds);
      std::unique_lock lock(turn_mutex_);
      turn_changed_.wait(lock, [&] { return next_turn_ == position || failed_.load(); });
      if (failed_.load()) break;
      if (!error) error = check_shape(position, *slots[pass_.source]);
      if (error && pass_.bad_frames == BadFramePolicy::skip) {
        // In position order, under the turn lock: the same frames are skipped, warned about and
        // recorded in the same order whatever the thread count.
        if (auto skippable = skippable_error(error)) {
          const std::size_t index = indices_[position];
          record_skipped_frame(records_[index], index, *skippable, source_.id(), *log_);
          error = nullptr;
          for (auto& slot : slots) slot.reset();
        }
      }
      if (!error && slots[pass_.source]) error = hand_to_reducers(position, slots, seconds);
      if (error) {
        first_error_ = error;
        failed_.store(true);
      }
      ++next_turn_;
      progress_.update(next_turn_);
      lock.unlock();
      turn_changed_.notify_all();
      for (auto& slot : slots) {
        if (slot) recycle_frame_pixels(slot->pixels);  // the next frame's reader reuses the pages
        slot.reset();
      }
    }
    std::lock_guard lock(turn_mutex_);
    for (std::size_t node = 0; node < seconds.size(); ++node) node_seconds_[node] += seconds[node];
  }

  std::exception_ptr decode_and_transform(std::size_t position, std::vector<std::optional<Frame>>& slots,
                                          std::vector<double>& seconds) {
    const std::size_t index = indices_[position];
    try {
      throw_if_interrupted();
      auto start = Clock::now();
      if (pass_.row_cut) {
        slots[pass_.source] = read_row_band(position);
      } else {
        slots[pass_.source] = source_.read_frame(index);
        if (records_[index].statistics.mean.empty())
          records_[index].statistics = measure_frame(*slots[pass_.source]);
      }
      seconds[pass_.source] += seconds_since(start);
      for (std::size_t transform : pass_.transforms) run_transform(transform, slots, seconds);
      return nullptr;
    } catch (...) {
      return with_frame_context(index, source_.id());
    }
  }

  // A shard of rows: its band of the frame, the whole frame read and measured first when the report's
  // record of this frame is this shard's to make. The frame's full size must be that of the first.
  Frame read_row_band(std::size_t position) {
    const std::size_t index = indices_[position];
    const auto& cut = *pass_.row_cut;
    if (position >= cut.first_whole && position < cut.end_whole) {
      Frame whole = source_.read_frame(index);
      check_full_size(whole.info, whole.pixels.width(), whole.pixels.height());
      if (records_[index].statistics.mean.empty()) records_[index].statistics = measure_frame(whole);
      const auto [first_row, end_row] =
          row_band_bounds(cut.band, cut.bands, whole.pixels.height(), whole.info, source_.id());
      Frame band{copy_rows(whole.pixels, first_row, end_row), whole.info};
      recycle_frame_pixels(whole.pixels);
      return band;
    }
    std::unique_ptr<OpenFrame> frame = source_.open_frame(index);
    check_full_size(frame->info(), frame->shape().width, frame->shape().height);
    const auto [first_row, end_row] =
        row_band_bounds(cut.band, cut.bands, frame->shape().height, frame->info(), source_.id());
    return read_frame_rows(*frame, first_row, end_row);
  }

  // Cut frames of different sizes may cut to bands of one size: the full sizes are compared here.
  void check_full_size(const FrameInfo& info, int width, int height) {
    std::lock_guard lock(full_size_mutex_);
    if (!full_size_) {
      full_size_ = {width, height, info.path};
      return;
    }
    if (full_size_->width == width && full_size_->height == height) return;
    throw InputError(info.path,
                     "frame is " + std::to_string(width) + "x" + std::to_string(height) + ", but " +
                         full_size_->path.string() + " is " + std::to_string(full_size_->width) + "x" +
                         std::to_string(full_size_->height) +
                         "; all frames of a stack must have the same size",
                     info.index, source_.id());
  }

  void run_transform(std::size_t transform, std::vector<std::optional<Frame>>& slots,
                     std::vector<double>& seconds) {
    const auto start = Clock::now();
    std::size_t input = graph_.nodes[transform].inputs.front();
    Frame frame = pass_.mover[input] == transform ? std::move(*slots[input]) : *slots[input];
    Stage& stage = *graph_.nodes[transform].stage;
    if (auto* step = dynamic_cast<FrameSequenceStep*>(&stage)) {
      slots[transform] = step->step(std::move(frame));
    } else {
      slots[transform] = dynamic_cast<FrameTransform&>(stage).transform(std::move(frame));
    }
    seconds[transform] += seconds_since(start);
  }

  // Called in position order, one frame at a time.
  std::exception_ptr hand_to_reducers(std::size_t position, std::vector<std::optional<Frame>>& slots,
                                      std::vector<double>& seconds) {
    try {
      for (std::size_t transform : pass_.ordered_transforms) run_transform(transform, slots, seconds);
      ++accepted_;
      for (std::size_t r = 0; r < pass_.reducers.size(); ++r) {
        if (r < pass_.held.size() && position < pass_.held[r]) continue;  // in its checkpoint already
        const std::size_t reducer = pass_.reducers[r];
        auto start = Clock::now();
        const Frame& frame = *slots[graph_.nodes[reducer].inputs.front()];
        stage_as<FrameReducer>(graph_.nodes[reducer]).accept(frame);
        seconds[reducer] += seconds_since(start);
      }
      return nullptr;
    } catch (...) {
      return std::current_exception();
    }
  }

  // The first frame the reducers take sets the shape; a skipped frame never does.
  std::exception_ptr check_shape(std::size_t position, const Frame& frame) {
    const ImageF& pixels = frame.pixels;
    Shape shape{pixels.width(), pixels.height(), pixels.channels()};
    if (!first_shape_) {
      first_shape_ = shape;
      first_shape_text_ = describe_shape(pixels);
      first_shape_path_ = source_.frame_path(indices_[position]);
      return nullptr;
    }
    if (shape == *first_shape_) return nullptr;
    const std::size_t index = indices_[position];
    return std::make_exception_ptr(InputError(
        source_.frame_path(index),
        "frame is " + describe_shape(pixels) + ", but the first frame " + first_shape_path_.string() +
            " is " + first_shape_text_ + "; all frames of a stack must have the same size and channels",
        index, source_.id()));
  }

  struct Shape {
    int width = 0, height = 0, channels = 0;
    bool operator==(const Shape&) const = default;
  };

  Graph& graph_;
  const FramePass& pass_;
  FrameSource& source_;
  const std::vector<std::size_t>& indices_;
  Progress& progress_;
  std::vector<FrameRecord>& records_;  // each element written by the one worker holding that frame
  std::vector<double>& node_seconds_;  // guarded by turn_mutex_

  std::atomic<std::size_t> next_position_;
  std::atomic<bool> failed_{false};
  std::mutex turn_mutex_;
  std::condition_variable turn_changed_;
  std::size_t next_turn_;           // guarded by turn_mutex_
  std::exception_ptr first_error_;  // guarded by turn_mutex_
  // Guarded by turn_mutex_ (touched only in turn):
  std::optional<Shape> first_shape_;
  std::string first_shape_text_;
  std::filesystem::path first_shape_path_;
  std::size_t accepted_ = 0;
  Log* log_ = nullptr;
  struct FullSize {
    int width = 0, height = 0;
    std::filesystem::path path;
  };
  std::mutex full_size_mutex_;
  std::optional<FullSize> full_size_;  // of the first frame a shard of rows opened
};

}  // namespace

FramePass plan_frame_pass(const Graph& graph, std::size_t source) {
  FramePass pass;
  pass.source = source;
  pass.bad_frames = dynamic_cast<const FrameSource&>(*graph.nodes[source].stage).bad_frame_policy();
  pass.mover.resize(graph.nodes.size());
  std::vector<bool> in_pass(graph.nodes.size(), false), ordered(graph.nodes.size(), false);
  in_pass[source] = true;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const auto& node = graph.nodes[n];
    if (node.inputs.size() != 1 || !in_pass[node.inputs.front()]) continue;
    const bool sequence_step = dynamic_cast<FrameSequenceStep*>(node.stage.get()) != nullptr;
    if (dynamic_cast<FrameTransform*>(node.stage.get()) || sequence_step) {
      in_pass[n] = true;
      ordered[n] = sequence_step || ordered[node.inputs.front()];
      (ordered[n] ? pass.ordered_transforms : pass.transforms).push_back(n);
      if (!ordered[n] && dynamic_cast<PreparedTransform*>(node.stage.get())) pass.prepared.push_back(n);
    } else if (dynamic_cast<FrameReducer*>(node.stage.get())) {
      pass.reducers.push_back(n);
    }
  }
  for (std::size_t producer = 0; producer < graph.nodes.size(); ++producer) {
    if (!in_pass[producer]) continue;
    bool read_by_reducer = false;
    std::optional<std::size_t> last_transform;
    for (std::size_t consumer : graph.nodes[producer].consumers) {
      if (dynamic_cast<FrameReducer*>(graph.nodes[consumer].stage.get())) read_by_reducer = true;
      if (dynamic_cast<FrameTransform*>(graph.nodes[consumer].stage.get()) ||
          dynamic_cast<FrameSequenceStep*>(graph.nodes[consumer].stage.get())) {
        // Sequence steps run after the parallel transforms, whatever their place in the graph.
        auto run_order = [&](std::size_t node) { return ordered[node] ? graph.nodes.size() + node : node; };
        if (!last_transform || run_order(consumer) > run_order(*last_transform)) last_transform = consumer;
      }
    }
    if (!read_by_reducer) pass.mover[producer] = last_transform;
  }
  return pass;
}

std::size_t run_frame_pass(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                           unsigned threads, Progress& progress, std::vector<FrameRecord>& records,
                           std::vector<double>& node_seconds, Log& log) {
  return FramePassRunner(graph, pass, indices, progress, records, node_seconds).run(threads, log);
}

std::exception_ptr with_frame_context(std::size_t index, const std::string& stage) {
  try {
    throw;
  } catch (const InputError& error) {
    return std::make_exception_ptr(InputError(error.path(), error.detail(), index, stage));
  } catch (...) {
    return std::current_exception();
  }
}

std::optional<InputError> skippable_error(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const InputError& input_error) {
    return input_error;
  } catch (...) {
    return std::nullopt;
  }
}

void record_skipped_frame(FrameRecord& record, std::size_t index, const InputError& error,
                          const std::string& source_id, Log& log) {
  record.used = false;
  record.failure = error.detail();
  warn_skipped_frame(record, index, source_id, log);
}

void warn_skipped_frame(const FrameRecord& record, std::size_t index, const std::string& source_id,
                        Log& log) {
  log.warn("skipping frame " + std::to_string(index) + " of stage '" + source_id + "', " +
           record.path.string() + ": " + record.failure + " (on_error: skip)");
}

void prepare_transforms(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                        unsigned threads, ProgressStyle progress_style, std::ostream& progress_stream,
                        Log& log) {
  auto& source = stage_as<FrameSource>(graph.nodes[pass.source]);
  for (std::size_t prepared : pass.prepared) {
    // The transforms between the source and this one (all parallel, all prepared already).
    std::vector<std::size_t> chain;
    for (std::size_t node = graph.nodes[prepared].inputs.front(); node != pass.source;
         node = graph.nodes[node].inputs.front())
      chain.insert(chain.begin(), node);
    auto& transform = stage_as<PreparedTransform>(graph.nodes[prepared]);
    Progress progress(progress_stream, progress_style, transform.id() + " (first pass)", indices.size());
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::size_t done = 0;
    std::optional<std::size_t> failed_position;
    std::exception_ptr failure;
    auto work = [&] {
      while (true) {
        const std::size_t position = next.fetch_add(1);
        if (position >= indices.size()) break;
        try {
          throw_if_interrupted();
          if (!transform.observe_cached(indices[position], source.frame_path(indices[position]))) {
            Frame frame = source.read_frame(indices[position]);
            for (std::size_t node : chain)
              frame = stage_as<FrameTransform>(graph.nodes[node]).transform(std::move(frame));
            transform.observe(frame);
            recycle_frame_pixels(frame.pixels);
          }
        } catch (...) {
          auto error = with_frame_context(indices[position], source.id());
          const bool skippable = pass.bad_frames == BadFramePolicy::skip && skippable_error(error);
          std::lock_guard lock(mutex);
          if (!skippable && (!failed_position || position < *failed_position)) {
            failed_position = position;
            failure = error;
          }
        }
        std::lock_guard lock(mutex);
        if (failure) break;
        progress.update(++done);
      }
    };
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < worker_count(threads, indices.size()); ++t) workers.emplace_back(work);
    for (auto& worker : workers) worker.join();
    if (failure) std::rethrow_exception(failure);
    progress.finish();
    transform.conclude(log);
  }
}

void measure_frames(FrameSource& source, unsigned threads, Progress& progress,
                    std::vector<FrameRecord>& records, double& seconds, BadFramePolicy bad_frames) {
  std::atomic<std::size_t> next_index{0}, done{0};
  std::mutex mutex;
  std::optional<std::size_t> failed_index;
  std::exception_ptr failure;
  auto work = [&] {
    double own_seconds = 0;
    while (true) {
      std::size_t index = next_index.fetch_add(1);
      if (index >= records.size()) break;
      {
        std::lock_guard lock(mutex);
        if (failed_index && *failed_index < index) break;
      }
      try {
        throw_if_interrupted();
        auto start = Clock::now();
        Frame frame = source.read_frame(index);
        records[index].statistics = measure_frame(frame);
        recycle_frame_pixels(frame.pixels);
        own_seconds += seconds_since(start);
      } catch (...) {
        std::lock_guard lock(mutex);
        auto context = with_frame_context(index, source.id());
        if (bad_frames == BadFramePolicy::skip) {
          if (auto skippable = skippable_error(context)) {
            records[index].used = false;
            records[index].failure = skippable->detail();
            progress.update(++done);
            continue;
          }
        }
        if (!failed_index || index < *failed_index) {
          failed_index = index;
          failure = context;
        }
        break;
      }
      std::lock_guard lock(mutex);
      progress.update(++done);
    }
    std::lock_guard lock(mutex);
    seconds += own_seconds;
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < worker_count(threads, records.size()); ++t) workers.emplace_back(work);
  for (auto& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace nightstack
