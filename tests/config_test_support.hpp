// For the config and graph tests: a small stage registry shaped like the real one, with trivial
// test doubles of the five stage kinds, and helpers to check ConfigError diagnostics.
#pragma once

#ifndef BOOST_TEST_DYN_LINK
#define BOOST_TEST_DYN_LINK
#endif
#include <boost/test/unit_test.hpp>

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/stage.hpp"

namespace nightstack::test_doubles {

class Source : public FrameSource {
 public:
  using FrameSource::FrameSource;
  void prepare(Log&) override {}
  std::size_t frame_count() const override { return 0; }
  const std::filesystem::path& frame_path(std::size_t) const override { return no_path_; }
  Frame read_frame(std::size_t) const override { return Frame{}; }

 private:
  std::filesystem::path no_path_;
};

class PerFrame : public FrameTransform {
 public:
  using FrameTransform::FrameTransform;
  Frame transform(Frame frame) const override { return frame; }
};

class Reducer : public FrameReducer {
 public:
  using FrameReducer::FrameReducer;
  void accept(const Frame&) override {}
  Image finish() override { return Image{}; }
};

class PerImage : public ImageTransform {
 public:
  using ImageTransform::ImageTransform;
  Image transform(const Image& image) const override { return image; }
};

class Sink : public ImageSink {
 public:
  Sink(std::string id, std::vector<std::filesystem::path> outputs)
      : ImageSink(std::move(id)), outputs_(std::move(outputs)) {}
  std::vector<std::filesystem::path> write(const Image&) override { return outputs_; }
  std::vector<std::filesystem::path> planned_outputs() const override { return outputs_; }

 private:
  std::vector<std::filesystem::path> outputs_;
};

inline ParameterSpec spec(std::string name, ParameterType type) {
  ParameterSpec result;
  result.name = std::move(name);
  result.type = type;
  return result;
}

inline StageRegistry make_registry() {
  using Kind = DataKind;
  using Type = ParameterType;
  std::vector<StageType> types;

  auto paths = spec("paths", Type::path_list);
  paths.required = true;
  auto sort = spec("sort", Type::choice);
  sort.choices = {"name", "time"};
  sort.default_value = std::string("name");
  auto recursive = spec("recursive", Type::boolean);
  recursive.default_value = false;
  auto limit = spec("limit", Type::integer);
  limit.minimum = 1;
  types.push_back({"ingest",
                   "reads frames",
                   Kind::nothing,
                   Kind::frames,
                   {paths, sort, recursive, limit},
                   [](const StageContext& context) {
                     for (const auto& path : context.parameters.list("paths")) {
                       if (path.find("broken[") != std::string::npos) {
                         throw std::runtime_error("unbalanced '[' in pattern " + path);
                       }
                     }
                     return std::make_unique<Source>(context.id);
                   },
                   {}});

  auto transfer = spec("transfer", Type::choice);
  transfer.choices = {"srgb", "gamma", "linear"};
  transfer.default_value = std::string("srgb");
  auto gamma = spec("gamma", Type::number);
  gamma.minimum = 0.1;
  gamma.maximum = 10;
  gamma.default_value = 2.2;
  types.push_back({"linearize",
                   "undoes the transfer curve",
                   Kind::frames,
                   Kind::frames,
                   {transfer, gamma},
                   [](const StageContext& context) { return std::make_unique<PerFrame>(context.id); },
                   {}});

  auto method = spec("method", Type::choice);
  method.choices = {"max", "sum", "mean"};
  method.default_value = std::string("mean");
  types.push_back({"stack",
                   "combines frames",
                   Kind::frames,
                   Kind::image,
                   {method},
                   [](const StageContext& context) { return std::make_unique<Reducer>(context.id); },
                   {}});

  auto low = spec("low", Type::number);
  low.default_value = 0.0;
  auto high = spec("high", Type::number);
  high.default_value = std::int64_t{1};  // written as a whole number on purpose
  types.push_back({"normalize",
                   "rescales an image",
                   Kind::image,
                   Kind::image,
                   {low, high},
                   [](const StageContext& context) {
                     if (context.parameters.number("high") <= context.parameters.number("low")) {
                       throw ParameterError("high", "high must be greater than low");
                     }
                     return std::make_unique<PerImage>(context.id);
                   },
                   {}});

  auto fits = spec("fits", Type::path);
  auto tiff = spec("tiff", Type::path);
  auto object = spec("object", Type::text);
  types.push_back({"write",
                   "writes files",
                   Kind::image,
                   Kind::nothing,
                   {fits, tiff, object},
                   [](const StageContext& context) {
                     std::vector<std::filesystem::path> outputs;
                     for (const char* name : {"fits", "tiff"}) {
                       if (context.parameters.has(name)) {
                         outputs.emplace_back(context.parameters.text(name));
                       }
                     }
                     return std::make_unique<Sink>(context.id, outputs);
                   },
                   {}});
  return StageRegistry(std::move(types));
}

// One registry for the whole test run: configs point into it.
inline const StageRegistry& registry() {
  static const StageRegistry instance = make_registry();
  return instance;
}

inline Config load(const std::string& text, const std::vector<Override>& overrides = {}) {
  return load_config_text(text, "test.yaml", overrides, registry());
}

// The diagnostics of the ConfigError that `action` throws; none if it throws nothing.
inline std::vector<Diagnostic> diagnostics_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.diagnostics();
  }
  return {};
}

inline std::vector<Diagnostic> load_errors(const std::string& text,
                                           const std::vector<Override>& overrides = {}) {
  return diagnostics_of([&] { load(text, overrides); });
}

// Passes when some diagnostic is at `where` (as printed: "test.yaml:3:11") and its message
// contains `text`; on failure it lists what was reported instead.
inline boost::test_tools::assertion_result has_diagnostic(const std::vector<Diagnostic>& diagnostics,
                                                          const std::string& where, const std::string& text) {
  for (const auto& diagnostic : diagnostics) {
    if (to_string(diagnostic.location) == where && diagnostic.message.find(text) != std::string::npos) {
      return true;
    }
  }
  boost::test_tools::assertion_result result(false);
  result.message() << "no diagnostic at " << where << " containing \"" << text << "\"; got "
                   << diagnostics.size() << ":";
  for (const auto& diagnostic : diagnostics) {
    result.message() << "\n  " << to_string(diagnostic.location) << ": " << diagnostic.message;
  }
  return result;
}

// `text` with its line `line` (1-based) replaced by `replacement`, which may span several lines.
inline std::string with_line(const std::string& text, int line, const std::string& replacement) {
  std::istringstream input(text);
  std::string result;
  std::string current;
  for (int number = 1; std::getline(input, current); ++number) {
    result += (number == line ? replacement : current) + "\n";
  }
  return result;
}

// The config of the brief, every line numbered so tests can name exact locations.
inline const std::string basic_config =
    "stages:\n"                        // 1
    "  - id: lights\n"                 // 2
    "    type: ingest\n"               // 3
    "    paths: [data/night/*.JPG]\n"  // 4
    "  - id: linear\n"                 // 5
    "    type: linearize\n"            // 6
    "    input: lights\n"              // 7
    "    transfer: srgb\n"             // 8
    "  - id: trails\n"                 // 9
    "    type: stack\n"                // 10
    "    input: linear\n"              // 11
    "    method: max\n"                // 12
    "  - id: out\n"                    // 13
    "    type: write\n"                // 14
    "    input: trails\n"              // 15
    "    fits: out/trails.fits\n";     // 16

}  // namespace nightstack::test_doubles
