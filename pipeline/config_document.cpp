// Reading a config's YAML into located stage entries, applying --set overrides to them, and
// emitting the result. Knows nothing about stage types; config.cpp checks the entries.
#include "pipeline/config_document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "pipeline/parameter_check.hpp"
#include "pipeline/suggestion.hpp"

namespace nightstack {

namespace {

std::string override_label(const Override& setting) {
  return "--set " + setting.stage_id + "." + setting.parameter + "=" + setting.value;
}

// Quoted scalars stay quoted, so `fits: "null"` does not come back as a null when the resolved
// config is loaded again.
void emit_value(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") out << YAML::DoubleQuoted;
      out << node.Scalar();
      break;
    case YAML::NodeType::Sequence:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : node) emit_value(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Map:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& pair : node) {
        out << YAML::Key;
        emit_value(out, pair.first);
        out << YAML::Value;
        emit_value(out, pair.second);
      }
      out << YAML::EndMap;
      break;
    default:
      out << YAML::Null;
      break;
  }
}

}  // namespace

const ConfigField* ConfigEntry::find(const std::string& key) const {
  auto found =
      std::find_if(fields.begin(), fields.end(), [&](const ConfigField& field) { return field.key == key; });
  return found == fields.end() ? nullptr : &*found;
}

ConfigField* ConfigEntry::find(const std::string& key) {
  return const_cast<ConfigField*>(std::as_const(*this).find(key));
}

std::string ConfigEntry::written_id() const {
  const ConfigField* id = find("id");
  return id && id->value.IsScalar() ? id->value.Scalar() : "";
}

SourceLocation ConfigDocument::where(const YAML::Mark& mark) const {
  // yaml-cpp counts from 0; a node made in code has no mark at all.
  if (mark.is_null()) return {source_, 0, 0};
  return {source_, mark.line + 1, mark.column + 1};
}

void ConfigDocument::report(SourceLocation location, std::string message) {
  diagnostics_.push_back(Diagnostic{std::move(location), std::move(message)});
}

namespace {

// Where each YAML document starts, and nothing else. yaml-cpp 0.7's LoadAll loops forever, allocating
// a null node per turn, on some malformed text (6 bytes suffice: "\n,\n    "; found by fuzz_config,
// fixed upstream in yaml-cpp pull request 1319), so documents are counted with this handler, which
// stops at the second, and the first is loaded alone.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { document_marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

  // Where the second document is: its root node, or its start when it has none.
  YAML::Mark second_document() const { return root_marks.size() > 1 ? root_marks[1] : document_marks[1]; }

  std::vector<YAML::Mark> document_marks;
  std::vector<YAML::Mark> root_marks;  // of each document's root node

 private:
  void node(const YAML::Mark& mark) {
    if (root_marks.size() < document_marks.size()) root_marks.push_back(mark);
  }
};

}  // namespace

bool ConfigDocument::read(const std::string& text) {
  DocumentStarts starts;
  YAML::Node first;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    while (starts.document_marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    first = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    report(where(error.mark), "YAML syntax error: " + error.msg);
    return false;
  }
  if (starts.document_marks.empty() || (starts.document_marks.size() == 1 && first.IsNull())) {
    report({source_, 0, 0}, "the config is empty; it needs a 'stages' list");
    return false;
  }
  if (starts.document_marks.size() > 1) {
    report(where(starts.second_document()),
           "the config holds more than one YAML document (a '---' line); keep only one");
  }
  return read_stage_list(first);
}

bool ConfigDocument::read_stage_list(const YAML::Node& root) {
  if (!root.IsMap()) {
    report(where(root),
           "a config is a mapping with one key, 'stages' (the list of stages); got " + describe_yaml(root));
    return false;
  }
  const auto fields = read_mapping(root);
  const ConfigField* stages = nullptr;
  for (const auto& field : fields) {
    if (field.key == "stages") {
      stages = &field;
    } else {
      report(field.key_location, "unknown top-level key '" + field.key + "'" +
                                     did_you_mean(field.key, {"stages"}) + " (a config has only 'stages')");
    }
  }
  if (!stages) {
    report(where(root), "the config has no 'stages' list");
    return false;
  }
  if (!stages->value.IsSequence()) {
    report(stages->value_location, "'stages' must be a list of stages, got " + describe_yaml(stages->value));
    return false;
  }
  if (stages->value.size() == 0) {
    report(stages->value_location, "'stages' is empty; a config needs at least one stage");
    return false;
  }
  std::size_t number = 0;
  for (const auto& entry : stages->value) {
    ++number;
    if (!entry.IsMap()) {
      report(where(entry), "stage #" + std::to_string(number) +
                               " must be a mapping with id, type, input and parameters, got " +
                               describe_yaml(entry));
      continue;
    }
    entries_.push_back(ConfigEntry{number, where(entry), read_mapping(entry)});
  }
  return true;
}

// yaml-cpp keeps both of two equal keys; the second would silently lose, so it is an error.
std::vector<ConfigField> ConfigDocument::read_mapping(const YAML::Node& node) {
  std::vector<ConfigField> fields;
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      report(where(pair.first), "a key must be a plain name, got " + describe_yaml(pair.first));
      continue;
    }
    const std::string& key = pair.first.Scalar();
    auto earlier = std::find_if(fields.begin(), fields.end(),
                                [&](const ConfigField& field) { return field.key == key; });
    if (earlier != fields.end()) {
      report(where(pair.first), "'" + key + "' is given twice; the first is on line " +
                                    std::to_string(earlier->key_location.line));
      continue;
    }
    const SourceLocation key_location = where(pair.first);
    // An empty value (`key:`) has no position worth showing; point at its key.
    const SourceLocation value_location = pair.second.IsNull() ? key_location : where(pair.second);
    fields.push_back(ConfigField{key, pair.second, key_location, value_location});
  }
  return fields;
}

// The value is read as YAML so that "[a, b]" is a list and "3" a number.
bool ConfigDocument::parse_override_value(const std::string& text, const SourceLocation& location,
                                          YAML::Node& value) {
  try {
    value.reset(YAML::Load(text));
  } catch (const YAML::Exception& error) {
    // A glob such as *.jpg starts with YAML's alias marker, yet from a shell it plainly means
    // that text; only values that look like a list, a mapping or a quoted string must parse.
    if (text.empty() || std::string("[{\"'").find(text.front()) != std::string::npos) {
      report(location, "the value is not valid YAML: " + error.msg);
      return false;
    }
    value.reset(YAML::Node(text));
  }
  return true;
}

void ConfigDocument::apply(const Override& setting) {
  const SourceLocation location{override_label(setting), 0, 0};
  if (setting.parameter == "id") {
    report(location, "--set cannot change a stage's id");
    return;
  }
  auto entry = std::find_if(entries_.begin(), entries_.end(), [&](const ConfigEntry& candidate) {
    return candidate.written_id() == setting.stage_id;
  });
  if (entry == entries_.end()) {
    std::vector<std::string> ids;
    for (const auto& candidate : entries_) {
      if (!candidate.written_id().empty()) ids.push_back(candidate.written_id());
    }
    report(location, "no stage has id '" + setting.stage_id + "'" + did_you_mean(setting.stage_id, ids) +
                         " (stage ids: " + join_names(ids) + ")");
    return;
  }
  YAML::Node value;
  if (!parse_override_value(setting.value, location, value)) return;
  if (ConfigField* field = entry->find(setting.parameter)) {
    // reset() rebinds; operator= would write through to the parsed tree, and to every alias of it.
    field->value.reset(value);
    field->key_location = location;
    field->value_location = location;
  } else {
    entry->fields.push_back(ConfigField{setting.parameter, value, location, location});
  }
}

std::string ConfigDocument::emit() const {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
  for (const auto& entry : entries_) {
    out << YAML::BeginMap;
    for (const auto& field : entry.fields) {
      out << YAML::Key << field.key << YAML::Value;
      emit_value(out, field.value);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nightstack
