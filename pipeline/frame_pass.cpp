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

// Reader errors name the file; here they also get the frame index and the stage.
std::exception_ptr with_frame_context(std::size_t index, const std::string& stage) {
  try {
    throw;
  } catch (const InputError& error) {
    return std::make_exception_ptr(InputError(error.path(), error.detail(), index, stage));
  } catch (...) {
    return std::current_exception();
  }
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
        node_seconds_(node_seconds) {}

  void run(unsigned threads) {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < worker_count(threads, indices_.size()); ++t)
      workers.emplace_back([this] { work(); });
    for (auto& worker : workers) worker.join();
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  void work() {
    std::vector<std::optional<Frame>> slots(graph_.nodes.size());
    std::vector<double> seconds(graph_.nodes.size(), 0.0);
    while (true) {
      std::size_t position = next_position_.fetch_add(1);
      if (position >= indices_.size() || failed_.load()) break;
      std::exception_ptr error = decode_and_transform(indices_[position], slots, seconds);
      std::unique_lock lock(turn_mutex_);
      turn_changed_.wait(lock, [&] { return next_turn_ == position || failed_.load(); });
      if (failed_.load()) break;
      if (!error) error = hand_to_reducers(position, slots, seconds);
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

  std::exception_ptr decode_and_transform(std::size_t index, std::vector<std::optional<Frame>>& slots,
                                          std::vector<double>& seconds) {
    try {
      throw_if_interrupted();
      auto start = Clock::now();
      slots[pass_.source] = source_.read_frame(index);
      if (records_[index].statistics.mean.empty())
        records_[index].statistics = measure_frame(*slots[pass_.source]);
      seconds[pass_.source] += seconds_since(start);
      for (std::size_t transform : pass_.transforms) {
        start = Clock::now();
        std::size_t input = graph_.nodes[transform].inputs.front();
        Frame frame = pass_.mover[input] == transform ? std::move(*slots[input]) : *slots[input];
        slots[transform] = stage_as<FrameTransform>(graph_.nodes[transform]).transform(std::move(frame));
        seconds[transform] += seconds_since(start);
      }
      return nullptr;
    } catch (...) {
      return with_frame_context(index, source_.id());
    }
  }

  // Called in position order, one frame at a time.
  std::exception_ptr hand_to_reducers(std::size_t position, std::vector<std::optional<Frame>>& slots,
                                      std::vector<double>& seconds) {
    try {
      check_shape(position, slots[pass_.source]->pixels);
      for (std::size_t reducer : pass_.reducers) {
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

  void check_shape(std::size_t position, const ImageF& pixels) {
    Shape shape{pixels.width(), pixels.height(), pixels.channels()};
    if (position == 0) {
      first_shape_ = shape;
      first_shape_text_ = describe_shape(pixels);
      return;
    }
    if (shape == first_shape_) return;
    const std::size_t index = indices_[position];
    throw InputError(source_.frame_path(index),
                     "frame is " + describe_shape(pixels) + ", but the first frame " +
                         source_.frame_path(indices_.front()).string() + " is " + first_shape_text_ +
                         "; all frames of a stack must have the same size and channels",
                     index, source_.id());
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

  std::atomic<std::size_t> next_position_{0};
  std::atomic<bool> failed_{false};
  std::mutex turn_mutex_;
  std::condition_variable turn_changed_;
  std::size_t next_turn_ = 0;       // guarded by turn_mutex_
  std::exception_ptr first_error_;  // guarded by turn_mutex_
  Shape first_shape_;
  std::string first_shape_text_;
};

}  // namespace

FramePass plan_frame_pass(const Graph& graph, std::size_t source) {
  FramePass pass;
  pass.source = source;
  pass.mover.resize(graph.nodes.size());
  std::vector<bool> in_pass(graph.nodes.size(), false);
  in_pass[source] = true;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const auto& node = graph.nodes[n];
    if (node.inputs.size() != 1 || !in_pass[node.inputs.front()]) continue;
    if (dynamic_cast<FrameTransform*>(node.stage.get())) {
      in_pass[n] = true;
      pass.transforms.push_back(n);
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
      if (dynamic_cast<FrameTransform*>(graph.nodes[consumer].stage.get())) {
        if (!last_transform || consumer > *last_transform) last_transform = consumer;
      }
    }
    if (!read_by_reducer) pass.mover[producer] = last_transform;
  }
  return pass;
}

void run_frame_pass(Graph& graph, const FramePass& pass, const std::vector<std::size_t>& indices,
                    unsigned threads, Progress& progress, std::vector<FrameRecord>& records,
                    std::vector<double>& node_seconds) {
  FramePassRunner(graph, pass, indices, progress, records, node_seconds).run(threads);
}

void measure_frames(FrameSource& source, unsigned threads, Progress& progress,
                    std::vector<FrameRecord>& records, double& seconds) {
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
        if (!failed_index || index < *failed_index) {
          failed_index = index;
          failure = with_frame_context(index, source.id());
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
