// Builds one stage from its real registry entry, with the given parameters and the schema's
// defaults for the rest, for unit tests of a single stage.
#pragma once

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <string>

#include "stages/registry.hpp"

namespace nightstack::testing {

template <class Kind>
std::unique_ptr<Kind> build_stage(const std::string& type_name, std::map<std::string, ParameterValue> given) {
  static const StageRegistry registry = builtin_stage_registry();
  static const RunInfo run_info{};
  const StageType* type = registry.find(type_name);
  BOOST_TEST_REQUIRE(type != nullptr);
  Parameters parameters;
  for (const auto& spec : type->parameters) {
    if (given.count(spec.name)) {
      parameters.set(spec.name, given.at(spec.name), {});
    } else if (spec.default_value) {
      parameters.set(spec.name, *spec.default_value, {});
    }
  }
  auto stage = type->make(StageContext{"under_test", parameters, run_info});
  auto* kind = dynamic_cast<Kind*>(stage.get());
  BOOST_TEST_REQUIRE(kind != nullptr);
  stage.release();
  return std::unique_ptr<Kind>(kind);
}

}  // namespace nightstack::testing
