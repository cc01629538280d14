// Type and range checks of parameter values. YAML scalars are untyped text in yaml-cpp, so the
// schema decides what "3" means; quoted scalars are strings, as in YAML itself.
#include "pipeline/parameter_check.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "pipeline/suggestion.hpp"

namespace nightstack {

namespace {

// yaml-cpp tags quoted scalars "!" and plain ones "?"; a scalar made in code has no tag.
bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string wrong_type(const ParameterSpec& spec, const std::string& wanted, const YAML::Node& node) {
  std::string text = spec.name + " needs " + wanted + ", got " + describe_yaml(node);
  // Only reached for scalars by the boolean and number checks, which do not take strings.
  if (node.IsScalar() && is_quoted(node)) text += "; remove the quotes";
  return text;
}

bool is_digit(char character) { return std::isdigit(static_cast<unsigned char>(character)) != 0; }

// The text after an optional sign, when it starts like a number; from_chars itself refuses '+'.
std::optional<std::size_t> digits_start(const std::string& text) {
  const std::size_t start = (!text.empty() && (text.front() == '+' || text.front() == '-')) ? 1 : 0;
  if (start == text.size() || !(is_digit(text[start]) || text[start] == '.')) return std::nullopt;
  return start;
}

struct ParsedInteger {
  std::optional<std::int64_t> value;
  bool too_large = false;
};

ParsedInteger parse_integer(const std::string& text) {
  const auto start = digits_start(text);
  if (!start) return {};
  std::uint64_t magnitude = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data() + *start, end, magnitude);
  if (stop != end) return {};
  const bool negative = text.front() == '-';
  const std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
  if (error != std::errc{} || magnitude > limit) return {std::nullopt, true};
  if (negative) return {static_cast<std::int64_t>(0 - magnitude)};
  return {static_cast<std::int64_t>(magnitude)};
}

// YAML 1.2 decimal numbers only: from_chars would also take "inf" and "nan", which no parameter
// range admits.
std::optional<double> parse_number(const std::string& text) {
  const auto start = digits_start(text);
  if (!start) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data() + *start, end, value);
  if (error != std::errc{} || stop != end || !std::isfinite(value)) return std::nullopt;
  return text.front() == '-' ? -value : value;
}

std::string describe_range(const ParameterSpec& spec) {
  const bool has_minimum = std::isfinite(spec.minimum);
  const bool has_maximum = std::isfinite(spec.maximum);
  if (!has_minimum && !has_maximum) return "is too large";
  if (has_minimum && has_maximum) {
    return "is out of range [" + format_number(spec.minimum) + ", " + format_number(spec.maximum) + "]";
  }
  if (has_minimum) return "is out of range: it must be at least " + format_number(spec.minimum);
  return "is out of range: it must be at most " + format_number(spec.maximum);
}

bool in_range(const ParameterSpec& spec, double value) {
  return value >= spec.minimum && value <= spec.maximum;
}

CheckedValue problem(std::string text) { return {std::nullopt, std::move(text)}; }

CheckedValue check_scalar_text(const ParameterSpec& spec, const YAML::Node& node, const std::string& wanted) {
  if (!node.IsScalar()) return problem(wrong_type(spec, wanted, node));
  if (spec.type != ParameterType::text && node.Scalar().empty()) {
    return problem(spec.name + " needs " + wanted + ", got an empty string");
  }
  return {ParameterValue{node.Scalar()}, {}};
}

CheckedValue check_path_list(const ParameterSpec& spec, const YAML::Node& node) {
  const std::string wanted = "a path or a list of paths";
  if (node.IsScalar()) {
    if (node.Scalar().empty()) {
      return problem(spec.name + " needs " + wanted + ", got an empty string");
    }
    return {ParameterValue{std::vector<std::string>{node.Scalar()}}, {}};
  }
  if (!node.IsSequence()) return problem(wrong_type(spec, wanted, node));
  if (node.size() == 0) return problem(spec.name + " is an empty list; give at least one path");
  std::vector<std::string> items;
  for (const auto& item : node) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      return problem(spec.name + " needs a list of paths, but one item is " +
                     (item.IsScalar() ? "an empty string" : describe_yaml(item)));
    }
    items.push_back(item.Scalar());
  }
  return {ParameterValue{std::move(items)}, {}};
}

}  // namespace

std::string describe_yaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (is_quoted(node)) return "the quoted string \"" + node.Scalar() + "\"";
  return "'" + node.Scalar() + "'";
}

std::string format_number(double number) {
  if (std::isinf(number)) return number > 0 ? "inf" : "-inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
  if (error != std::errc{}) return "?";
  return std::string(buffer, end);
}

CheckedValue check_parameter_value(const ParameterSpec& spec, const YAML::Node& node) {
  switch (spec.type) {
    case ParameterType::boolean: {
      if (node.IsScalar() && !is_quoted(node)) {
        const std::string& text = node.Scalar();
        // YAML 1.2 spellings only: yaml-cpp would also take yes/no/on/off, which YAML 1.2 reads
        // as strings, so a config meaning one thing to us and another to other tools is refused.
        if (text == "true" || text == "True" || text == "TRUE") return {ParameterValue{true}, {}};
        if (text == "false" || text == "False" || text == "FALSE") {
          return {ParameterValue{false}, {}};
        }
      }
      return problem(wrong_type(spec, "true or false", node));
    }
    case ParameterType::integer: {
      if (!node.IsScalar() || is_quoted(node)) {
        return problem(wrong_type(spec, "a whole number", node));
      }
      const auto parsed = parse_integer(node.Scalar());
      if (parsed.too_large) {
        return problem(spec.name + " = " + node.Scalar() + " " + describe_range(spec));
      }
      if (!parsed.value) {
        if (parse_number(node.Scalar())) {
          return problem(spec.name + " needs a whole number, got " + node.Scalar());
        }
        return problem(wrong_type(spec, "a whole number", node));
      }
      const std::int64_t value = *parsed.value;
      if (!in_range(spec, static_cast<double>(value))) {
        return problem(spec.name + " = " + node.Scalar() + " " + describe_range(spec));
      }
      return {ParameterValue{value}, {}};
    }
    case ParameterType::number: {
      if (!node.IsScalar() || is_quoted(node)) return problem(wrong_type(spec, "a number", node));
      const auto value = parse_number(node.Scalar());
      if (!value) return problem(wrong_type(spec, "a number", node));
      if (!in_range(spec, *value)) {
        return problem(spec.name + " = " + node.Scalar() + " " + describe_range(spec));
      }
      return {ParameterValue{*value}, {}};
    }
    case ParameterType::text:
      return check_scalar_text(spec, node, "text");
    case ParameterType::path:
      return check_scalar_text(spec, node, "a path");
    case ParameterType::choice: {
      const std::string wanted = "one of " + join_names(spec.choices);
      if (!node.IsScalar()) return problem(wrong_type(spec, wanted, node));
      const std::string& text = node.Scalar();
      for (const auto& choice : spec.choices) {
        if (choice == text) return {ParameterValue{text}, {}};
      }
      return problem(spec.name + " = '" + text + "' is not one of " + join_names(spec.choices));
    }
    case ParameterType::path_list:
      return check_path_list(spec, node);
  }
  return problem(spec.name + " has a parameter type this version cannot check");
}

}  // namespace nightstack
