// Typed access to checked stage parameters.
#include "pipeline/parameters.hpp"

#include <sstream>

namespace nightstack {

std::string to_string(ParameterType type) {
  switch (type) {
    case ParameterType::boolean:
      return "bool";
    case ParameterType::integer:
      return "integer";
    case ParameterType::number:
      return "number";
    case ParameterType::text:
      return "text";
    case ParameterType::choice:
      return "choice";
    case ParameterType::path:
      return "path";
    case ParameterType::path_list:
      return "path list";
  }
  return "?";
}

std::string to_string(const ParameterValue& value) {
  struct Renderer {
    std::string operator()(bool flag) const { return flag ? "true" : "false"; }
    std::string operator()(std::int64_t number) const { return std::to_string(number); }
    std::string operator()(double number) const {
      std::ostringstream stream;
      stream << number;
      return stream.str();
    }
    std::string operator()(const std::string& text) const { return text; }
    std::string operator()(const std::vector<std::string>& items) const {
      std::string text = "[";
      for (std::size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
      return text + "]";
    }
  };
  return std::visit(Renderer{}, value);
}

void Parameters::set(const std::string& name, ParameterValue value, SourceLocation location) {
  values_[name] = std::move(value);
  locations_[name] = std::move(location);
}

const ParameterValue& Parameters::value(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end()) throw std::logic_error("parameter '" + name + "' was not set");
  return found->second;
}

SourceLocation Parameters::location(const std::string& name) const {
  auto found = locations_.find(name);
  return found == locations_.end() ? SourceLocation{} : found->second;
}

namespace {
template <class Wanted>
const Wanted& get_as(const ParameterValue& value, const std::string& name) {
  if (const auto* held = std::get_if<Wanted>(&value)) return *held;
  throw std::logic_error("parameter '" + name + "' has another type than asked for");
}
}  // namespace

bool Parameters::boolean(const std::string& name) const { return get_as<bool>(value(name), name); }
std::int64_t Parameters::integer(const std::string& name) const {
  return get_as<std::int64_t>(value(name), name);
}
double Parameters::number(const std::string& name) const {
  const auto& held = value(name);
  if (const auto* whole = std::get_if<std::int64_t>(&held)) return static_cast<double>(*whole);
  return get_as<double>(held, name);
}
const std::string& Parameters::text(const std::string& name) const {
  return get_as<std::string>(value(name), name);
}
const std::vector<std::string>& Parameters::list(const std::string& name) const {
  return get_as<std::vector<std::string>>(value(name), name);
}

}  // namespace nightstack
