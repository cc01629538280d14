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

bool same_file(const std::filesystem::path& left, const std::filesystem::path& right) {
  std::error_code error;
  return std::filesystem::equivalent(left, right, error) && !error;
}

// Whether `name` is what `pattern` gives for some image number: {index} replaced by four or more
// digits (sequence_path pads to four).
bool numbered_name_matches(const std::string& pattern, const std::string& name) {
  const auto at = pattern.find(sequence_placeholder);
  if (at == std::string::npos) return pattern == name;
  const std::string before = pattern.substr(0, at);
  const std::string after = pattern.substr(at + std::string(sequence_placeholder).size());
  if (name.size() < before.size() + after.size() + 4 || !name.starts_with(before)) return false;
  const std::string rest = name.substr(before.size());
  const auto digits = rest.find_first_not_of("0123456789");
  if (digits == std::string::npos ? rest.size() < 4 : digits < 4) return false;
  return numbered_name_matches(after, rest.substr(digits == std::string::npos ? rest.size() : digits));
}

// The input `output` would overwrite: the same file (equivalent follows symlinks and sees hard
// links), whatever the spelling; for a numbered output, any input its numbers could name. An
// output that does not exist yet cannot be an input.
const InputFile* overwritten_input(const std::filesystem::path& output,
                                   const std::vector<InputFile>& inputs) {
  const std::string file_name = output.filename().string();
  if (file_name.find(sequence_placeholder) != std::string::npos) {
    const std::filesystem::path directory = output.has_parent_path() ? output.parent_path() : ".";
    for (const auto& input : inputs) {
      const std::filesystem::path input_directory =
          input.path->has_parent_path() ? input.path->parent_path() : ".";
      if (numbered_name_matches(file_name, input.path->filename().string()) &&
          same_file(directory, input_directory))
        return &input;
    }
    return nullptr;
  }
  std::error_code error;
  if (!std::filesystem::exists(output, error)) return nullptr;
  for (const auto& input : inputs) {
    if (same_file(output, *input.path)) return &input;
  }
  return nullptr;
}

// The diagnostic for one output written by `writer`, or nothing when it is safe.
std::optional<std::string> clash(const std::filesystem::path& output, const std::string& writer,
                                 const std::vector<InputFile>& inputs) {
  std::error_code error;
  if (std::filesystem::is_directory(output, error))
    return writer + " would write " + output.string() + ", which is an existing directory; give a file name";
  if (const InputFile* input = overwritten_input(output, inputs))
    return writer + " would write " + output.string() + ", which is the input " + input->path->string() +
           " of stage '" + *input->source + "'; inputs are never overwritten: write the output elsewhere";
  return std::nullopt;
}

// Two spellings of one path name the same file when both exist and are one file, or when their
// normal forms are equal (files that do not exist yet).
bool same_output(const std::filesystem::path& left, const std::filesystem::path& right) {
  std::error_code error;
  const auto normal = [&](const std::filesystem::path& path) {
    const auto absolute = std::filesystem::absolute(path, error);
    return std::filesystem::weakly_canonical(error ? path : absolute, error);
  };
  return same_file(left, right) || normal(left) == normal(right);
}

}  // namespace

void refuse_outputs_over_inputs(const Graph& graph, const std::vector<SourceSummary>& sources,
                                const std::vector<ExtraOutput>& extras) {
  const std::vector<InputFile> inputs = input_files(sources);
  std::vector<Diagnostic> diagnostics;
  for (const auto& node : graph.nodes) {
    const std::string stage = "stage '" + node.stage->id() + "'";
    for (const auto& output : node.stage->planned_outputs()) {
      const SourceLocation location =
          node.config ? location_of_path(*node.config, output) : SourceLocation{node.stage->id(), 0, 0};
      if (auto message = clash(output, stage, inputs)) diagnostics.push_back({location, *message});
      for (const auto& extra : extras) {
        if (same_output(output, extra.path))
          diagnostics.push_back({extra.origin, extra.writer + " would write " + extra.path.string() +
                                                   ", which " + stage + " writes too (" +
                                                   to_string(location) + "); give it another name"});
      }
    }
  }
  for (const auto& extra : extras) {
    if (auto message = clash(extra.path, extra.writer, inputs))
      diagnostics.push_back({extra.origin, *message});
  }
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
}

}  // namespace nightstack
