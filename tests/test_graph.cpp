// Tests of the stage graph: order and edges, and each edge problem (unknown or missing input,
// cycle, wrong data kind, factory refusal, two sinks on one file) at its exact location.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "pipeline/graph.hpp"
#include "tests/config_test_support.hpp"

using namespace nightstack;
using namespace nightstack::test_doubles;

namespace {

const RunInfo run_info;

std::vector<Diagnostic> graph_errors(const Config& config) {
  return diagnostics_of([&] { build_graph(config, run_info); });
}

std::vector<Diagnostic> graph_errors(const std::string& text) { return graph_errors(load(text)); }

std::vector<std::string> ids_in_order(const Graph& graph) {
  std::vector<std::string> ids;
  for (const auto& node : graph.nodes) ids.push_back(node.config->id);
  return ids;
}

// Two stacks from one decode pass, written out of order on purpose.
const std::string branching_config =
    "stages:\n"                    // 1
    "  - id: out\n"                // 2
    "    type: write\n"            // 3
    "    input: trails\n"          // 4
    "    fits: out/trails.fits\n"  // 5
    "  - id: trails\n"             // 6
    "    type: stack\n"            // 7
    "    input: linear\n"          // 8
    "    method: max\n"            // 9
    "  - id: sky\n"                // 10
    "    type: stack\n"            // 11
    "    input: linear\n"          // 12
    "  - id: linear\n"             // 13
    "    type: linearize\n"        // 14
    "    input: lights\n"          // 15
    "  - id: lights\n"             // 16
    "    type: ingest\n"           // 17
    "    paths: [a.jpg]\n";        // 18

}  // namespace

BOOST_AUTO_TEST_SUITE(graph_building)

BOOST_AUTO_TEST_CASE(builds_a_chain_in_order_with_its_edges) {
  const Config config = load(basic_config);
  const Graph graph = build_graph(config, run_info);
  BOOST_TEST(ids_in_order(graph) == (std::vector<std::string>{"lights", "linear", "trails", "out"}));
  BOOST_TEST(dynamic_cast<const FrameSource*>(graph.nodes[0].stage.get()) != nullptr);
  BOOST_TEST(dynamic_cast<const FrameTransform*>(graph.nodes[1].stage.get()) != nullptr);
  BOOST_TEST(dynamic_cast<const FrameReducer*>(graph.nodes[2].stage.get()) != nullptr);
  BOOST_TEST(dynamic_cast<const ImageSink*>(graph.nodes[3].stage.get()) != nullptr);
  BOOST_TEST(graph.nodes[3].stage->id() == "out");
  BOOST_TEST(graph.nodes[0].inputs.empty());
  BOOST_TEST(graph.nodes[1].inputs == std::vector<std::size_t>{0});
  BOOST_TEST(graph.nodes[0].consumers == std::vector<std::size_t>{1});
  BOOST_TEST(graph.nodes[3].consumers.empty());
  BOOST_TEST(graph.nodes[2].config == &config.stages[2]);
}

BOOST_AUTO_TEST_CASE(orders_topologically_keeping_config_order_for_ties) {
  const Config config = load(branching_config);
  const Graph graph = build_graph(config, run_info);
  BOOST_TEST(ids_in_order(graph) == (std::vector<std::string>{"lights", "linear", "trails", "out", "sky"}));
  BOOST_TEST(graph.nodes[1].consumers == (std::vector<std::size_t>{2, 4}));
  BOOST_TEST(graph.nodes[4].inputs == std::vector<std::size_t>{1});
  BOOST_TEST(graph.nodes[3].inputs == std::vector<std::size_t>{2});
  BOOST_TEST(graph.nodes[2].consumers == std::vector<std::size_t>{3});
}

BOOST_AUTO_TEST_CASE(reports_an_unknown_input_with_a_suggestion) {
  const auto errors = graph_errors(with_line(basic_config, 15, "    input: trials"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:15:5",
                            "stage 'out' takes input 'trials', but no stage has that id; did you "
                            "mean 'trails'?"));
}

BOOST_AUTO_TEST_CASE(reports_a_missing_input) {
  const auto errors = graph_errors(with_line(basic_config, 11, "    # no input"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:9:5",
                            "stage 'trails' (stack) needs an input: the id of a stage that gives a "
                            "frame stream"));
}

BOOST_AUTO_TEST_CASE(reports_an_input_given_to_a_source) {
  const auto errors = graph_errors(with_line(basic_config, 3, "    type: ingest\n    input: out"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(
      has_diagnostic(errors, "test.yaml:4:5", "stage 'lights' (ingest) is a source and takes no input"));
}

BOOST_AUTO_TEST_CASE(reports_more_than_one_input) {
  const auto errors = graph_errors(with_line(basic_config, 11, "    input: [linear, lights]"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:11:5", "takes one input, but 2 are given"));
}

BOOST_AUTO_TEST_CASE(reports_a_cycle_in_data_order) {
  const auto errors = graph_errors(
      "stages:\n"              // 1
      "  - id: lights\n"       // 2
      "    type: ingest\n"     // 3
      "    paths: a.jpg\n"     // 4
      "  - id: b\n"            // 5
      "    type: linearize\n"  // 6
      "    input: a\n"         // 7
      "  - id: a\n"            // 8
      "    type: linearize\n"  // 9
      "    input: c\n"         // 10
      "  - id: c\n"            // 11
      "    type: linearize\n"  // 12
      "    input: b\n"         // 13
      "  - id: after\n"        // 14
      "    type: linearize\n"  // 15
      "    input: c\n");       // 16
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:7:5", "stages form a cycle: b -> c -> a -> b"));
}

BOOST_AUTO_TEST_CASE(reports_a_stage_feeding_itself) {
  const auto errors = graph_errors(with_line(basic_config, 7, "    input: linear"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:7:5", "stages form a cycle: linear -> linear"));
}

BOOST_AUTO_TEST_CASE(reports_a_frame_stream_where_an_image_is_needed) {
  const auto errors = graph_errors(with_line(basic_config, 15, "    input: linear"));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:15:5",
                            "stage 'out' (write) needs an image, but its input 'linear' "
                            "(linearize) gives a frame stream; put a stack stage between them"));
}

BOOST_AUTO_TEST_CASE(reports_an_image_where_a_frame_stream_is_needed) {
  const auto errors = graph_errors(basic_config +
                                   "  - id: late\n"         // 17
                                   "    type: linearize\n"  // 18
                                   "    input: trails\n");  // 19
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:19:5",
                            "stage 'late' (linearize) needs a frame stream, but its input 'trails' "
                            "(stack) gives an image; a frame stage works before the stack"));
}

BOOST_AUTO_TEST_CASE(reports_a_stage_fed_by_a_sink) {
  const auto errors = graph_errors(basic_config +
                                   "  - id: again\n"        // 17
                                   "    type: normalize\n"  // 18
                                   "    input: out\n");     // 19
  BOOST_TEST(
      has_diagnostic(errors, "test.yaml:19:5", "needs an image, but its input 'out' (write) gives nothing"));
}

BOOST_AUTO_TEST_CASE(places_a_factory_parameter_error_at_the_parameter) {
  const auto errors = graph_errors(with_line(basic_config, 13,
                                             "  - id: scaled\n"       // 13
                                             "    type: normalize\n"  // 14
                                             "    input: trails\n"    // 15
                                             "    low: 2\n"           // 16
                                             "  - id: out"));         // 17
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(
      has_diagnostic(errors, "test.yaml:13:5", "stage 'scaled' (normalize): high must be greater than low"));
  const auto at_value = graph_errors(with_line(basic_config, 13,
                                               "  - id: scaled\n"       // 13
                                               "    type: normalize\n"  // 14
                                               "    input: trails\n"    // 15
                                               "    high: -1\n"         // 16
                                               "  - id: out"));         // 17
  BOOST_TEST(has_diagnostic(at_value, "test.yaml:16:11", "high must be greater than low"));
}

BOOST_AUTO_TEST_CASE(places_another_factory_error_at_the_stage) {
  const auto errors = graph_errors(with_line(basic_config, 4, "    paths: \"broken[.jpg\""));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:2:5",
                            "stage 'lights' (ingest): unbalanced '[' in pattern broken[.jpg"));
}

BOOST_AUTO_TEST_CASE(reports_two_sinks_writing_one_file) {
  const auto errors = graph_errors(basic_config +
                                   "  - id: copy\n"                          // 17
                                   "    type: write\n"                       // 18
                                   "    input: trails\n"                     // 19
                                   "    fits: ./out/../out/trails.fits\n");  // 20
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:20:11",
                            "stage 'copy' (write) writes ./out/../out/trails.fits, which stage "
                            "'out' (write) (line 13) writes too"));
}

BOOST_AUTO_TEST_CASE(reports_one_sink_writing_a_file_twice) {
  const auto errors = graph_errors(basic_config + "    tiff: out/trails.fits\n");  // 17
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:17:11", "stage 'out' (write) writes out/trails.fits twice"));
}

BOOST_AUTO_TEST_CASE(reports_every_graph_problem_at_once) {
  std::string text = with_line(basic_config, 4, "    paths: \"broken[.jpg\"");
  text = with_line(text, 11, "    input: lienar");
  text = with_line(text, 15, "    input: linear");
  const auto errors = graph_errors(text);
  BOOST_TEST(errors.size() == 3u);
  BOOST_TEST(has_diagnostic(errors, "test.yaml:11:5", "did you mean 'linear'?"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:15:5", "put a stack stage between them"));
  BOOST_TEST(has_diagnostic(errors, "test.yaml:2:5", "unbalanced '['"));
}

BOOST_AUTO_TEST_CASE(passes_the_run_info_to_factories) {
  RunInfo run;
  run.config_path = "night.yaml";
  std::string seen;
  StageType type{"probe",
                 "",
                 DataKind::nothing,
                 DataKind::frames,
                 {},
                 [&](const StageContext& context) {
                   seen = context.id + " " + context.run.config_path;
                   return std::make_unique<Source>(context.id);
                 },
                 {}};
  Config config;
  config.stages.push_back(StageConfig{"first", &type, {}, {}, {}, {}});
  const Graph graph = build_graph(config, run);
  BOOST_TEST(seen == "first night.yaml");
  BOOST_TEST(graph.nodes.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(graph_description)

BOOST_AUTO_TEST_CASE(lists_stages_with_inputs_and_parameters_off_their_defaults) {
  const Config config = load(with_line(branching_config, 18,
                                       "    paths: [a.jpg]\n"
                                       "    sort: name\n"
                                       "    recursive: true"));
  const std::string expected =
      "lights  ingest     (source, gives a frame stream)  paths=[a.jpg] recursive=true\n"
      "linear  linearize  <- lights\n"
      "trails  stack      <- linear  method=max\n"
      "out     write      <- trails  fits=out/trails.fits\n"
      "sky     stack      <- linear\n";
  BOOST_TEST(describe(build_graph(config, run_info)) == expected);
}

BOOST_AUTO_TEST_CASE(shows_a_number_that_differs_from_a_whole_number_default) {
  const Config config = load(basic_config +
                             "  - id: scaled\n"
                             "    type: normalize\n"
                             "    input: trails\n"
                             "    high: 1.0\n"
                             "    low: 0.5\n");
  const std::string text = describe(build_graph(config, run_info));
  BOOST_TEST(text.find("scaled  normalize  <- trails  low=0.5\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
