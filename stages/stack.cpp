// stack: combines a frame stream into one image with a stacking method, and records what was
// combined (frame count, method and its parameters, rejection totals, transfer curve) in the
// image's provenance; optionally writes the per-pixel rejection counts and valid-value counts as FITS
// maps, and saves a checkpoint every `checkpoint` frames so that `nightstack run --resume` can carry
// on after a crash.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <variant>

#include "io/fits_writer.hpp"
#include "pipeline/band_stage.hpp"
#include "pipeline/memory_info.hpp"
#include "stages/band_block_stack.hpp"
#include "stages/band_stack_methods.hpp"
#include "stages/frame_normalization.hpp"
#include "stages/frame_provenance.hpp"
#include "stages/registry.hpp"
#include "stages/stack_checkpoint.hpp"
#include "stages/stack_methods.hpp"
#include "stages/upstream_stages.hpp"

namespace nightstack {

namespace {

class Stack : public FrameReducer, public BandReducer {
 public:
  Stack(std::string id, const StackMethodInfo& method, const StackSettings& settings,
        std::optional<std::string> rejection_maps, std::optional<std::string> coverage_map,
        StackCheckpoints checkpoints, const RunInfo& run)
      : FrameReducer(std::move(id)),
        method_info_(method),
        needs_frame_levels_(FrameWeighting(settings.normalization, settings.weights, "").needs_statistics()),
        method_(method.make(settings)),
        band_method_(band_method_of(method.name, settings)),
        band_block_(block_method_of(method, settings)),
        rejection_maps_(std::move(rejection_maps)),
        coverage_map_(std::move(coverage_map)),
        checkpoints_(std::move(checkpoints)),
        run_(run) {}

  void accept(const Frame& whole_frame) override {
    std::optional<Frame> band;
    if (row_band_) band = cut_row_band(whole_frame);
    const Frame& frame = band ? *band : whole_frame;
    if (frames_ == 0) {
      first_ = frame.info;
      shape_ = {frame.pixels.width(), frame.pixels.height(), frame.pixels.channels()};
    } else if (Shape{frame.pixels.width(), frame.pixels.height(), frame.pixels.channels()} != shape_) {
      // The runner checks shapes within one pass; this catches a frame that differs from those of
      // the run a checkpoint was taken from.
      throw InputError(frame.info.path,
                       "frame differs in size or channels from the frames stacked before its checkpoint; all "
                       "frames of a stack must have the same size and channels",
                       frame.info.index, id());
    }
    frames_provenance_.add(frame.info);
    method_->add(frame.pixels, frame.info);
    ++frames_;
    last_frame_index_ = frame.info.index;
    if (checkpoints_.due(frames_)) save_checkpoint();
  }

  // The banded pass takes every method when nothing asks for a whole frame (a checkpoint saves the
  // frames in index order): max, min, sum and mean into exact accumulators (without a coverage map:
  // codes are never missing, so the coverage is the frame count), median and the rejection methods
  // into a store of the frames as stored.
  bool takes_bands(SampleType type) const override {
    if (checkpoints_.enabled()) return false;
    if (band_method_) return !coverage_map_ && band_method_takes(*band_method_, type);
    return band_block_.has_value();
  }

  bool partials_merge() const override { return band_method_.has_value(); }

  void start_bands(const StoredShape& shape, const ValueMap& map, std::size_t frames) override {
    shape_ = {shape.width, shape.height, shape.channels};
    if (band_method_) {
      band_stack_.emplace(*band_method_, shape, map);
    } else {
      band_block_->start(shape, map, frames);
    }
  }

  std::unique_ptr<BandPartial> make_partial() const override {
    return band_stack_ ? band_stack_->make_partial() : band_block_->make_partial();
  }

  void frame_taken(const FrameInfo& info) override {
    std::lock_guard lock(band_infos_mutex_);
    band_infos_.push_back(info);
    if (band_stack_ && band_infos_.size() > max_fixed_point_frames)
      throw InputError(info.path,
                       "more than " + std::to_string(max_fixed_point_frames) +
                           " frames in one stack; split the run into several stacks",
                       info.index, id());
  }

  void finish_bands(std::unique_ptr<BandPartial> total) override { band_total_ = std::move(total); }

  bool start_checkpoints(const CheckpointRequest& request, Log& log) override {
    if (!checkpoints_.enabled()) return false;
    request_ = request;
    auto reader = checkpoints_.open(request, log);
    method_->keep_cache_in(checkpoints_.directory());
    if (!reader) return false;
    frames_ = reader->unsigned_integer();
    shape_ = {static_cast<int>(reader->unsigned_integer()), static_cast<int>(reader->unsigned_integer()),
              static_cast<int>(reader->unsigned_integer())};
    first_ = load_frame_info(*reader);
    frames_provenance_.load_state(*reader);
    method_->load_state(*reader);
    last_frame_index_ = reader->unsigned_integer();
    request.load_run_state(*reader);
    reader->expect_end();
    log.info("stack '" + id() + "': resuming from its checkpoint in " + checkpoints_.directory().string() +
             " with " + std::to_string(frames_) + " frames stacked");
    return true;
  }

  void remove_checkpoint() override { checkpoints_.remove(); }

  std::vector<std::filesystem::path> planned_outputs() const override {
    std::vector<std::filesystem::path> files;
    if (rejection_maps_) files = {*rejection_maps_ + "_low.fits", *rejection_maps_ + "_high.fits"};
    if (coverage_map_) files.push_back(*coverage_map_ + "_coverage.fits");
    return files;
  }

  void before_finish(Log& log) override { log_ = &log; }

  bool needs_whole_frames_in_a_band() const override { return needs_frame_levels_; }

  void take_row_band(std::size_t band, std::size_t bands, bool frames_cut) override {
    auto refuse = [&](const std::string& why) {
      throw UsageError("stack '" + id() + "' " + why +
                       ", which shards of rows cannot split; run it in one process");
    };
    if (rejection_maps_) refuse("writes rejection maps itself (rejection_maps)");
    if (coverage_map_) refuse("writes a coverage map itself (coverage_map)");
    if (checkpoints_.enabled()) refuse("saves checkpoints (checkpoint: N; a failed shard is simply rerun)");
    if (!frames_cut) row_band_ = RowBand{band, bands};
  }

  // Rows joined in band order; the counts that depend on the rows (blank samples, rejections) added
  // up, and the rejected fractions computed again over the whole image, as one process does.
  Image join_row_bands(std::vector<Image> bands) const override {
    const ImageD& first = bands.front().pixels;
    int height = 0;
    for (const Image& band : bands) height += band.pixels.height();
    Image joined{ImageD(first.width(), height, first.channels()), bands.front().provenance};
    for (int channel = 0; channel < first.channels(); ++channel) {
      auto destination = joined.pixels.plane(channel).begin();
      for (const Image& band : bands)
        destination =
            std::copy(band.pixels.plane(channel).begin(), band.pixels.plane(channel).end(), destination);
    }
    auto& provenance = joined.provenance;
    for (const char* key : {"NBLANK", "REJLOW", "REJHIGH"}) {
      const HeaderCard* card = provenance.find(key);
      if (!card) continue;
      std::int64_t total = 0;
      for (const Image& band : bands) total += std::get<std::int64_t>(band.provenance.find(key)->value);
      provenance.set(key, total, card->comment);
    }
    const HeaderCard* combined = provenance.find("NCOMBINE");
    const double values = static_cast<double>(combined ? std::get<std::int64_t>(combined->value) : 0) *
                          static_cast<double>(joined.pixels.width()) * static_cast<double>(height) *
                          static_cast<double>(joined.pixels.channels());
    for (const auto& [count_key, fraction_key] :
         {std::pair{"REJLOW", "REJLOWF"}, std::pair{"REJHIGH", "REJHIGHF"}}) {
      const HeaderCard* count = provenance.find(count_key);
      const HeaderCard* fraction = provenance.find(fraction_key);
      if (!count || !fraction) continue;
      const auto rejected = static_cast<double>(std::get<std::int64_t>(count->value));
      provenance.set(fraction_key, values > 0 ? rejected / values : 0.0, fraction->comment);
    }
    return joined;
  }

  Image finish() override {
    banded_ = band_total_ != nullptr;
    if (banded_) take_band_frames();
    if (frames_ == 0) throw std::logic_error("stack '" + id() + "' finished without frames");
    // median and rejection combine every kept value now: seconds to minutes, shown as rows done.
    const bool combines = log_ && method_info_.kind != StackKind::single_pass;
    Progress progress =
        combines ? log_->progress(id() + " (combining)", static_cast<std::size_t>(shape_.height), "rows")
                 : Progress(std::cerr, ProgressStyle::off, id(), 0);
    Progress* rows_done = combines ? &progress : nullptr;
    method_->set_progress(rows_done);
    Image image{!banded_      ? method_->result()
                : band_stack_ ? band_stack_->result(*band_total_, frames_)
                              : band_block_->result(*band_total_, rows_done),
                {}};
    method_->set_progress(nullptr);
    if (banded_ && band_block_ && log_)
      log_->info("stack '" + id() + "': frames kept as " + band_block_->kept_as());
    if (combines) progress.finish();
    band_total_.reset();
    auto& provenance = image.provenance;
    frames_provenance_.record(provenance, method_info_.name == "sum");
    provenance.set("STACKMTH", method_info_.name, "stacking method");
    if (!banded_) {
      method_->record(provenance);
    } else if (band_block_) {
      band_block_->record(provenance);
    }
    provenance.set("TRANSFER", first_.linearization, "curve undone before stacking (none: values as read)");
    provenance.set("INFORMAT", first_.format, "format of the input frames");
    if (first_.encoding == Encoding::linear && first_.white_level == 1.0 && first_.linearization != "none") {
      provenance.set("BUNIT", std::string("full scale"), "1.0 = a saturated pixel of one frame");
    }
    Coverage coverage = !banded_      ? method_->take_coverage()
                        : band_stack_ ? Coverage{blank_samples(image.pixels), {}}
                                      : band_block_->take_coverage();
    provenance.set("NBLANK", static_cast<std::int64_t>(coverage.blank_samples),
                   "samples without a valid value in any frame (NaN)");
    if (rejection_maps_) write_rejection_maps(provenance);
    if (coverage_map_) write_coverage_map(provenance, coverage.map);
    return image;
  }

 private:
  // The frames the banded pass gave, in index order, as accept() would have seen them.
  void take_band_frames() {
    std::sort(band_infos_.begin(), band_infos_.end(),
              [](const FrameInfo& a, const FrameInfo& b) { return a.index < b.index; });
    for (const FrameInfo& info : band_infos_) {
      if (frames_ == 0) first_ = info;
      frames_provenance_.add(info);
      ++frames_;
      last_frame_index_ = info.index;
    }
    band_infos_.clear();
  }

  // Rows [band * height / bands, (band + 1) * height / bands) of the frame; with normalization or
  // noise weights, the whole frame's levels go with them.
  Frame cut_row_band(const Frame& frame) {
    const ImageF& pixels = frame.pixels;
    const auto [first_row, end_row] =
        row_band_bounds(row_band_->band, row_band_->bands, pixels.height(), frame.info, id());
    Frame band{copy_rows(pixels, first_row, end_row), frame.info};
    if (needs_frame_levels_) band.info.whole_frame_levels = measure_channels(pixels, level_scratch_);
    return band;
  }

  static std::optional<BandMethod> band_method_of(const std::string& name, const StackSettings& settings) {
    if (name == "max") return BandMethod::max;
    if (name == "min") return BandMethod::min;
    if (name == "sum") return BandMethod::sum;
    if (name == "mean" && settings.normalization == FrameNormalization::none &&
        settings.weights == FrameWeights::equal)
      return BandMethod::mean;
    return std::nullopt;
  }

  static std::optional<BandBlockStack> block_method_of(const StackMethodInfo& method,
                                                       const StackSettings& settings) {
    if (method.kind == StackKind::single_pass) return std::nullopt;
    return std::optional<BandBlockStack>(
        std::in_place, settings, method.kind == StackKind::every_value ? Combine::median : Combine::mean,
        method.rejection);
  }

  // Banded stacks: codes are never missing, float extremes are NaN where every value was.
  static std::size_t blank_samples(const ImageD& pixels) {
    return static_cast<std::size_t>(std::count_if(pixels.samples().begin(), pixels.samples().end(),
                                                  [](double value) { return std::isnan(value); }));
  }

  // The number of valid values of each pixel, as 16-bit counts (BITPIX 16: FITS readers see the
  // counts themselves; more than 65535 frames are written as 65535).
  void write_coverage_map(const Provenance& stack_provenance, ImageD& counts) {
    Provenance provenance = stack_provenance;
    provenance.set("BUNIT", std::string("frames"), "number of frames with a valid value at this pixel");
    provenance.set("CREATOR", run_.software, "software that made this file");
    for (double& count : counts.samples()) count /= 65535.0;  // stored as round(value * 65535)
    write_fits(planned_outputs().back(), counts, provenance, map_history("Coverage (valid values)"),
               FitsWriteOptions{.bitpix = 16});
  }

  std::vector<std::string> map_history(const std::string& what) const {
    std::vector<std::string> history{what + " of stack '" + id() + "', made by " + run_.software +
                                     " from the config below (after --set)."};
    std::string line;
    for (char character : run_.resolved_config) {
      if (character != '\n') {
        line += character;
      } else {
        history.push_back(line);
        line.clear();
      }
    }
    if (!line.empty()) history.push_back(line);
    return history;
  }

  void write_rejection_maps(const Provenance& stack_provenance) {
    auto maps = banded_ ? band_block_->take_rejection_maps() : method_->take_rejection_maps();
    // Planned outputs are always written: a rejection method without maps is a bug.
    if (!maps) throw std::logic_error("stack '" + id() + "' kept no rejection maps");
    Provenance provenance = stack_provenance;
    provenance.set("BUNIT", std::string("frames"), "number of frames rejected at this pixel");
    provenance.set("CREATOR", run_.software, "software that made this file");
    const std::vector<std::string> history = map_history("Rejection counts");
    provenance.set("REJMAP", std::string("low"), "values rejected as too low, per pixel");
    const auto files = planned_outputs();
    write_fits(files[0], maps->first, provenance, history);
    maps->first = ImageD();
    provenance.set("REJMAP", std::string("high"), "values rejected as too high, per pixel");
    write_fits(files[1], maps->second, provenance, history);
  }

  // The stack's whole state, then the runner's, replacing the previous checkpoint in one rename.
  void save_checkpoint() {
    auto writer = checkpoints_.start_saving();
    writer->unsigned_integer(frames_);
    for (int extent : {shape_.width, shape_.height, shape_.channels})
      writer->unsigned_integer(static_cast<std::uint64_t>(extent));
    save_frame_info(*writer, first_);
    frames_provenance_.save_state(*writer);
    method_->save_state(*writer);
    writer->unsigned_integer(last_frame_index_);
    request_.save_run_state(*writer, last_frame_index_);
    writer->commit();
  }

  struct Shape {
    int width = 0, height = 0, channels = 0;
    bool operator==(const Shape&) const = default;
  };
  struct RowBand {
    std::size_t band = 0, bands = 1;
  };

  const StackMethodInfo& method_info_;
  std::optional<RowBand> row_band_;  // set for a shard of rows
  bool needs_frame_levels_;
  std::vector<double> level_scratch_;
  std::unique_ptr<StackMethod> method_;
  std::optional<BandMethod> band_method_;  // when the method can take bands
  std::optional<BandStackMethod> band_stack_;
  std::optional<BandBlockStack> band_block_;  // median and the rejection methods, in bands
  bool banded_ = false;                       // the frames came through the banded pass
  Log* log_ = nullptr;                        // for the progress of combining
  std::unique_ptr<BandPartial> band_total_;
  std::mutex band_infos_mutex_;
  std::vector<FrameInfo> band_infos_;
  std::optional<std::string> rejection_maps_;
  std::optional<std::string> coverage_map_;
  StackCheckpoints checkpoints_;
  CheckpointRequest request_;
  const RunInfo& run_;
  std::size_t frames_ = 0;
  std::size_t last_frame_index_ = 0;
  Shape shape_;
  FrameInfo first_;
  FrameProvenance frames_provenance_;
};

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& method : stack_methods()) names.push_back(method.name);
  return names;
}

std::string method_help() {
  std::string help = "How frames are combined:";
  for (const auto& method : stack_methods()) help += " " + method.name + ": " + method.help + ";";
  help.back() = '.';
  return help +
         " median and the rejection methods cache every frame once (cache_directory) and stack blocks of "
         "rows "
         "within memory_limit; docs/stacking.md defines each exactly.";
}

template <class Enum>
Enum choice_of(const Parameters& parameters, const std::string& name,
               std::initializer_list<const char*> names) {
  const std::string& value = parameters.text(name);
  int index = 0;
  for (const char* candidate : names) {
    if (value == candidate) return static_cast<Enum>(index);
    ++index;
  }
  throw std::logic_error("unchecked choice for " + name);
}

StackSettings settings_from(const StageContext& context, const StackMethodInfo& method) {
  const Parameters& parameters = context.parameters;
  StackSettings settings;
  settings.stage_id = context.id;
  settings.threads = std::max(1u, context.run.threads);
  auto& rejection = settings.rejection;
  rejection.sigma_low = parameters.number("sigma_low");
  rejection.sigma_high = parameters.number("sigma_high");
  rejection.max_iters = static_cast<int>(parameters.integer("max_iters"));
  rejection.min_max_count = static_cast<int>(parameters.integer("min_max_count"));
  rejection.percentile_low = parameters.number("percentile_low");
  rejection.percentile_high = parameters.number("percentile_high");
  rejection.gesd_alpha = parameters.number("gesd_alpha");
  rejection.gesd_max_outliers = parameters.number("gesd_max_outliers");
  settings.normalization = choice_of<FrameNormalization>(
      parameters, "normalize_frames", {"none", "additive", "multiplicative", "additive_scale"});
  settings.weights =
      choice_of<FrameWeights>(parameters, "weights", {"equal", "exposure", "noise", "stars", "fwhm"});
  if (settings.weights == FrameWeights::stars || settings.weights == FrameWeights::fwhm) {
    const auto upstream = upstream_stage_types(context);
    if (upstream && std::find(upstream->begin(), upstream->end(), "register") == upstream->end())
      throw ParameterError("weights", "weights: " + to_string(settings.weights) +
                                          " weighs frames by the quality a register stage measures, and no "
                                          "register stage comes before this stack (stack --register)");
  }
  settings.cache_format = choice_of<CacheFormat>(parameters, "cache_format", {"float32", "uint16"});
  settings.keep_rejection_maps = parameters.has("rejection_maps");
  settings.keep_coverage_map = parameters.has("coverage_map");

  const bool single_pass = method.kind == StackKind::single_pass;
  if (single_pass && method.name != "mean") {
    if (settings.normalization != FrameNormalization::none)
      throw ParameterError("normalize_frames",
                           "normalize_frames applies to mean, median and the rejection "
                           "methods, not to " +
                               method.name);
    if (settings.weights != FrameWeights::equal)
      throw ParameterError("weights",
                           "weights apply to mean and the rejection methods, not to " + method.name);
  }
  if (method.kind == StackKind::every_value && settings.weights != FrameWeights::equal)
    throw ParameterError("weights",
                         "median takes no weights; use a rejection method (e.g. sigma_clip) for a "
                         "weighted, outlier-free mean");
  if (settings.keep_rejection_maps && method.kind != StackKind::rejection)
    throw ParameterError("rejection_maps",
                         "rejection_maps needs a rejection method (sigma_clip, mad_clip, ...), "
                         "not " +
                             method.name);

  settings.memory_limit_location = parameters.location("memory_limit");
  const std::string& limit = parameters.text("memory_limit");
  if (limit == "auto") {
    const auto available = available_memory_bytes();
    settings.memory_limit = available ? *available / 2 : std::uint64_t{1} << 30;
  } else {
    try {
      settings.memory_limit = parse_byte_size(limit);
    } catch (const std::invalid_argument& error) {
      throw ParameterError("memory_limit", "memory_limit " + std::string(error.what()) +
                                               " (or auto: half of the available memory)");
    }
  }

  if (parameters.has("cache_directory")) settings.cache_directory = parameters.text("cache_directory");
  if (!single_pass) {
    const auto directory =
        settings.cache_directory.empty() ? default_cache_directory() : settings.cache_directory;
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error))
      throw ParameterError("cache_directory", "cache directory " + directory.string() + " does not exist");
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
      throw ParameterError("cache_directory", "cache directory " + directory.string() + " is not writable");
  }
  return settings;
}

}  // namespace

StageType stack_stage_type() {
  StageType type;
  type.name = "stack";
  type.summary =
      "Combines every frame of its input into one image (double precision). max, min, sum and mean go frame "
      "by frame: memory holds the accumulators, never the sequence. median and the rejection methods keep "
      "every frame as stored (an 8-bit code is one byte), in memory when they fit memory_limit, otherwise in "
      "a scratch file stacked in blocks of rows.";
  type.input = DataKind::frames;
  type.output = DataKind::image;
  type.parameters = {
      {.name = "method",
       .type = ParameterType::choice,
       .default_value = std::string("mean"),
       .choices = method_names(),
       .help = method_help()},
      {.name = "sigma_low",
       .type = ParameterType::number,
       .default_value = 3.0,
       .minimum = 0.0,
       .help = "Rejects values below centre - sigma_low x spread (sigma_clip, mad_clip, median_sigma_clip, "
               "winsorized_sigma_clip)."},
      {.name = "sigma_high",
       .type = ParameterType::number,
       .default_value = 3.0,
       .minimum = 0.0,
       .help = "Rejects values above centre + sigma_high x spread (the same methods)."},
      {.name = "max_iters",
       .type = ParameterType::integer,
       .default_value = std::int64_t{5},
       .minimum = 1,
       .maximum = 1000,
       .help = "Clipping iterations at most; each pixel stops earlier when nothing changes (the iterated "
               "methods, as astropy's maxiters)."},
      {.name = "min_max_count",
       .type = ParameterType::integer,
       .default_value = std::int64_t{1},
       .minimum = 0,
       .help = "min_max: values dropped at each end of every pixel (needs more than twice as many frames)."},
      {.name = "percentile_low",
       .type = ParameterType::number,
       .default_value = 0.2,
       .minimum = 0.0,
       .help = "percentile_clip: rejects values below median x (1 - percentile_low)."},
      {.name = "percentile_high",
       .type = ParameterType::number,
       .default_value = 0.1,
       .minimum = 0.0,
       .help = "percentile_clip: rejects values above median x (1 + percentile_high)."},
      {.name = "gesd_alpha",
       .type = ParameterType::number,
       .default_value = 0.05,
       .minimum = 1e-9,
       .maximum = 0.5,
       .help = "gesd: significance level of each outlier test."},
      {.name = "gesd_max_outliers",
       .type = ParameterType::number,
       .default_value = 0.3,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "gesd: largest fraction of a pixel's values that may be outliers."},
      {.name = "normalize_frames",
       .type = ParameterType::choice,
       .default_value = std::string("none"),
       .choices = {"none", "additive", "multiplicative", "additive_scale"},
       .help = "Brings every frame to the first frame's level before combining, per channel, from each "
               "frame's median (location) and MAD (scale): additive shifts, multiplicative scales, "
               "additive_scale matches both (mean, median and rejection methods)."},
      {.name = "weights",
       .type = ParameterType::choice,
       .default_value = std::string("equal"),
       .choices = {"equal", "exposure", "noise", "stars", "fwhm"},
       .help = "Weights of the mean (mean and rejection methods): equal; exposure (each frame's exposure "
               "time; every frame needs one); noise (inverse variance, from the MAD after normalization); "
               "after a register stage, by quality against the reference frame: stars ((stars / "
               "reference's)^2: haze, clouds) or fwhm ((reference's weighted FWHM / weighted FWHM)^2: "
               "seeing, focus, and the stars lost)."},
      {.name = "memory_limit",
       .type = ParameterType::text,
       .default_value = std::string("auto"),
       .help = "Memory for the frames that median and the rejection methods keep: a size such as 1GiB or "
               "512MB, or auto (half of the available memory). Bounds the frames kept (in memory when they "
               "fit, else in row blocks read from the scratch file), the result and the maps; frames being "
               "decoded come on top."},
      {.name = "cache_directory",
       .type = ParameterType::path,
       .help = "Where median and the rejection methods keep their frames when they do not fit memory_limit "
               "(one file, frames x width x height x channels x bytes per stored sample; nameless while in "
               "use, gone when the run ends however it ends). Default: $TMPDIR, else /tmp."},
      {.name = "cache_format",
       .type = ParameterType::choice,
       .default_value = std::string("float32"),
       .choices = {"float32", "uint16"},
       .help = "For runs that take whole frames (checkpoints, neighbourhood steps): float32 caches values "
               "exactly; uint16 halves the cache: exact for integer data 0..65535, otherwise quantized in "
               "65534 steps between each frame's minimum and maximum per channel. Banded runs keep frames as "
               "stored."},
      {.name = "rejection_maps",
       .type = ParameterType::path,
       .help = "With a rejection method: also writes PREFIX_low.fits and PREFIX_high.fits, the number of "
               "values rejected at each pixel."},
      {.name = "coverage_map",
       .type = ParameterType::path,
       .help = "Also writes PREFIX_coverage.fits: per pixel, the number of frames whose value there was "
               "valid (not NaN, not BLANK), as 16-bit counts. Every method combines only the valid values; "
               "a pixel with none is NaN, counted in NBLANK."},
      {.name = "checkpoint",
       .type = ParameterType::integer,
       .default_value = std::int64_t{0},
       .minimum = 0,
       .help = "Saves the stack's state every N frames (0: never), so that `nightstack run CONFIG --resume` "
               "carries on after a crash or kill with output identical to an uninterrupted run. median "
               "and the rejection methods then keep their scratch cache beside the checkpoint."},
      {.name = "checkpoint_directory",
       .type = ParameterType::path,
       .help = "Where the checkpoint goes, in a folder named after the stage (removed after a successful "
               "run). Default: .nightstack-checkpoint/ beside the run's first output."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const StackMethodInfo& method = *find_stack_method(context.parameters.text("method"));
    StackSettings settings = settings_from(context, method);
    std::optional<std::string> maps;
    if (context.parameters.has("rejection_maps")) maps = context.parameters.text("rejection_maps");
    std::optional<std::string> coverage;
    if (context.parameters.has("coverage_map")) coverage = context.parameters.text("coverage_map");
    std::filesystem::path checkpoint_directory;
    if (context.parameters.has("checkpoint_directory"))
      checkpoint_directory = context.parameters.text("checkpoint_directory");
    StackCheckpoints checkpoints(
        context.id, static_cast<std::size_t>(context.parameters.integer("checkpoint")), checkpoint_directory);
    return std::make_unique<Stack>(context.id, method, settings, maps, coverage, std::move(checkpoints),
                                   context.run);
  };
  return type;
}

}  // namespace nightstack
