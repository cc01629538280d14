// The stage interface: what a stage type declares, and the kinds of stage the runner drives.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/frame_bands.hpp"
#include "pipeline/image.hpp"
#include "pipeline/log.hpp"
#include "pipeline/parameters.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

// What flows along an edge of the graph.
enum class DataKind {
  nothing,  // a source has no input; a sink has no output
  frames,   // a stream of frames, one at a time
  image,    // one finished image
  images,   // a sequence of images, emitted during the pass (e.g. a time-lapse of a growing stack)
};

std::string to_string(DataKind kind);

// One input file as the run found it, to tell later whether it changed.
struct InputFileRecord {
  std::filesystem::path path;  // as the stage found it (relative to the run's directory or absolute)
  std::uintmax_t size = 0;
  std::string sha256;  // lowercase hex
};

// Facts about the whole run that a stage may record in its outputs.
struct RunInfo {
  std::string software = "nightstack " NIGHTSTACK_VERSION;
  std::string config_path;
  std::string resolved_config;  // the config as run, after --set overrides, as YAML text
  // The same config with every parameter written out, defaults included (Config::complete_yaml):
  // what `nightstack config --from` gives back to run again.
  std::string complete_config{};
  std::string directory{};  // where the run ran: relative paths are relative to it
  std::string versions{};   // of nightstack and the libraries it was built with, "; "-separated
  // Every frame the sources found, filled by the runner before any output is written.
  std::vector<InputFileRecord> inputs{};
  unsigned threads = 1;  // worker threads of the run (resolved: never 0)
};

struct StageContext {
  std::string id;
  const Parameters& parameters;
  const RunInfo& run;
};

class Stage {
 public:
  explicit Stage(std::string id) : id_(std::move(id)) {}
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  const std::string& id() const { return id_; }
  // Files this stage will write (a sink's images, a stack's rejection and coverage maps), known
  // before any pixel is read, so that the run refuses clashes with each other and with inputs up
  // front. Each is written under a temporary name and renamed into place when complete.
  virtual std::vector<std::filesystem::path> planned_outputs() const { return {}; }

 private:
  std::string id_;
};

struct SkippedFile {
  std::filesystem::path path;
  std::string reason;
};

// What a run does with a frame that cannot be read or processed (an InputError: undecodable,
// unreadable, deleted, of another size than the first frame, ...): stop with that error (fail), or
// leave the frame out with a warning and list it in the summary, report and outputs (skip). Other
// errors (bugs, full disks) always stop the run.
enum class BadFramePolicy { fail, skip };

// nothing -> frames. prepare() finds the inputs (reads no pixels); read_frame() decodes one and
// is called from several threads at once.
class FrameSource : public Stage {
 public:
  using Stage::Stage;
  virtual void prepare(Log& log) = 0;
  virtual std::size_t frame_count() const = 0;
  virtual const std::filesystem::path& frame_path(std::size_t index) const = 0;
  virtual Frame read_frame(std::size_t index) const = 0;
  // The same frame opened for reading band by band in its stored type (the banded frame pass).
  // The default reads the whole frame and cuts bands from it.
  virtual std::unique_ptr<OpenFrame> open_frame(std::size_t index) const {
    return std::make_unique<WholeFrameBands>(read_frame(index));
  }
  // Files found but left out (not images, unsupported, excluded), each already warned about.
  virtual std::vector<SkippedFile> skipped_files() const { return {}; }
  // When set, frames whose background or noise lies further than this many robust standard
  // deviations from the sequence's are left out; the runner measures every frame first to decide.
  virtual std::optional<double> outlier_threshold() const { return std::nullopt; }
  // When set, frames whose mean level lies more than `threshold` robust standard deviations above
  // that of their `neighbours` frames on either side are left out (flashes, headlights); measured
  // in the same first pass.
  struct FlashScreening {
    double threshold = 5;
    std::size_t neighbours = 3;
  };
  virtual std::optional<FlashScreening> flash_screening() const { return std::nullopt; }
  virtual BadFramePolicy bad_frame_policy() const { return BadFramePolicy::fail; }
};

// frames -> frames, one frame at a time; called from several threads at once. prepare() runs once
// before any frame is decoded (not during `validate`), for work such as building calibration masters.
class FrameTransform : public Stage {
 public:
  using Stage::Stage;
  virtual void prepare(Log& /*log*/) {}
  virtual Frame transform(Frame frame) const = 0;
  // Once every frame of the pass went through transform(): writes the planned_outputs() gathered
  // from every frame (registration's drizzle weight map). Stages with planned outputs refuse
  // shards and resumed passes, which would not show them every frame.
  virtual void finish_pass(Log& /*log*/) {}
};

// frames -> frames, prepared by a first pass over the frames: observe() sees every frame as its
// input gives it (from several threads at once, in any order), then conclude() settles what
// transform() will do to each frame, by FrameInfo::index (e.g. choose a reference frame and compute
// one transform per frame, as registration does). The first pass decodes the frames once more.
class PreparedTransform : public FrameTransform {
 public:
  using FrameTransform::FrameTransform;
  virtual void observe(const Frame& frame) = 0;
  virtual void conclude(Log& log) = 0;

  // What conclude() settled about one frame, for the run summary, the report and the outputs.
  struct Verdict {
    std::string left_out;  // set: the frame must not be stacked, and this says why
    std::vector<std::pair<std::string, double>> measurements;  // e.g. fwhm, stars, in report order
    std::vector<double> transform;  // 3x3 row-major, reference pixel -> frame pixel (registration)
  };
  // After conclude(), for each frame it observed (FrameInfo::index). The runner leaves the frames
  // with `left_out` out of the stacking pass.
  virtual Verdict verdict(std::size_t /*index*/) const { return {}; }
  // Called by the first pass before decoding frame `index` (its file `path`): true when the stage
  // already knows what observe() would learn (a cache of an earlier run), so the frame is not read.
  // From several threads at once.
  virtual bool observe_cached(std::size_t /*index*/, const std::filesystem::path& /*path*/) { return false; }
};

// frames -> frames in sequence order: step() sees every frame the stacks take, in index order, one
// call at a time, and may carry state from frame to frame (gap filling, fading trails). It runs in
// the ordered hand-off to the stacks, as do the stages after it.
class FrameSequenceStep : public Stage {
 public:
  using Stage::Stage;
  virtual Frame step(Frame frame) = 0;
};

// What the runner gives a reducer that saves checkpoints (`nightstack run --resume`).
struct CheckpointRequest {
  std::filesystem::path directory;  // the default: <first output's directory>/.nightstack-checkpoint/<id>
  std::string config_hash;          // SHA-256 of the resolved config
  std::string inputs_hash;          // SHA-256 of every input's path, size and modification time
  bool resume = false;              // continue from the checkpoint found there
  // The runner's own state up to and including the frame the reducer accepted last (FrameInfo::index):
  // how far the pass got and the report's per-frame records. Saved inside each checkpoint and
  // given back on resume (load_run_state only within start_checkpoints), so the runner, not the
  // reducer, knows where to carry on, even when some positions of the pass gave it no frame.
  std::function<void(StateWriter&, std::size_t last_frame_index)> save_run_state;
  std::function<void(StateReader&)> load_run_state;
};

// frames -> image. accept() sees every frame exactly once, in index order, one call at a time.
class FrameReducer : public Stage {
 public:
  using Stage::Stage;
  virtual void accept(const Frame& frame) = 0;
  // Writes the reducer's planned_outputs(), if any, before it returns.
  virtual Image finish() = 0;
  // Called once just before finish(): work that finish() does at length (median and rejection
  // combining the frames they kept) shows its progress through `log`.
  virtual void before_finish(Log& /*log*/) {}
  // Called once before the first accept(). A reducer that checkpoints starts its checkpoints, or
  // with request.resume loads the last one (calling request.load_run_state) and returns true: the
  // runner then hands it only the frames after those it holds. Refuses (throws) a checkpoint of
  // another config or other inputs, and an existing checkpoint without request.resume.
  virtual bool start_checkpoints(const CheckpointRequest& /*request*/, Log& /*log*/) { return false; }
  // Once the run's outputs are written: the checkpoint is no longer needed.
  virtual void remove_checkpoint() {}

  // Shards that split the image (nightstack run --shard, MPI ranks): called before the pass, asks
  // the reducer to take only band `band` of `bands` equal bands of rows of every frame (rows
  // [band * height / bands, (band + 1) * height / bands)), so finish() gives those rows of the
  // image. With `frames_cut` the frames arrive cut to those rows already (the source read only
  // them); otherwise they arrive whole. Throws UsageError saying why when it cannot; by default
  // it cannot.
  virtual void take_row_band(std::size_t band, std::size_t bands, bool frames_cut);
  // Whether a reducer taking a band of rows still needs each whole frame (to measure it for
  // normalization or weights), so the source must not cut them.
  virtual bool needs_whole_frames_in_a_band() const { return true; }
  // The whole image from the finish() results of every band, in band order: what finish() would
  // have given without shards (rows joined, header counts that depend on the rows added up).
  virtual Image join_row_bands(std::vector<Image> bands) const;
};

// frames -> images: a reducer that emits images while it takes frames (accept(), in index order,
// one call at a time) and the rest when the pass ends. Each emitted image runs at once through the
// image stages after it (they run once per image; sinks put {index} in their file names), so memory
// holds one image of the sequence at a time.
class ImageSequenceReducer : public FrameReducer {
 public:
  using FrameReducer::FrameReducer;
  using Emit = std::function<void(Image)>;
  // The runner's, before the pass.
  void set_emit(Emit emit) { emit_ = std::move(emit); }
  // Emits what is left; the sequence has no single result.
  Image finish() final {
    finish_sequence();
    return {};
  }

 protected:
  virtual void finish_sequence() = 0;
  void emit(Image image) { emit_(std::move(image)); }

 private:
  Emit emit_;
};

// The name of an image of a sequence: every "{index}" in `path` replaced by `index` (from 1) padded
// to four digits (trails_{index}.jpg -> trails_0001.jpg). The runner sets the index in the image's
// provenance (SEQINDEX); paths of images outside a sequence are returned as they are.
inline constexpr const char* sequence_placeholder = "{index}";
std::filesystem::path sequence_path(const std::filesystem::path& path, const Provenance& provenance);

// image -> image.
class ImageTransform : public Stage {
 public:
  using Stage::Stage;
  virtual Image transform(const Image& image) const = 0;
};

// images -> image: combines several finished images, one per input, given in the order the
// config lists them (`input: [sky, foreground]`); the stage type names each input's role. Takes
// single images, not sequences.
class ImageCombiner : public Stage {
 public:
  using Stage::Stage;
  virtual Image combine(const std::vector<const Image*>& inputs) const = 0;
};

// image -> files. Returns the files it wrote, each complete (written under a temporary name and
// renamed), for the run summary.
class ImageSink : public Stage {
 public:
  using Stage::Stage;
  virtual std::vector<std::filesystem::path> write(const Image& image) = 0;
  // Every sink names its files ({index} standing for the number of an image of a sequence).
  std::vector<std::filesystem::path> planned_outputs() const override = 0;
};

// One entry of the stage registry. The factory checks what the schema cannot (combinations of
// parameters) and throws ParameterError naming the parameter.
struct StageType {
  std::string name;
  std::string summary;
  DataKind input = DataKind::nothing;
  DataKind output = DataKind::nothing;
  std::vector<ParameterSpec> parameters;
  std::function<std::unique_ptr<Stage>(const StageContext&)> make;
  // For a stage of several inputs (an ImageCombiner): what each is, in order. Empty: one input.
  std::vector<std::string> input_roles;

  const ParameterSpec* find_parameter(const std::string& parameter_name) const;
};

// The explicit table of stage types (filled by stages/registry.cpp).
class StageRegistry {
 public:
  explicit StageRegistry(std::vector<StageType> types) : types_(std::move(types)) {}
  const StageType* find(const std::string& name) const;
  const std::vector<StageType>& types() const { return types_; }

 private:
  std::vector<StageType> types_;
};

}  // namespace nightstack
