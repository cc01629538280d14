// ingest: finds the frames named by files, directories and globs, recognises each by its first
// bytes, and decodes them on request (from several threads at once).
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "stages/input_paths.hpp"
#include "stages/natural_order.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct IngestSettings {
  std::vector<std::string> paths;
  std::string sort;
  bool recursive = false;
  ReadOptions read_options;
  std::vector<std::string> exclude;
  std::optional<double> reject_outliers;
  std::optional<FrameSource::FlashScreening> reject_flashes;
  BadFramePolicy on_error = BadFramePolicy::fail;
};

std::string readable_formats() {
  std::string names;
  for (const auto& format : input_formats()) {
    if (!format.make_reader) continue;
    names += (names.empty() ? "" : ", ") + format.name;
  }
  return names;
}

class Ingest : public FrameSource {
 public:
  Ingest(std::string id, IngestSettings settings)
      : FrameSource(std::move(id)), settings_(std::move(settings)) {}

  void prepare(Log& log) override {
    frames_.clear();
    skipped_.clear();
    auto skip = [&](const std::filesystem::path& path, const std::string& reason) {
      log.warn("skipping " + path.string() + ": " + reason);
      skipped_.push_back({path, reason});
    };
    for (auto& candidate : expand_input_paths(settings_.paths, settings_.recursive)) {
      std::error_code error;
      if (is_excluded(candidate)) {
        skip(candidate, "excluded by the stage's 'exclude' list");
        continue;
      }
      const bool meant_as_frame = named_like_an_image(candidate);
      if (std::filesystem::is_directory(candidate, error)) {
        if (meant_as_frame) {
          add_bad_frame(std::move(candidate), "is a directory, not an image");
        } else {
          skip(candidate, "it is a directory, not an image");
        }
        continue;
      }
      const InputFormat* format = nullptr;
      try {
        format = identify_format(candidate);
      } catch (const InputError& unreadable) {
        add_bad_frame(std::move(candidate), unreadable.detail());
        continue;
      }
      if (!format && meant_as_frame) {  // (identify_format already refused an empty one)
        add_bad_frame(std::move(candidate),
                      "its name says image, but its first bytes are not those of any "
                      "format nightstack reads (" +
                          readable_formats() + ")");
        continue;
      }
      if (!format) {
        skip(candidate, "not an image nightstack can read (it reads " + readable_formats() +
                            "); move it out of the folder or list the frames explicitly");
        continue;
      }
      if (!format->make_reader) {
        skip(candidate,
             format->name + " input is not supported yet (nightstack reads " + readable_formats() + ")");
        continue;
      }
      frames_.push_back({std::move(candidate), format, ""});
    }
    if (settings_.sort == "time") {
      sort_by_capture_time(log);
    } else if (settings_.sort == "name") {
      std::stable_sort(frames_.begin(), frames_.end(), [](const Entry& left, const Entry& right) {
        return natural_less(left.path.string(), right.path.string());
      });
    }
    if (frames_.empty()) {
      throw InputError(settings_.paths.front(),
                       "no frames to stack: nothing in 'paths' is an image nightstack can read", std::nullopt,
                       id());
    }
  }

  // A file meant as a frame that cannot be one. With on_error: fail the run stops here, before any
  // decoding; with skip it stays in the sequence and fails at its turn like an undecodable frame,
  // so every bad frame is handled, numbered and reported the same way.
  void add_bad_frame(std::filesystem::path path, const std::string& problem) {
    if (settings_.on_error == BadFramePolicy::fail) {
      throw InputError(
          path, problem + "; remove it, or set on_error: skip (--on-error skip) to leave bad frames out",
          std::nullopt, id());
    }
    frames_.push_back({std::move(path), nullptr, problem});
  }

  // An entry matches a file's name or its whole path, as a shell pattern.
  bool is_excluded(const std::filesystem::path& path) const {
    for (const auto& pattern : settings_.exclude) {
      if (::fnmatch(pattern.c_str(), path.filename().c_str(), 0) == 0 ||
          ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) {
        return true;
      }
    }
    return false;
  }

  // Frames without a capture time keep their name order after every frame that has one.
  void sort_by_capture_time(Log& log) {
    std::stable_sort(frames_.begin(), frames_.end(), [](const Entry& left, const Entry& right) {
      return natural_less(left.path.string(), right.path.string());
    });
    std::vector<std::optional<double>> times;
    std::size_t unknown = 0;
    for (const auto& entry : frames_) {
      times.push_back(
          entry.format
              ? reader_for(*entry.format, settings_.read_options).read_info(entry.path).capture.start_time
              : std::nullopt);
      if (!times.back()) ++unknown;
    }
    std::vector<std::size_t> order(frames_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
      if (times[left] && times[right]) return *times[left] < *times[right];
      return times[left].has_value() && !times[right].has_value();
    });
    std::vector<Entry> sorted;
    for (std::size_t i : order) sorted.push_back(frames_[i]);
    frames_ = std::move(sorted);
    if (unknown) {
      log.warn(std::to_string(unknown) + " of " + std::to_string(frames_.size()) + " frames of stage '" +
               id() + "' have no capture time; they follow the others in name order");
    }
  }

  std::vector<SkippedFile> skipped_files() const override { return skipped_; }
  std::optional<double> outlier_threshold() const override { return settings_.reject_outliers; }
  std::optional<FlashScreening> flash_screening() const override { return settings_.reject_flashes; }
  BadFramePolicy bad_frame_policy() const override { return settings_.on_error; }
  std::size_t frame_count() const override { return frames_.size(); }
  const std::filesystem::path& frame_path(std::size_t index) const override { return frames_.at(index).path; }

  Frame read_frame(std::size_t index) const override {
    const Entry& entry = frames_.at(index);
    if (!entry.format) throw InputError(entry.path, entry.problem);
    Frame frame = reader_for(*entry.format, settings_.read_options).read(entry.path);
    frame.info.index = index;
    return frame;
  }

  std::unique_ptr<OpenFrame> open_frame(std::size_t index) const override {
    const Entry& entry = frames_.at(index);
    if (!entry.format) throw InputError(entry.path, entry.problem);
    auto frame = reader_for(*entry.format, settings_.read_options).open(entry.path);
    frame->info().index = index;
    return frame;
  }

 private:
  struct Entry {
    std::filesystem::path path;
    const InputFormat* format;  // nullptr for a bad frame kept by on_error: skip
    std::string problem;        // why it is bad
  };
  IngestSettings settings_;
  std::vector<Entry> frames_;
  std::vector<SkippedFile> skipped_;
};

}  // namespace

StageType ingest_stage_type() {
  StageType type;
  type.name = "ingest";
  type.summary =
      "Reads frames from files, directories and globs; each file's format is recognised by its "
      "first bytes, and files that are not images are skipped with a warning (an empty file or a "
      "directory named like an image, x.jpg, is an error).";
  type.input = DataKind::nothing;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "paths",
       .type = ParameterType::path_list,
       .required = true,
       .help =
           "Files, directories and globs (e.g. [night/*.jpg, more/]); relative to the working directory."},
      {.name = "sort",
       .type = ParameterType::choice,
       .default_value = std::string("name"),
       .choices = {"name", "time", "none"},
       .help =
           "Frame order: 'name' sorts naturally (frame_9 before frame_10); 'time' by capture time (FITS "
           "DATE-OBS, EXIF DateTimeOriginal, RAW timestamp; read from the headers before stacking), frames "
           "without one last; 'none' keeps the order found."},
      {.name = "recursive",
       .type = ParameterType::boolean,
       .default_value = false,
       .help = "Also read the subdirectories of listed directories."},
      {.name = "exclude",
       .type = ParameterType::path_list,
       .default_value = std::vector<std::string>{},
       .help = "Frames to leave out: file names or paths, shell patterns allowed (e.g. [IMG_0042.CR2, "
               "'bad_*'])."},
      {.name = "reject_outliers",
       .type = ParameterType::number,
       .minimum = 1.0,
       .maximum = 100.0,
       .help =
           "Off unless given. Leaves out frames whose background or noise differs from the sequence's median "
           "by more than this many robust standard deviations (e.g. 5: clouds, headlights, dawn). Every "
           "frame is then decoded twice: once to measure, once to stack. Each rejection is reported."},
      {.name = "reject_flashes",
       .type = ParameterType::number,
       .minimum = 1.0,
       .maximum = 1000.0,
       .help = "Off unless given. Leaves out frames whose mean level lies more than this many robust "
               "standard deviations above the median of their neighbours' (e.g. 5: a flash, a car's "
               "headlights, lightning), wherever they fall in the night; a sky brightening slowly is not a "
               "flash (reject_outliers catches dawn). Measured in the same first pass as reject_outliers; "
               "each frame left out is named in the log and the report."},
      {.name = "flash_neighbours",
       .type = ParameterType::integer,
       .default_value = std::int64_t{3},
       .minimum = 1,
       .maximum = 100,
       .help = "For reject_flashes: how many frames on each side a frame is compared with."},
      {.name = "on_error",
       .type = ParameterType::choice,
       .default_value = std::string("fail"),
       .choices = {"fail", "skip"},
       .help = "A frame that cannot be read or used (truncated, corrupt, empty, unreadable, deleted, a "
               "directory named like an image, another size than the first frame): fail stops the run "
               "with an error naming it; skip leaves it out with a warning and lists it in the summary, "
               "the report and the outputs' header (NSKIPPED, HISTORY). All frames bad is an error."},
      {.name = "raw_mode",
       .type = ParameterType::choice,
       .default_value = std::string("rgb"),
       .choices = {"rgb", "cfa"},
       .help = "RAW files: rgb gives demosaiced linear RGB (gamma 1, no auto-brightening, black level "
               "subtracted, the sensor's white level as full scale); cfa gives the undemosaiced Bayer "
               "mosaic as one plane, for calibration before demosaicing."},
      {.name = "white_balance",
       .type = ParameterType::choice,
       .default_value = std::string("camera"),
       .choices = {"camera", "daylight", "none"},
       .help = "RAW files, rgb mode: camera (as shot), daylight, or none (unit multipliers)."},
      {.name = "colour_space",
       .type = ParameterType::choice,
       .default_value = std::string("raw"),
       .choices = {"raw", "srgb"},
       .help = "RAW files, rgb mode: raw keeps camera RGB; srgb converts to linear sRGB primaries."},
      {.name = "demosaic",
       .type = ParameterType::choice,
       .default_value = std::string("ahd"),
       .choices = {"linear", "vng", "ppg", "ahd", "dcb", "dht", "aahd"},
       .help = "RAW files, rgb mode: LibRaw's demosaicing algorithm."},
      {.name = "half_size",
       .type = ParameterType::boolean,
       .default_value = false,
       .help = "RAW files, rgb mode: bin each 2x2 Bayer cell into one RGB pixel instead of demosaicing "
               "(fast, half the resolution)."},
      {.name = "bayer",
       .type = ParameterType::choice,
       .default_value = std::string("demosaic"),
       .choices = {"demosaic", "cfa"},
       .help = "FITS frames with a Bayer pattern (BAYERPAT): demosaic to RGB (bilinear) or keep the mosaic "
               "as one plane (cfa)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const auto& parameters = context.parameters;
    IngestSettings settings{
        parameters.list("paths"),
        parameters.text("sort"),
        parameters.boolean("recursive"),
        ReadOptions{
            .raw_mode = parameters.text("raw_mode"),
            .white_balance = parameters.text("white_balance"),
            .colour_space = parameters.text("colour_space"),
            .demosaic = parameters.text("demosaic"),
            .half_size = parameters.boolean("half_size"),
            .bayer = parameters.text("bayer"),
        },
        parameters.list("exclude"),
        parameters.has("reject_outliers") ? std::optional<double>(parameters.number("reject_outliers"))
                                          : std::nullopt,
        parameters.has("reject_flashes")
            ? std::optional(FrameSource::FlashScreening{
                  parameters.number("reject_flashes"),
                  static_cast<std::size_t>(parameters.integer("flash_neighbours"))})
            : std::nullopt,
        parameters.text("on_error") == "skip" ? BadFramePolicy::skip : BadFramePolicy::fail};
    return std::make_unique<Ingest>(context.id, std::move(settings));
  };
  return type;
}

}  // namespace nightstack
