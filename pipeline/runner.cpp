// Orchestration of a run: prepare the sources, optionally screen their frames, decode each source
// once into its stacks, then run the image stages in graph order.
#include "pipeline/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "pipeline/band_pass.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_pass.hpp"
#include "pipeline/frame_screening.hpp"
#include "pipeline/input_fingerprints.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/output_protection.hpp"
#include "pipeline/own_inputs.hpp"
#include "pipeline/preview.hpp"
#include "pipeline/run_checkpoint.hpp"
#include "pipeline/sha256.hpp"
#include "pipeline/shard_run.hpp"
#include "pipeline/video_command.hpp"

namespace nightstack {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int preview_width = 800;

// Measures every frame, then leaves out the outliers and flashes (and, with on_error: skip, the
// frames that could not be read). Returns the indices to stack.
std::vector<std::size_t> screen_source(FrameSource& source, const RunOptions& options, unsigned threads,
                                       Log& log, std::ostream& progress_stream, SourceSummary& summary,
                                       double& seconds) {
  Progress progress(progress_stream, options.progress, source.id() + " (measuring)", source.frame_count());
  measure_frames(source, threads, progress, summary.records, seconds, source.bad_frame_policy());
  progress.finish();
  std::vector<std::size_t> measured;  // indices of the frames that could be read
  std::vector<FrameStatistics> statistics;
  for (std::size_t index = 0; index < summary.records.size(); ++index) {
    const auto& record = summary.records[index];
    if (!record.failure.empty()) {
      warn_skipped_frame(record, index, source.id(), log);
      continue;
    }
    measured.push_back(index);
    statistics.push_back(record.statistics);
  }
  if (measured.empty()) {
    throw InputError(source.frame_path(0),
                     "no frame could be used: on_error: skip left out every one of the " +
                         std::to_string(summary.records.size()) + " frames (see the warnings above)",
                     std::nullopt, source.id());
  }
  std::vector<FrameVerdict> verdicts;
  if (auto threshold = source.outlier_threshold()) verdicts = screen_frames(statistics, *threshold);
  if (auto flashes = source.flash_screening())
    verdicts = merge_verdicts(std::move(verdicts),
                              screen_flashes(statistics, flashes->threshold, flashes->neighbours));
  for (const auto& verdict : verdicts) {
    auto& record = summary.records[measured[verdict.position]];
    record.used = false;
    record.rejection = verdict.reason;
    log.warn("leaving out " + record.path.string() + ": " + verdict.reason);
  }
  std::vector<std::size_t> indices;
  for (std::size_t index : measured) {
    if (summary.records[index].used) indices.push_back(index);
  }
  if (indices.empty()) {
    throw InputError(source.frame_path(0),
                     "every frame was rejected as an outlier; raise reject_outliers (or reject_flashes)",
                     std::nullopt, source.id());
  }
  return indices;
}

// For the run record: every frame of every source, then the files stages read themselves
// (calibration frames), in graph order.
std::vector<std::filesystem::path> input_files(const Graph& graph,
                                               const std::vector<SourceSummary>& sources) {
  std::vector<std::filesystem::path> files;
  for (const auto& source : sources)
    for (const auto& record : source.records) files.push_back(record.path);
  for (const auto& node : graph.nodes) {
    if (const auto* own = dynamic_cast<const OwnInputs*>(node.stage.get())) {
      const auto more = own->own_input_files();
      files.insert(files.end(), more.begin(), more.end());
    }
  }
  return files;
}

// What the prepared transforms concluded about each frame goes into its record; the frames one of
// them leaves out (registration: no match) are warned about and not stacked. Returns the rest.
std::vector<std::size_t> apply_prepared_verdicts(Graph& graph, const FramePass& pass,
                                                 const std::vector<std::size_t>& indices,
                                                 std::vector<FrameRecord>& records, Log& log) {
  std::vector<std::size_t> kept;
  for (std::size_t index : indices) {
    FrameRecord& record = records[index];
    for (std::size_t node : pass.prepared) {
      const auto& stage = dynamic_cast<const PreparedTransform&>(*graph.nodes[node].stage);
      auto verdict = stage.verdict(index);
      for (auto& measurement : verdict.measurements) record.measurements.push_back(std::move(measurement));
      if (!verdict.transform.empty()) record.transform = std::move(verdict.transform);
      if (!verdict.left_out.empty() && record.used) {
        record.used = false;
        record.rejection = "stage '" + stage.id() + "': " + verdict.left_out;
        log.warn("leaving out frame " + std::to_string(index) + ", " + record.path.string() + ": " +
                 record.rejection);
      }
    }
    if (record.used) kept.push_back(index);
  }
  if (kept.empty() && !indices.empty()) {
    throw InputError(records[indices.front()].path,
                     "no frame is left to stack: every frame was left out (see the warnings above)",
                     std::nullopt, graph.nodes[pass.prepared.front()].stage->id());
  }
  return kept;
}

// Each frame on_error: skip left out becomes a line of the stacked image's history, and their count
// a card, so the output itself says what is missing.
void record_skipped_frames(const SourceSummary& source, Provenance& provenance) {
  std::size_t left_out = 0;
  for (std::size_t index = 0; index < source.records.size(); ++index) {
    const auto& record = source.records[index];
    if (record.rejection.empty()) continue;
    ++left_out;
    provenance.add_note("Left out frame " + std::to_string(index) + " " + record.path.string() + ": " +
                        record.rejection);
  }
  if (left_out > 0)
    provenance.set("NLEFTOUT", static_cast<std::int64_t>(left_out),
                   "frames left out (outliers, not registered)");
  const std::size_t skipped = source.failed_frames();
  if (skipped == 0) return;
  provenance.set("NSKIPPED", static_cast<std::int64_t>(skipped), "frames left out as unreadable (on_error)");
  for (std::size_t index = 0; index < source.records.size(); ++index) {
    const auto& record = source.records[index];
    if (record.failure.empty()) continue;
    provenance.add_note("Skipped frame " + std::to_string(index) + " " + record.path.string() + ": " +
                        record.failure);
  }
}

// A transform that writes a file from every frame (the drizzle weight map) would miss the frames a
// checkpoint holds.
void refuse_transform_outputs_on_resume(const Graph& graph, const FramePass& pass) {
  for (std::size_t node : pass.transforms) {
    const auto files = graph.nodes[node].stage->planned_outputs();
    if (files.empty()) continue;
    throw UsageError("stage '" + graph.nodes[node].stage->id() + "' writes " + files.front().string() +
                     " from every frame, which checkpoints do not keep; run without --resume (or remove the "
                     "checkpoint folder) to start again from the first frame");
  }
}

// The files transforms gathered from every frame of the pass, written now that the pass is over.
void finish_transforms(Graph& graph, const FramePass& pass, RunSummary& summary, Log& log) {
  for (std::size_t node : pass.transforms) {
    auto& transform = dynamic_cast<FrameTransform&>(*graph.nodes[node].stage);
    auto files = transform.planned_outputs();
    if (files.empty()) continue;
    transform.finish_pass(log);
    summary.outputs.push_back({transform.id(), std::move(files), {}, {}});
  }
}

// The video of each numbered sequence a sink wrote: the ffmpeg command printed, and run when asked.
void offer_videos(const ImageSink& sink, bool make, Log& log) {
  for (const auto& path : sink.planned_outputs()) {
    const auto command = video_command(path);
    if (!command) continue;
    if (!make) {
      log.info("stage '" + sink.id() + "' wrote an image sequence; to make a video: " + command->text);
    } else if (make_video(*command)) {
      log.info("stage '" + sink.id() + "': video " + command->video.string() + " made by: " + command->text);
    } else {
      log.warn("ffmpeg is not installed (Debian: apt-get install ffmpeg), so no video was made; with it: " +
               command->text);
    }
  }
}

// The image stages after sequence reducers: each emitted image runs through them at once, and their
// sinks' files are gathered for the summary (with, for the run report, the statistics and a preview
// of the last image).
class SequenceOutputs {
 public:
  SequenceOutputs(Graph& graph, unsigned threads, bool for_report)
      : graph_(graph), threads_(threads), for_report_(for_report), in_sequence_(graph.nodes.size()) {
    files_.resize(graph.nodes.size());
    last_.resize(graph.nodes.size());
    for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
      for (std::size_t input : graph.nodes[n].inputs) {
        if (in_sequence_[input] || dynamic_cast<ImageSequenceReducer*>(graph.nodes[input].stage.get()))
          in_sequence_[n] = true;
      }
      if (auto* reducer = dynamic_cast<ImageSequenceReducer*>(graph.nodes[n].stage.get()))
        reducer->set_emit([this, n](Image image) { run(n, std::move(image)); });
    }
  }

  bool in_sequence(std::size_t node) const { return in_sequence_[node]; }

  std::optional<OutputRecord> summary_of(std::size_t node) {
    auto* sink = dynamic_cast<ImageSink*>(graph_.nodes[node].stage.get());
    if (!sink || files_[node].empty()) return std::nullopt;
    if (!last_[node]) return OutputRecord{sink->id(), files_[node], {}, {}};
    const ImageD& pixels = last_[node]->pixels;
    return OutputRecord{sink->id(), files_[node], make_preview(pixels, preview_width),
                        compute_image_statistics(pixels, {0.1, 1, 50, 99, 99.9}, threads_)};
  }

 private:
  void run(std::size_t reducer, Image image) {
    const auto number = static_cast<std::int64_t>(++emitted_[reducer]);
    image.provenance.set("SEQINDEX", number, "number of this image in its sequence");
    std::vector<std::optional<Image>> images(graph_.nodes.size());
    images[reducer] = std::move(image);
    for (std::size_t n = reducer + 1; n < graph_.nodes.size(); ++n) {
      const auto& node = graph_.nodes[n];
      if (node.inputs.empty() || !images[node.inputs.front()]) continue;
      const Image& input = *images[node.inputs.front()];
      if (auto* transform = dynamic_cast<ImageTransform*>(node.stage.get())) {
        images[n] = transform->transform(input);
      } else if (auto* sink = dynamic_cast<ImageSink*>(node.stage.get())) {
        for (auto& file : sink->write(input)) files_[n].push_back(std::move(file));
        if (for_report_) last_[n] = input;
      }
    }
  }

  Graph& graph_;
  unsigned threads_;
  bool for_report_;
  std::vector<bool> in_sequence_;
  std::map<std::size_t, std::size_t> emitted_;
  std::vector<std::vector<std::filesystem::path>> files_;
  std::vector<std::optional<Image>> last_;
};

}  // namespace

std::size_t SourceSummary::failed_frames() const {
  std::size_t count = 0;
  for (const auto& record : records) count += !record.failure.empty();
  return count;
}

unsigned resolve_thread_count(unsigned requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<SourceSummary> prepare_sources(Graph& graph, Log& log) {
  std::vector<SourceSummary> sources;
  for (auto& node : graph.nodes) {
    auto* source = dynamic_cast<FrameSource*>(node.stage.get());
    if (!source) continue;
    try {
      source->prepare(log);
    } catch (const InputError& error) {
      // An input listed in the config (a missing folder, say): point at the line that names it.
      if (!node.config) throw;
      const SourceLocation location = location_of_path(*node.config, error.path());
      // Only for a config file the user wrote (the quick `stack` command's config is generated).
      std::error_code no_file;
      if (location.line == 0 || location.line == node.config->location.line ||
          !std::filesystem::is_regular_file(location.file, no_file))
        throw;
      throw InputError(error.path(), error.detail() + " (named at " + to_string(location) +
                                         "; paths are relative to the directory nightstack runs in)");
    }
    SourceSummary summary{source->id(), source->frame_count(), {}, source->skipped_files(), ""};
    for (std::size_t index = 0; index < source->frame_count(); ++index) {
      FrameRecord record;
      record.path = source->frame_path(index);
      summary.records.push_back(std::move(record));
    }
    sources.push_back(std::move(summary));
  }
  return sources;
}

RunSummary run_graph(Graph& graph, const RunOptions& options, Log& log, std::ostream& progress_stream) {
  auto start = Clock::now();
  RunSummary summary;
  summary.threads = resolve_thread_count(options.threads);
  log.set_progress_style(options.progress);
  summary.sources = prepare_sources(graph, log);
  refuse_outputs_over_inputs(graph, summary.sources, options.extra_outputs);
  const bool merging = !options.merge_partials.empty();
  if (options.shard) check_shardable(graph);
  for (auto& node : graph.nodes) {
    auto* transform = dynamic_cast<FrameTransform*>(node.stage.get());
    if (transform && !merging) transform->prepare(log);
  }
  if (options.run_info) {
    const std::vector<std::filesystem::path> inputs = input_files(graph, summary.sources);
    Progress progress(progress_stream, options.progress, "inputs (SHA-256)", inputs.size());
    options.run_info->inputs = fingerprint_inputs(inputs, summary.threads, progress);
    progress.finish();
  }
  std::vector<double> node_seconds(graph.nodes.size(), 0.0);
  std::vector<std::optional<std::size_t>> source_of_reducer(graph.nodes.size());
  const RunIdentity identity{sha256_hex(options.resolved_config), inputs_fingerprint(graph),
                             default_checkpoint_root(graph), options.resume};
  std::optional<RunPartial> partial;
  if (options.shard)
    partial.emplace(PartialIdentity{identity.config_hash, identity.inputs_hash, options.shard->count});
  std::map<std::size_t, Image> merged_images;
  if (merging)
    merged_images = merge_partials(graph, {identity.config_hash, identity.inputs_hash, 0},
                                   options.merge_partials, options.config_path, summary.sources);

  SequenceOutputs sequences(graph, summary.threads, options.report != "none");

  std::size_t source_number = 0;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    auto* source = dynamic_cast<FrameSource*>(graph.nodes[n].stage.get());
    if (!source) continue;
    SourceSummary& source_summary = summary.sources[source_number];
    FramePass pass = plan_frame_pass(graph, n);
    for (std::size_t reducer : pass.reducers) source_of_reducer[reducer] = source_number;
    ++source_number;
    if (merging) continue;
    if (pass.reducers.empty()) {
      log.warn("stage '" + source->id() + "' feeds no stack; its frames are not read");
      continue;
    }
    std::vector<std::size_t> indices;
    if (source->outlier_threshold() || source->flash_screening()) {
      indices = screen_source(*source, options, summary.threads, log, progress_stream, source_summary,
                              node_seconds[n]);
    } else {
      for (std::size_t index = 0; index < source->frame_count(); ++index) indices.push_back(index);
    }
    // Before the checkpoints: a prepared transform may leave frames out, which changes the positions.
    if (!pass.prepared.empty()) {
      prepare_transforms(graph, pass, indices, summary.threads, options.progress, progress_stream, log);
      indices = apply_prepared_verdicts(graph, pass, indices, source_summary.records, log);
    }
    // A shard keeps no checkpoint: a failed shard is run again whole.
    pass.held = partial ? std::vector<std::size_t>(pass.reducers.size(), 0)
                        : start_pass_checkpoints(graph, pass, indices, source_summary.records, identity, log);
    pass.first_position = *std::min_element(pass.held.begin(), pass.held.end());
    if (pass.first_position > 0) refuse_transform_outputs_on_resume(graph, pass);
    if (pass.first_position > 0 && !pass.ordered_transforms.empty()) {
      throw UsageError("stage '" + graph.nodes[pass.ordered_transforms.front()].stage->id() +
                       "' carries state from frame to frame, which checkpoints do not save yet; run without "
                       "--resume (or remove the checkpoint folder) to start again from the first frame");
    }
    std::optional<BandPlan> band_plan;
    if (!options.whole_frames) band_plan = plan_band_pass(graph, pass, indices);
    // Shards split a banded pass by frames, so every stack's partial must merge; those that keep
    // every frame (median, rejection) are split by rows of whole frames instead.
    if (band_plan && (options.shard || !options.merge_partials.empty()) && !band_partials_merge(graph, pass))
      band_plan.reset();
    // What this process decodes: a shard split by frames decodes its share only.
    const std::vector<std::size_t> decoded =
        partial ? start_shard_pass(graph, pass, band_plan, indices, *options.shard, *partial) : indices;
    Progress progress(progress_stream, options.progress, source->id(), decoded.size());
    progress.start_at(pass.first_position);
    BandPassResult kept;
    if (band_plan) {
      run_band_pass(graph, pass, *band_plan, decoded, summary.threads, progress, source_summary.records,
                    node_seconds, log, partial ? &kept : nullptr);
    } else {
      run_frame_pass(graph, pass, decoded, summary.threads, progress, source_summary.records, node_seconds,
                     log);
    }
    if (partial) keep_shard_pass(pass, band_plan, kept, source_summary.records, *partial);
    source_summary.frame_pass = band_plan ? "bands of " + to_string(band_plan->shape.type) : "whole frames";
    if (pass.row_cut) source_summary.frame_pass = "one band of rows of each frame (the others whole)";
    // Counted from the records, which checkpoints carry, so a resumed run counts the frames
    // stacked before the interruption too.
    source_summary.frames =
        static_cast<std::size_t>(std::count_if(decoded.begin(), decoded.end(), [&](std::size_t index) {
          return source_summary.records[index].failure.empty();
        }));
    progress.finish();
    if (!partial) finish_transforms(graph, pass, summary, log);
  }
  if (partial) {
    finish_shard(graph, *options.shard, *partial, options.partial);
    summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return summary;
  }

  std::vector<std::optional<Image>> images(graph.nodes.size());
  // The summary's statistics of each written image, computed once however many sinks write it.
  std::vector<std::optional<ImageStatistics>> written_statistics(graph.nodes.size());
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    auto& node = graph.nodes[n];
    throw_if_interrupted();
    auto stage_start = Clock::now();
    if (sequences.in_sequence(n)) {
      // Ran once per image of its sequence during the pass; the summary lists what its sinks wrote.
      if (auto entry = sequences.summary_of(n)) {
        summary.outputs.push_back(std::move(*entry));
        offer_videos(dynamic_cast<ImageSink&>(*node.stage), options.video, log);
      }
    } else if (auto* sequence = dynamic_cast<ImageSequenceReducer*>(node.stage.get())) {
      sequence->finish();  // emits the last images
    } else if (auto* reducer = dynamic_cast<FrameReducer*>(node.stage.get())) {
      auto joined = merged_images.find(n);
      if (joined != merged_images.end()) {
        images[n] = std::move(joined->second);
      } else {
        reducer->before_finish(log);
        images[n] = reducer->finish();
      }
      // A stack's maps, written by finish().
      if (auto maps = reducer->planned_outputs(); !maps.empty())
        summary.outputs.push_back({reducer->id(), std::move(maps), {}, {}});
      if (source_of_reducer[n])
        record_skipped_frames(summary.sources[*source_of_reducer[n]], images[n]->provenance);
    } else if (auto* transform = dynamic_cast<ImageTransform*>(node.stage.get())) {
      images[n] = transform->transform(*images[node.inputs.front()]);
    } else if (auto* combiner = dynamic_cast<ImageCombiner*>(node.stage.get())) {
      std::vector<const Image*> inputs;
      for (std::size_t input : node.inputs) inputs.push_back(&*images[input]);
      images[n] = combiner->combine(inputs);
    } else if (auto* sink = dynamic_cast<ImageSink*>(node.stage.get())) {
      const std::size_t input = node.inputs.front();
      const Image& image = *images[input];
      // The exact statistics and the preview are for the run report only (seconds of CPU for a
      // 12-megapixel image): without a report, the summary lists the files alone.
      if (options.report == "none") {
        summary.outputs.push_back({sink->id(), sink->write(image), {}, {}});
      } else {
        if (!written_statistics[input])
          written_statistics[input] =
              compute_image_statistics(image.pixels, {0.1, 1, 50, 99, 99.9}, summary.threads);
        summary.outputs.push_back({sink->id(), sink->write(image), make_preview(image.pixels, preview_width),
                                   *written_statistics[input]});
      }
    }
    node_seconds[n] += std::chrono::duration<double>(Clock::now() - stage_start).count();
  }
  remove_checkpoints(graph);  // every output is written
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    summary.timings.push_back({graph.nodes[n].stage->id(), node_seconds[n]});
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace nightstack
