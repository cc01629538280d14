// The check that outputs and inputs are different files, by identity rather than by spelling.
#include "pipeline/output_protection.hpp"

#include <system_error>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

struct InputFile {
  const std::filesystem::path* path;
  const std::string* source;
};

std::vector<InputFile> input_files(const std::vector<SourceSummary>& sources) {
  std::vector<InputFile> files;
  for (const auto& source : sources) {
    for (const auto& record : source.records) files.push_back({&record.path, &source.id});
    for (const auto& skipped : source.skipped) files.push_back({&skipped.path, &source.id});
  }
  return files;
}

// The input `output` would overwrite: the same file (equivalent follows symlinks and sees hard
// links), whatever the spelling. An output that does not exist yet cannot be an input.
const InputFile* overwritten_input(const std::filesystem::path& output,
                                   const std::vector<InputFile>& inputs) {
  std::error_code error;
  if (!std::filesystem::exists(output, error)) return nullptr;
  for (const auto& input : inputs) {
    if (std::filesystem::equivalent(output, *input.path, error) && !error) return &input;
  }
  return nullptr;
}

}  // namespace

void refuse_outputs_over_inputs(const Graph& graph, const std::vector<SourceSummary>& sources) {
  const std::vector<InputFile> inputs = input_files(sources);
  std::vector<Diagnostic> diagnostics;
  for (const auto& node : graph.nodes) {
    const auto* sink = dynamic_cast<const ImageSink*>(node.stage.get());
    if (!sink) continue;
    for (const auto& output : sink->planned_outputs()) {
      const SourceLocation location = location_of_path(*node.config, output);
      const std::string stage = "stage '" + sink->id() + "'";
      std::error_code error;
      if (std::filesystem::is_directory(output, error)) {
        diagnostics.push_back({location, stage + " would write " + output.string() +
                                             ", which is an existing directory; give a file name"});
      } else if (const InputFile* input = overwritten_input(output, inputs)) {
        diagnostics.push_back({location, stage + " would write " + output.string() + ", which is the input " +
                                             input->path->string() + " of stage '" + *input->source +
                                             "'; inputs are never overwritten: write the output elsewhere"});
      }
    }
  }
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
}

}  // namespace nightstack
