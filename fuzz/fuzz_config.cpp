// libFuzzer target: the config loader and graph checker on arbitrary YAML text. Every outcome but
// a checked graph or a ConfigError (or an InputError about a file the config names) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/config.hpp"
#include "pipeline/graph.hpp"
#include "stages/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nightstack::StageRegistry registry = nightstack::builtin_stage_registry();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nightstack::Config config = nightstack::load_config_text(text, "fuzz.yaml", {}, registry);
    const nightstack::Graph graph =
        nightstack::build_graph(config, nightstack::RunInfo{.config_path = config.source});
    nightstack::describe(graph);
  } catch (const nightstack::ConfigError& error) {
    // Every diagnostic must say where it is.
    for (const auto& diagnostic : error.diagnostics()) {
      if (diagnostic.location.file.empty() || diagnostic.message.empty()) std::abort();
    }
  } catch (const nightstack::InputError&) {
  }
  return 0;
}
