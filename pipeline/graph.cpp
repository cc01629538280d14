// Builds the stage graph of a checked config: inputs resolved, data kinds matched, cycles refused,
// every stage made by its factory, and sinks that would overwrite each other caught up front.
#include "pipeline/graph.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <stdexcept>
#include <system_error>
#include <tuple>

#include "pipeline/suggestion.hpp"

namespace nightstack {

namespace {

std::string label(const StageConfig& stage) { return "stage '" + stage.id + "' (" + stage.type->name + ")"; }

std::string line_note(const SourceLocation& location) {
  return location.line > 0 ? " (line " + std::to_string(location.line) + ")" : "";
}

// Whether the factory made the class the type's kinds promise; the runner relies on it.
bool is_of_declared_kind(const Stage& stage, const StageType& type) {
  using Kind = DataKind;
  if (type.input == Kind::nothing && type.output == Kind::frames) {
    return dynamic_cast<const FrameSource*>(&stage) != nullptr;
  }
  if (type.input == Kind::frames && type.output == Kind::frames) {
    return dynamic_cast<const FrameTransform*>(&stage) != nullptr ||
           dynamic_cast<const FrameSequenceStep*>(&stage) != nullptr;
  }
  if (type.input == Kind::frames && type.output == Kind::images) {
    return dynamic_cast<const ImageSequenceReducer*>(&stage) != nullptr;
  }
  if (type.input == Kind::frames && type.output == Kind::image) {
    return dynamic_cast<const FrameReducer*>(&stage) != nullptr;
  }
  if (type.input == Kind::image && type.output == Kind::image && type.input_roles.size() > 1) {
    return dynamic_cast<const ImageCombiner*>(&stage) != nullptr;
  }
  if (type.input == Kind::image && type.output == Kind::image) {
    return dynamic_cast<const ImageTransform*>(&stage) != nullptr;
  }
  if (type.input == Kind::image && type.output == Kind::nothing) {
    return dynamic_cast<const ImageSink*>(&stage) != nullptr;
  }
  return false;
}

// Two spellings of one file ("out/a.fits", "./out/../out/a.fits", a symlinked directory) must
// compare equal; weakly_canonical resolves what exists and normalises the rest.
std::filesystem::path comparable_path(const std::filesystem::path& path) {
  std::error_code error;
  const auto absolute = std::filesystem::absolute(path, error);
  if (error) return path.lexically_normal();
  const auto canonical = std::filesystem::weakly_canonical(absolute, error);
  return error ? absolute.lexically_normal() : canonical;
}

}  // namespace

// The parameter that names `path`, to point at it rather than at the whole stage; the one written
// last when several do, as that is the one that clashes. Failing that, the one whose value `path`
// extends (a prefix such as a stack's rejection_maps: PREFIX gives PREFIX_low.fits).
SourceLocation location_of_path(const StageConfig& stage, const std::filesystem::path& path) {
  std::optional<SourceLocation> found;
  std::optional<SourceLocation> prefix;
  std::size_t prefix_length = 0;
  auto later = [](const SourceLocation& left, const SourceLocation& right) {
    return std::tie(left.line, left.column) > std::tie(right.line, right.column);
  };
  const std::string spelled = path.string();
  for (const auto& [name, value] : stage.parameters.values()) {
    const auto* text = std::get_if<std::string>(&value);
    const auto* list = std::get_if<std::vector<std::string>>(&value);
    const bool names_path =
        (text && *text == spelled) || (list && std::find(list->begin(), list->end(), spelled) != list->end());
    if (names_path && (!found || later(stage.parameters.location(name), *found))) {
      found = stage.parameters.location(name);
    }
    if (text && !text->empty() && text->size() > prefix_length && spelled.starts_with(*text)) {
      prefix = stage.parameters.location(name);
      prefix_length = text->size();
    }
  }
  return found.value_or(prefix.value_or(stage.location));
}

namespace {

class GraphBuilder {
 public:
  GraphBuilder(const Config& config, const RunInfo& run)
      : source_(config.source),
        stages_(config.stages),
        run_(run),
        inputs_(stages_.size()),
        made_(stages_.size()) {
    for (const auto& stage : stages_) {
      // A Config from the loader always has types; a null one is a bug in code that built it.
      if (!stage.type) throw std::logic_error("stage '" + stage.id + "' has no stage type");
    }
  }

  Graph build() {
    resolve_inputs();
    check_kinds();
    const auto order = topological_order();
    make_stages();
    check_combiner_inputs();
    check_outputs();
    if (!diagnostics_.empty()) {
      // In file order, as the loader reports them; --set locations (line 0) go last.
      auto key = [&](const Diagnostic& diagnostic) {
        return std::tuple(diagnostic.location.file != source_, diagnostic.location.line,
                          diagnostic.location.column);
      };
      std::stable_sort(
          diagnostics_.begin(), diagnostics_.end(),
          [&](const Diagnostic& left, const Diagnostic& right) { return key(left) < key(right); });
      throw ConfigError(std::move(diagnostics_));
    }
    return assemble(order);
  }

 private:
  void report(SourceLocation location, std::string message) {
    diagnostics_.push_back(Diagnostic{std::move(location), std::move(message)});
  }

  void resolve_inputs() {
    std::map<std::string, std::size_t> index;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      // The loader refuses duplicate ids already; this is for configs built in code.
      if (!index.emplace(stages_[i].id, i).second) {
        report(stages_[i].location, "duplicate stage id '" + stages_[i].id + "'");
      }
      ids.push_back(stages_[i].id);
    }
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      const StageConfig& stage = stages_[i];
      const StageType& type = *stage.type;
      if (type.input == DataKind::nothing) {
        if (!stage.inputs.empty()) {
          report(stage.input_location, label(stage) + " is a source and takes no input; remove its 'input'");
        }
        continue;
      }
      if (stage.inputs.empty()) {
        report(stage.location,
               label(stage) + " needs an input: the id of a stage that gives " + to_string(type.input));
        continue;
      }
      // Stages take one input, except those whose type names several (an image combiner).
      const std::size_t wanted = std::max<std::size_t>(1, type.input_roles.size());
      if (stage.inputs.size() != wanted) {
        std::string roles;
        for (const auto& role : type.input_roles) roles += (roles.empty() ? "" : ", ") + role;
        report(
            stage.input_location,
            wanted == 1
                ? label(stage) + " takes one input, but " + std::to_string(stage.inputs.size()) + " are given"
                : label(stage) + " takes " + std::to_string(wanted) + " inputs, in this order: " + roles +
                      " (input: [" + roles + "]), but " + std::to_string(stage.inputs.size()) + " are given");
        continue;
      }
      for (const auto& input : stage.inputs) {
        auto found = index.find(input);
        if (found == index.end()) {
          report(stage.input_location, "stage '" + stage.id + "' takes input '" + input +
                                           "', but no stage has that id" + did_you_mean(input, ids));
        } else {
          inputs_[i].push_back(found->second);
        }
      }
    }
  }

  void check_kinds() {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      const StageConfig& stage = stages_[i];
      for (std::size_t input : inputs_[i]) {
        const StageType& given = *stages_[input].type;
        const DataKind wanted = stage.type->input;
        if (given.output == wanted) continue;
        // Image stages take a sequence of images one image at a time.
        if (given.output == DataKind::images && wanted == DataKind::image) continue;
        std::string message = label(stage) + " needs " + to_string(wanted) + ", but its input '" +
                              stages_[input].id + "' (" + given.name + ") gives " + to_string(given.output);
        if (given.output == DataKind::frames && wanted == DataKind::image) {
          message += "; put a stack stage between them";
        } else if (given.output == DataKind::image && wanted == DataKind::frames) {
          message +=
              "; a frame stage works before the stack: feed it from the source or from "
              "another frame stage";
        } else if (given.output == DataKind::nothing) {
          message += "; a stage that gives nothing ends a chain";
        }
        report(stage.input_location, message);
      }
    }
  }

  // Kahn's algorithm with the lowest config index first among ready stages, so the order is
  // stable. What cannot be placed lies on or behind a cycle.
  std::vector<std::size_t> topological_order() {
    const std::size_t count = stages_.size();
    std::vector<std::size_t> waiting_for(count);
    std::vector<std::vector<std::size_t>> consumers(count);
    for (std::size_t i = 0; i < count; ++i) {
      waiting_for[i] = inputs_[i].size();
      for (std::size_t input : inputs_[i]) consumers[input].push_back(i);
    }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < count; ++i) {
      if (waiting_for[i] == 0) ready.push(i);
    }
    std::vector<std::size_t> order;
    std::vector<bool> placed(count, false);
    while (!ready.empty()) {
      const std::size_t next = ready.top();
      ready.pop();
      order.push_back(next);
      placed[next] = true;
      for (std::size_t consumer : consumers[next]) {
        if (--waiting_for[consumer] == 0) ready.push(consumer);
      }
    }
    if (order.size() < count) report_cycles(placed);
    return order;
  }

  // Every unplaced stage has an unplaced input, so walking inputs from one must come back to a
  // stage already walked: that loop is a cycle. Each cycle is reported once.
  void report_cycles(const std::vector<bool>& placed) {
    std::vector<bool> reported(stages_.size(), false);
    for (std::size_t start = 0; start < stages_.size(); ++start) {
      if (placed[start] || reported[start]) continue;
      std::vector<std::size_t> walk;
      std::vector<int> position(stages_.size(), -1);
      std::size_t at = start;
      while (position[at] < 0) {
        position[at] = static_cast<int>(walk.size());
        walk.push_back(at);
        at = *std::find_if(inputs_[at].begin(), inputs_[at].end(),
                           [&](std::size_t input) { return !placed[input]; });
      }
      std::vector<std::size_t> cycle(walk.begin() + position[at], walk.end());
      if (std::any_of(cycle.begin(), cycle.end(), [&](std::size_t i) { return reported[i]; })) {
        continue;
      }
      for (std::size_t i : cycle) reported[i] = true;
      // The walk went against the data; turn it round and start at the stage written first.
      std::reverse(cycle.begin(), cycle.end());
      std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
      std::string text;
      for (std::size_t i : cycle) text += stages_[i].id + " -> ";
      text += stages_[cycle.front()].id;
      report(stages_[cycle.front()].input_location, "stages form a cycle: " + text);
    }
  }

  void make_stages() {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      const StageConfig& stage = stages_[i];
      if (!stage.type->make) {
        throw std::logic_error("stage type '" + stage.type->name + "' has no factory");
      }
      try {
        made_[i] = stage.type->make(StageContext{stage.id, stage.parameters, run_});
      } catch (const ParameterError& error) {
        const bool written = stage.parameters.has(error.parameter());
        report(written ? stage.parameters.location(error.parameter()) : stage.location,
               label(stage) + ": " + error.what());
        continue;
      } catch (const std::exception& error) {
        report(stage.location, label(stage) + ": " + error.what());
        continue;
      }
      if (!made_[i] || !is_of_declared_kind(*made_[i], *stage.type)) {
        throw std::logic_error("stage type '" + stage.type->name +
                               "' made a stage of another kind than it declares");
      }
    }
  }

  // Whether stage i takes the images of a sequence (after a sequence reducer and image stages).
  // Walks the inputs with a visited set: the graph may still hold a cycle (reported elsewhere).
  bool fed_a_sequence(std::size_t i) const {
    std::vector<bool> visited(stages_.size(), false);
    std::vector<std::size_t> waiting{i};
    while (!waiting.empty()) {
      const std::size_t stage = waiting.back();
      waiting.pop_back();
      for (std::size_t input : inputs_[stage]) {
        if (visited[input]) continue;
        visited[input] = true;
        const StageType& type = *stages_[input].type;
        if (type.output == DataKind::images) return true;
        if (type.input == DataKind::image) waiting.push_back(input);
      }
    }
    return false;
  }

  // An image combiner takes finished images: a sequence's images come one at a time during the pass,
  // with nothing to pair them with.
  void check_combiner_inputs() {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      if (stages_[i].type->input_roles.size() < 2) continue;
      for (std::size_t input : inputs_[i]) {
        const bool sequence = stages_[input].type->output == DataKind::images || fed_a_sequence(input);
        if (!sequence) continue;
        report(stages_[i].input_location, label(stages_[i]) + " combines single images, but its input '" +
                                              stages_[input].id + "' gives a sequence of images");
      }
    }
  }

  void check_outputs() {
    struct Writer {
      std::size_t stage;
      std::filesystem::path path;
    };
    std::map<std::filesystem::path, Writer> writers;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      if (!made_[i]) continue;
      const StageConfig& stage = stages_[i];
      std::vector<std::filesystem::path> planned;
      try {
        planned = made_[i]->planned_outputs();
      } catch (const std::exception& error) {
        report(stage.location, label(stage) + ": " + error.what());
        continue;
      }
      // Only sinks are given the images of a sequence; a stack's maps are one file each.
      const bool sequence = dynamic_cast<const ImageSink*>(made_[i].get()) && fed_a_sequence(i);
      for (const auto& path : planned) {
        const bool numbered = path.string().find(sequence_placeholder) != std::string::npos;
        if (sequence && !numbered) {
          report(location_of_path(stage, path), label(stage) + " is given a sequence of images: put " +
                                                    sequence_placeholder + " in " + path.string() +
                                                    " for the image's number (e.g. trails_{index}.jpg)");
        } else if (!sequence && numbered) {
          report(location_of_path(stage, path), label(stage) + ": " + sequence_placeholder +
                                                    " numbers the images of a sequence, but its input gives "
                                                    "one image");
        }
        auto [earlier, inserted] = writers.emplace(comparable_path(path), Writer{i, path});
        if (inserted) continue;
        const StageConfig& first = stages_[earlier->second.stage];
        if (earlier->second.stage == i) {
          report(location_of_path(stage, path), label(stage) + " writes " + path.string() + " twice");
        } else {
          report(location_of_path(stage, path), label(stage) + " writes " + path.string() + ", which " +
                                                    label(first) + line_note(first.location) + " writes too");
        }
      }
    }
  }

  Graph assemble(const std::vector<std::size_t>& order) {
    std::vector<std::size_t> node_of(stages_.size());
    for (std::size_t position = 0; position < order.size(); ++position) {
      node_of[order[position]] = position;
    }
    Graph graph;
    for (std::size_t i : order) {
      GraphNode node;
      node.config = &stages_[i];
      node.stage = std::move(made_[i]);
      for (std::size_t input : inputs_[i]) node.inputs.push_back(node_of[input]);
      graph.nodes.push_back(std::move(node));
    }
    for (std::size_t position = 0; position < graph.nodes.size(); ++position) {
      for (std::size_t input : graph.nodes[position].inputs) {
        graph.nodes[input].consumers.push_back(position);
      }
    }
    return graph;
  }

  const std::string& source_;
  const std::vector<StageConfig>& stages_;
  const RunInfo& run_;
  std::vector<std::vector<std::size_t>> inputs_;  // per config stage, config indices
  std::vector<std::unique_ptr<Stage>> made_;      // per config stage
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace

Graph build_graph(const Config& config, const RunInfo& run) { return GraphBuilder(config, run).build(); }

}  // namespace nightstack
