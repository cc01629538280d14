// The decode pool of the banded pass: frames taken in any order by any worker, bands straight into
// the worker's partials, partials merged in worker order at the end (exact, so the order is free).
#include "pipeline/band_pass.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "pipeline/errors.hpp"
#include "pipeline/frame_statistics.hpp"
#include "pipeline/interrupt.hpp"

namespace nightstack {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

BandReducer* band_reducer(GraphNode& node) { return dynamic_cast<BandReducer*>(node.stage.get()); }

class BandPassRunner {
 public:
  BandPassRunner(Graph& graph, const FramePass& pass, const BandPlan& plan,
                 const std::vector<std::size_t>& indices, Progress& progress,
                 std::vector<FrameRecord>& records, std::vector<double>& node_seconds, Log& log,
                 BandPassResult* kept)
      : graph_(graph),
        pass_(pass),
        plan_(plan),
        source_(dynamic_cast<FrameSource&>(*graph.nodes[pass.source].stage)),
        indices_(indices),
        progress_(progress),
        records_(records),
        node_seconds_(node_seconds),
        log_(log),
        kept_(kept) {
    for (std::size_t reducer : pass.reducers) reducers_.push_back(band_reducer(graph.nodes[reducer]));
    if (kept_) kept_->frames.resize(reducers_.size());
  }

  std::size_t run(unsigned threads) {
    const unsigned workers =
        std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(indices_.size())));
    worker_partials_.resize(workers);
    std::vector<std::thread> pool;
    for (unsigned worker = 0; worker < workers; ++worker) pool.emplace_back([this, worker] { work(worker); });
    for (auto& thread : pool) thread.join();
    if (first_error_) std::rethrow_exception(first_error_);
    if (accepted_ == 0 && !indices_.empty()) {
      throw InputError(source_.frame_path(indices_.front()),
                       "no frame could be used: on_error: skip left out every one of the " +
                           std::to_string(indices_.size()) + " frames (see the warnings above)",
                       std::nullopt, source_.id());
    }
    for (std::size_t r = 0; r < reducers_.size(); ++r) {
      const auto start = Clock::now();
      std::unique_ptr<BandPartial> total = std::move(worker_partials_[0][r]);
      for (std::size_t worker = 1; worker < worker_partials_.size(); ++worker)
        total->merge(*worker_partials_[worker][r]);
      for (auto& partials : worker_partials_) partials[r].reset();
      if (kept_) {
        kept_->totals.push_back(std::move(total));
      } else {
        reducers_[r]->finish_bands(std::move(total));
      }
      node_seconds_[pass_.reducers[r]] += seconds_since(start);
    }
    return accepted_;
  }

 private:
  // What a worker keeps between frames: its partials, the value maps of the frames it saw last
  // (rebuilt only when a frame's encoding or white level differs), its seconds per node.
  struct Worker {
    std::vector<std::unique_ptr<BandPartial>> partials;
    std::vector<std::optional<ValueMap>> maps;
    std::vector<std::size_t> positions;  // frames in its partials
    std::vector<double> seconds;
  };

  std::vector<std::unique_ptr<BandPartial>> new_partials() const {
    std::vector<std::unique_ptr<BandPartial>> partials;
    for (BandReducer* reducer : reducers_) partials.push_back(reducer->make_partial());
    return partials;
  }

  void work(unsigned index) {
    Worker worker;
    std::size_t position = 0;
    try {
      worker.partials = new_partials();
      worker.maps.resize(reducers_.size());
      worker.seconds.assign(graph_.nodes.size(), 0.0);
      while (!failed_.load()) {
        position = next_position_.fetch_add(1);
        if (position >= indices_.size()) break;
        bool partials_touched = false;
        std::vector<FrameInfo> infos;
        try {
          stack_frame(position, worker, partials_touched, infos);
        } catch (...) {
          std::exception_ptr error = with_frame_context(indices_[position], source_.id());
          if (!skip(position, error, worker, partials_touched)) {
            fail(position, error);
            break;
          }
          continue;
        }
        worker.positions.push_back(position);
        std::lock_guard lock(mutex_);
        for (std::size_t r = 0; r < reducers_.size(); ++r) {
          if (kept_) {
            kept_->frames[r].push_back(infos[r]);
          } else {
            reducers_[r]->frame_taken(infos[r]);
          }
        }
        ++accepted_;
        progress_.update(++done_);
      }
    } catch (...) {
      // Not one frame's fault (memory, a frame that read fine before and fails when decoded again,
      // a stack's own limit): the pass stops, and no exception leaves the thread.
      fail(position, std::current_exception());
    }
    std::lock_guard lock(mutex_);
    worker_partials_[index] = std::move(worker.partials);
    for (std::size_t node = 0; node < worker.seconds.size(); ++node)
      node_seconds_[node] += worker.seconds[node];
  }

  // Decodes the frame at `position` band by band into the worker's partials.
  void stack_frame(std::size_t position, Worker& worker, bool& partials_touched,
                   std::vector<FrameInfo>& infos) {
    throw_if_interrupted();
    const std::size_t index = indices_[position];
    auto start = Clock::now();
    std::unique_ptr<OpenFrame> frame = source_.open_frame(index);
    check_shape(index, frame->shape());
    for (std::size_t r = 0; r < reducers_.size(); ++r) {
      const ValueMap& map = map_for(worker, r, frame->info());
      if (!map.same_values(*first_maps_[r])) {
        throw InputError(source_.frame_path(index),
                         "frame is stored as " + to_string(frame->info().encoding) + " with white level " +
                             std::to_string(frame->info().white_level) + ", unlike the first frame " +
                             first_path_.string() + "; the frames of a stack must share their encoding",
                         index, source_.id());
      }
      infos.push_back(map.info_after(frame->info()));
    }
    const bool measure = records_[index].statistics.mean.empty();
    std::optional<BandStatistics> statistics;
    if (measure) statistics.emplace(frame->shape(), frame->info().white_level);
    worker.seconds[pass_.source] += seconds_since(start);
    for (std::size_t r = 0; r < reducers_.size(); ++r) worker.partials[r]->start_frame(position, infos[r]);
    while (true) {
      start = Clock::now();
      const FrameBand band = frame->next_band(plan_.band_rows);
      if (band.rows == 0) break;
      if (statistics) statistics->add(band);
      worker.seconds[pass_.source] += seconds_since(start);
      partials_touched = true;
      for (std::size_t r = 0; r < reducers_.size(); ++r) {
        start = Clock::now();
        worker.partials[r]->add(band);
        worker.seconds[pass_.reducers[r]] += seconds_since(start);
      }
    }
    for (auto& partial : worker.partials) partial->end_frame();
    if (statistics) records_[index].statistics = statistics->finish();
  }

  const ValueMap& map_for(Worker& worker, std::size_t reducer, const FrameInfo& info) {
    auto& map = worker.maps[reducer];
    const FrameInfo* last = map ? &map->input_info() : nullptr;
    if (!last || last->encoding != info.encoding || last->white_level != info.white_level)
      map.emplace(plan_.shape.type, info, plan_.chains[reducer]);
    return *map;
  }

  void check_shape(std::size_t index, const StoredShape& shape) const {
    if (shape == plan_.shape) return;
    throw InputError(source_.frame_path(index),
                     "frame is " + describe(shape) + ", but the first frame " + first_path_.string() +
                         " is " + describe(plan_.shape) +
                         "; all frames of a stack must have the same size, channels and sample type",
                     index, source_.id());
  }

  // on_error: skip. The frame is recorded as skipped; when some of its bands are in the worker's
  // partials, the worker starts new ones and decodes again the frames it held (rare: only a frame
  // that breaks midway costs this).
  bool skip(std::size_t position, const std::exception_ptr& error, Worker& worker, bool partials_touched) {
    if (pass_.bad_frames != BadFramePolicy::skip) return false;
    auto skippable = skippable_error(error);
    if (!skippable) return false;
    {
      std::lock_guard lock(mutex_);
      const std::size_t index = indices_[position];
      record_skipped_frame(records_[index], index, *skippable, source_.id(), log_);
      progress_.update(++done_);
    }
    if (!partials_touched) return true;
    worker.partials = new_partials();
    for (std::size_t held : worker.positions) {
      bool touched = false;
      std::vector<FrameInfo> infos;
      stack_frame(held, worker, touched, infos);  // read fine before: any error now stops the run
    }
    return true;
  }

  void fail(std::size_t position, const std::exception_ptr& error) {
    std::lock_guard lock(mutex_);
    if (!first_error_ || position < first_error_position_) {
      first_error_ = error;
      first_error_position_ = position;
    }
    failed_.store(true);
  }

 public:
  void set_first(std::vector<std::optional<ValueMap>> maps, std::filesystem::path path) {
    first_maps_ = std::move(maps);
    first_path_ = std::move(path);
  }

 private:
  Graph& graph_;
  const FramePass& pass_;
  const BandPlan& plan_;
  FrameSource& source_;
  const std::vector<std::size_t>& indices_;
  Progress& progress_;
  std::vector<FrameRecord>& records_;  // each element written by the one worker holding that frame
  std::vector<double>& node_seconds_;  // guarded by mutex_
  Log& log_;
  BandPassResult* kept_;  // guarded by mutex_
  std::vector<BandReducer*> reducers_;
  std::vector<std::optional<ValueMap>> first_maps_;
  std::filesystem::path first_path_;

  std::atomic<std::size_t> next_position_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  // Guarded by mutex_:
  std::vector<std::vector<std::unique_ptr<BandPartial>>> worker_partials_;
  std::exception_ptr first_error_;
  std::size_t first_error_position_ = 0;
  std::size_t accepted_ = 0;
  std::size_t done_ = 0;
};

}  // namespace

std::optional<std::vector<const PointTransform*>> point_chain(const Graph& graph, std::size_t source,
                                                              std::size_t node) {
  std::vector<const PointTransform*> chain;
  while (node != source) {
    const auto* point = dynamic_cast<const PointTransform*>(graph.nodes[node].stage.get());
    if (!point || graph.nodes[node].inputs.size() != 1) return std::nullopt;
    chain.insert(chain.begin(), point);
    node = graph.nodes[node].inputs.front();
  }
  return chain;
}

bool band_partials_merge(Graph& graph, const FramePass& pass) {
  for (std::size_t reducer : pass.reducers) {
    const BandReducer* band = band_reducer(graph.nodes[reducer]);
    if (band && !band->partials_merge()) return false;
  }
  return true;
}

std::optional<BandPlan> plan_band_pass(Graph& graph, const FramePass& pass,
                                       const std::vector<std::size_t>& indices) {
  if (pass.first_position != 0 || indices.empty()) return std::nullopt;
  for (std::size_t held : pass.held)
    if (held != 0) return std::nullopt;
  BandPlan plan;
  for (std::size_t reducer : pass.reducers) {
    if (!band_reducer(graph.nodes[reducer])) return std::nullopt;
    auto chain = point_chain(graph, pass.source, graph.nodes[reducer].inputs.front());
    if (!chain) return std::nullopt;
    plan.chains.push_back(std::move(*chain));
  }
  auto& source = dynamic_cast<FrameSource&>(*graph.nodes[pass.source].stage);
  for (std::size_t index : indices) {
    try {
      // Decoded to its end: a frame that breaks midway (and is skipped) must not set the shape.
      auto frame = source.open_frame(index);
      while (frame->next_band(64).rows != 0) {
      }
      plan.shape = frame->shape();
      plan.first_info = frame->info();
    } catch (const InputError&) {
      continue;  // the pass meets it again and applies the policy
    }
    for (std::size_t reducer : pass.reducers)
      if (!band_reducer(graph.nodes[reducer])->takes_bands(plan.shape.type)) return std::nullopt;
    return plan;
  }
  return std::nullopt;
}

std::size_t run_band_pass(Graph& graph, const FramePass& pass, const BandPlan& plan,
                          const std::vector<std::size_t>& indices, unsigned threads, Progress& progress,
                          std::vector<FrameRecord>& records, std::vector<double>& node_seconds, Log& log,
                          BandPassResult* kept) {
  // The first frame that opened sets the shape and the value map of every stack.
  std::vector<std::optional<ValueMap>> maps;
  for (std::size_t r = 0; r < pass.reducers.size(); ++r) {
    maps.emplace_back(std::in_place, plan.shape.type, plan.first_info, plan.chains[r]);
    band_reducer(graph.nodes[pass.reducers[r]])->start_bands(plan.shape, *maps.back(), indices.size());
  }
  BandPassRunner runner(graph, pass, plan, indices, progress, records, node_seconds, log, kept);
  runner.set_first(std::move(maps), plan.first_info.path);
  return runner.run(threads);
}

}  // namespace nightstack
