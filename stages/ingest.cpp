// ingest: finds the frames named by files, directories and globs, recognises each by its first
// bytes, and decodes them on request (from several threads at once).
#include <algorithm>
#include <cctype>
#include <map>

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
};

std::string readable_formats() {
  std::string names;
  for (const auto& format : input_formats()) {
    if (!format.make_reader) continue;
    names += (names.empty() ? "" : ", ") + format.name;
  }
  return names;
}

// One reader per format per decoding thread, so handles and buffers are reused from frame to frame.
ImageReader& reader_for(const InputFormat& format) {
  thread_local std::map<const InputFormat*, std::unique_ptr<ImageReader>> readers;
  auto& reader = readers[&format];
  if (!reader) reader = format.make_reader();
  return *reader;
}

class Ingest : public FrameSource {
 public:
  Ingest(std::string id, IngestSettings settings)
      : FrameSource(std::move(id)), settings_(std::move(settings)) {}

  void prepare(Log& log) override {
    frames_.clear();
    skipped_ = 0;
    for (auto& candidate : expand_input_paths(settings_.paths, settings_.recursive)) {
      std::error_code error;
      if (std::filesystem::is_directory(candidate, error)) {
        log.warn("skipping " + candidate.string() + ": it is a directory, not an image");
        ++skipped_;
        continue;
      }
      const InputFormat* format = identify_format(candidate);
      if (!format) {
        log.warn("skipping " + candidate.string() + ": not an image nightstack can read (it reads " +
                 readable_formats() + "); move it out of the folder or list the frames explicitly");
        ++skipped_;
        continue;
      }
      if (!format->make_reader) {
        log.warn("skipping " + candidate.string() + ": " + format->name +
                 " input is not supported yet (nightstack reads " + readable_formats() + ")");
        ++skipped_;
        continue;
      }
      frames_.push_back({std::move(candidate), format});
    }
    if (settings_.sort == "name") {
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

  std::size_t files_skipped() const override { return skipped_; }
  std::size_t frame_count() const override { return frames_.size(); }
  const std::filesystem::path& frame_path(std::size_t index) const override { return frames_.at(index).path; }

  Frame read_frame(std::size_t index) const override {
    const Entry& entry = frames_.at(index);
    Frame frame = reader_for(*entry.format).read(entry.path);
    frame.info.index = index;
    return frame;
  }

 private:
  struct Entry {
    std::filesystem::path path;
    const InputFormat* format;
  };
  IngestSettings settings_;
  std::vector<Entry> frames_;
  std::size_t skipped_ = 0;
};

}  // namespace

StageType ingest_stage_type() {
  StageType type;
  type.name = "ingest";
  type.summary =
      "Reads frames from files, directories and globs; each file's format is recognised by its "
      "first bytes, and files that are not images are skipped with a warning.";
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
       .choices = {"name", "none"},
       .help =
           "Frame order: 'name' sorts naturally (frame_9 before frame_10); 'none' keeps the order found."},
      {.name = "recursive",
       .type = ParameterType::boolean,
       .default_value = false,
       .help = "Also read the subdirectories of listed directories."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    IngestSettings settings{context.parameters.list("paths"), context.parameters.text("sort"),
                            context.parameters.boolean("recursive")};
    return std::make_unique<Ingest>(context.id, std::move(settings));
  };
  return type;
}

}  // namespace nightstack
