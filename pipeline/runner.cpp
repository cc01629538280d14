// Decode pool with an ordered hand-off to the reducers, then the image stages in graph order.
#include "pipeline/runner.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "pipeline/errors.hpp"
#include "pipeline/interrupt.hpp"

namespace nightstack {

namespace {

template <class Kind>
Kind& stage_as(GraphNode& node) {
  return dynamic_cast<Kind&>(*node.stage);
}

// What one decode pass over a source runs per frame.
struct FramePass {
  std::size_t source = 0;
  std::vector<std::size_t> transforms;  // in graph order
  std::vector<std::size_t> reducers;
  // For each node, the transform that may take its frame instead of copying it: the last of its
  // frame consumers in graph order, when no reducer also reads it.
  std::vector<std::optional<std::size_t>> mover;
};

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

std::string describe_shape(const ImageF& pixels) {
  return std::to_string(pixels.width()) + "x" + std::to_string(pixels.height()) + " with " +
         std::to_string(pixels.channels()) + (pixels.channels() == 1 ? " channel" : " channels");
}

// Runs one source's frames through its per-frame stages and reducers.
class FramePassRunner {
 public:
  FramePassRunner(Graph& graph, const FramePass& pass, unsigned threads, Progress& progress)
      : graph_(graph),
        pass_(pass),
        source_(stage_as<FrameSource>(graph.nodes[pass.source])),
        total_(source_.frame_count()),
        threads_(threads),
        progress_(progress) {}

  void run() {
    std::vector<std::thread> workers;
    unsigned count = std::max(1u, std::min<unsigned>(threads_, static_cast<unsigned>(total_)));
    for (unsigned t = 0; t < count; ++t) workers.emplace_back([this] { work(); });
    for (auto& worker : workers) worker.join();
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  void work() {
    std::vector<std::optional<Frame>> slots(graph_.nodes.size());
    while (true) {
      std::size_t index = next_index_.fetch_add(1);
      if (index >= total_ || failed_.load()) return;
      std::exception_ptr error = decode_and_transform(index, slots);
      std::unique_lock lock(turn_mutex_);
      turn_changed_.wait(lock, [&] { return next_turn_ == index || failed_.load(); });
      if (failed_.load()) return;
      if (!error) error = hand_to_reducers(index, slots);
      if (error) {
        first_error_ = error;
        failed_.store(true);
      }
      ++next_turn_;
      progress_.update(next_turn_);
      lock.unlock();
      turn_changed_.notify_all();
      for (auto& slot : slots) slot.reset();
    }
  }

  std::exception_ptr decode_and_transform(std::size_t index, std::vector<std::optional<Frame>>& slots) {
    try {
      throw_if_interrupted();
      slots[pass_.source] = source_.read_frame(index);
      for (std::size_t transform : pass_.transforms) {
        std::size_t input = graph_.nodes[transform].inputs.front();
        Frame frame = pass_.mover[input] == transform ? std::move(*slots[input]) : *slots[input];
        slots[transform] = stage_as<FrameTransform>(graph_.nodes[transform]).transform(std::move(frame));
      }
      return nullptr;
    } catch (const InputError& error) {
      return std::make_exception_ptr(InputError(error.path(), error.detail(), index, source_.id()));
    } catch (...) {
      return std::current_exception();
    }
  }

  // Called in index order, one frame at a time.
  std::exception_ptr hand_to_reducers(std::size_t index, std::vector<std::optional<Frame>>& slots) {
    try {
      check_shape(index, slots[pass_.source]->pixels);
      for (std::size_t reducer : pass_.reducers) {
        const Frame& frame = *slots[graph_.nodes[reducer].inputs.front()];
        stage_as<FrameReducer>(graph_.nodes[reducer]).accept(frame);
      }
      return nullptr;
    } catch (...) {
      return std::current_exception();
    }
  }

  void check_shape(std::size_t index, const ImageF& pixels) {
    if (index == 0) {
      first_shape_ = {pixels.width(), pixels.height(), pixels.channels()};
      first_shape_text_ = describe_shape(pixels);
      return;
    }
    if (Shape{pixels.width(), pixels.height(), pixels.channels()} == first_shape_) return;
    throw InputError(source_.frame_path(index),
                     "frame is " + describe_shape(pixels) + ", but the first frame " +
                         source_.frame_path(0).string() + " is " + first_shape_text_ +
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
  std::size_t total_;
  unsigned threads_;
  Progress& progress_;

  std::atomic<std::size_t> next_index_{0};
  std::atomic<bool> failed_{false};
  std::mutex turn_mutex_;
  std::condition_variable turn_changed_;
  std::size_t next_turn_ = 0;       // guarded by turn_mutex_
  std::exception_ptr first_error_;  // guarded by turn_mutex_
  Shape first_shape_;
  std::string first_shape_text_;
};

}  // namespace

unsigned resolve_thread_count(unsigned requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<SourceSummary> prepare_sources(Graph& graph, Log& log) {
  std::vector<SourceSummary> sources;
  for (auto& node : graph.nodes) {
    auto* source = dynamic_cast<FrameSource*>(node.stage.get());
    if (!source) continue;
    source->prepare(log);
    sources.push_back({source->id(), source->frame_count(), source->files_skipped()});
  }
  return sources;
}

RunSummary run_graph(Graph& graph, const RunOptions& options, Log& log, std::ostream& progress_stream) {
  auto start = std::chrono::steady_clock::now();
  RunSummary summary;
  summary.threads = resolve_thread_count(options.threads);
  summary.sources = prepare_sources(graph, log);

  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    auto* source = dynamic_cast<FrameSource*>(graph.nodes[n].stage.get());
    if (!source) continue;
    FramePass pass = plan_frame_pass(graph, n);
    if (pass.reducers.empty()) {
      log.warn("stage '" + source->id() + "' feeds no stack; its frames are not read");
      continue;
    }
    Progress progress(progress_stream, options.progress, source->id(), source->frame_count());
    FramePassRunner(graph, pass, summary.threads, progress).run();
    progress.finish();
  }

  std::vector<std::optional<Image>> images(graph.nodes.size());
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    auto& node = graph.nodes[n];
    throw_if_interrupted();
    if (auto* reducer = dynamic_cast<FrameReducer*>(node.stage.get())) {
      images[n] = reducer->finish();
    } else if (auto* transform = dynamic_cast<ImageTransform*>(node.stage.get())) {
      images[n] = transform->transform(*images[node.inputs.front()]);
    } else if (auto* sink = dynamic_cast<ImageSink*>(node.stage.get())) {
      for (auto& output : sink->write(*images[node.inputs.front()])) summary.outputs.push_back(output);
    }
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace nightstack
