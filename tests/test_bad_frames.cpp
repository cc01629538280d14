// The on_error policy end to end: broken files generated here (truncated JPEG, FITS with an absurd
// NAXIS, TIFF with lying strip byte counts, an unknown RAW, an empty file, a directory named like an
// image, a frame of another size) mixed with good 16-bit FITS frames whose sum is known exactly.
// fail stops with exit 4 naming the file; skip stacks exactly the good frames and lists the bad ones
// in the summary, the report and the FITS header. Files deleted or made unreadable after the frames
// were listed are driven through the library (prepare, then break, then decode), not a timer.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "pipeline/config.hpp"
#include "pipeline/frame_pass.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/runner.hpp"
#include "stages/registry.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int width = 16, height = 12;

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Good frame k: distinct integers, so the exact sum tells which frames went in.
ImageD good_frame(int k) {
  ImageD image(width, height, 1);
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column)
      image.at(0, row, column) = (row * width + column) * (k + 1) + 7 * k;
  return image;
}

std::string little_endian(std::uint32_t value, int bytes) {
  std::string text;
  for (int i = 0; i < bytes; ++i) text += static_cast<char>((value >> (8 * i)) & 0xFF);
  return text;
}

// An 8-bit gray TIFF in two uncompressed strips whose second StripByteCounts claims 3 bytes where
// the rows need 4 x width (two strips, so libtiff cannot quietly re-estimate a single strip).
std::string lying_tiff() {
  const int rows_per_strip = height / 2;
  const std::uint32_t strip_bytes = width * rows_per_strip;
  struct Entry {
    std::uint16_t tag, type;
    std::uint32_t count, value;
  };
  const std::uint32_t directory = 8, entries = 9;
  const std::uint32_t arrays = directory + 2 + entries * 12 + 4, pixels = arrays + 16;
  const Entry table[] = {
      {256, 3, 1, width},     {257, 3, 1, height}, {258, 3, 1, 8}, {259, 3, 1, 1},
      {262, 3, 1, 1},         {273, 4, 2, arrays}, {277, 3, 1, 1}, {278, 3, 1, rows_per_strip},
      {279, 4, 2, arrays + 8}};
  std::string bytes = "II*";
  bytes += '\0';
  bytes += little_endian(directory, 4) + little_endian(entries, 2);
  for (const auto& entry : table) {
    bytes += little_endian(entry.tag, 2) + little_endian(entry.type, 2) + little_endian(entry.count, 4) +
             little_endian(entry.value, 4);  // SHORT values sit in the low bytes, little-endian
  }
  bytes += little_endian(0, 4);
  bytes += little_endian(pixels, 4) + little_endian(pixels + strip_bytes, 4);  // StripOffsets
  bytes += little_endian(strip_bytes, 4) + little_endian(3, 4);                // StripByteCounts: a lie
  for (std::uint32_t i = 0; i < 2 * strip_bytes; ++i) bytes += static_cast<char>(i);
  return bytes;
}

std::string fits_header(const std::vector<std::string>& cards) {
  std::string header;
  for (const auto& card : cards) header += card + std::string(80 - card.size(), ' ');
  header += "END" + std::string(77, ' ');
  header.resize(2880, ' ');
  return header;
}

struct BadFile {
  std::string label;
  std::string name;  // frame_0.* sorts first, frame_4.* among the good frames
  std::function<void(const fs::path&)> make;
};

std::vector<BadFile> bad_files() {
  return {
      {"truncated JPEG", "frame_0.jpg",
       [](const fs::path& path) {
         PlanarImage<std::uint8_t> image(64, 48, 3);
         for (std::size_t i = 0; i < image.samples().size(); ++i) image.samples()[i] = (i * 37) % 251;
         write_reference_jpeg(path, image, 90);
         fs::resize_file(path, fs::file_size(path) / 2);
       }},
      {"FITS with an absurd NAXIS", "frame_4.fits",
       [](const fs::path& path) {
         write_bytes(path, fits_header({"SIMPLE  =                    T", "BITPIX  =                   16",
                                        "NAXIS   =                    2", "NAXIS1  =           2000000000",
                                        "NAXIS2  =           2000000000"}) +
                               std::string(2880, '\0'));
       }},
      {"TIFF with lying strip byte counts", "frame_4.tif",
       [](const fs::path& path) { write_bytes(path, lying_tiff()); }},
      {"RAW from an unknown camera", "frame_4.orf",
       [](const fs::path& path) {
         std::string bytes = "IIRO";  // an Olympus ORF signature, then nothing LibRaw knows
         for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 37) % 256);
         write_bytes(path, bytes);
       }},
      {"zero-byte file", "frame_0.fits", [](const fs::path& path) { write_bytes(path, ""); }},
      {"directory named like an image", "frame_4.jpg",
       [](const fs::path& path) { fs::create_directory(path); }},
      {"frame of a different size", "frame_4.fits",
       [](const fs::path& path) { write_reference_fits(path, ImageD(width, height + 1, 1, 5.0), 16); }},
  };
}

// Good frames frame_1, 3, 5, 7 (.fits) in `directory`; the run reads the glob frame_*.
struct Sequence {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  fs::path out = directory.path() / "out";
  std::vector<fs::path> good;

  Sequence() {
    fs::create_directories(frames);
    for (int k = 0; k < 4; ++k) {
      good.push_back(frames / ("frame_" + std::to_string(2 * k + 1) + ".fits"));
      write_reference_fits(good.back(), good_frame(k), 16);
    }
  }

  CommandResult stack(const std::vector<std::string>& extra, const std::string& method = "sum") const {
    std::vector<std::string> arguments{"stack", "--method", method, "--fits", (out / "s.fits").string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    arguments.push_back((frames / "frame_*").string());
    return run_nightstack(arguments);
  }
};

// What nightstack computes from 16-bit codes: each frame as float fractions of 65535, summed in
// double in frame order, stored as float.
ImageD sum_of_frames(const std::vector<int>& frames) {
  ImageD sum(width, height, 1);
  for (int k : frames) {
    const ImageD frame = good_frame(k);
    for (std::size_t i = 0; i < sum.samples().size(); ++i)
      sum.samples()[i] += static_cast<float>(frame.samples()[i] / 65535.0);
  }
  for (double& value : sum.samples()) value = static_cast<float>(value);
  return sum;
}

ImageD sum_of_good_frames() { return sum_of_frames({0, 1, 2, 3}); }

}  // namespace

BOOST_AUTO_TEST_CASE(by_default_each_bad_file_stops_the_run_with_exit_4_naming_it) {
  Sequence sequence;
  for (const auto& bad : bad_files()) {
    BOOST_TEST_CONTEXT(bad.label) {
      const fs::path path = sequence.frames / bad.name;
      bad.make(path);
      const auto result = sequence.stack({"--threads", "2"});
      BOOST_TEST_INFO("stderr: " << result.err);
      BOOST_TEST(result.exit_code == 4);
      BOOST_TEST(contains(result.err, "nightstack: error: " + path.string() + ": "));
      BOOST_TEST(!fs::exists(sequence.out / "s.fits"));
      BOOST_TEST((!fs::exists(sequence.out) || directory_entries(sequence.out).empty()));
      fs::remove_all(path);
    }
  }
}

BOOST_AUTO_TEST_CASE(with_skip_each_bad_file_is_left_out_listed_and_the_good_frames_stacked_exactly) {
  Sequence sequence;
  const ImageD expected = sum_of_good_frames();
  for (const auto& bad : bad_files()) {
    BOOST_TEST_CONTEXT(bad.label) {
      const fs::path path = sequence.frames / bad.name;
      bad.make(path);
      const auto result = sequence.stack({"--on-error", "skip", "--threads", "2"});
      BOOST_TEST_INFO("stderr: " << result.err);
      BOOST_TEST_REQUIRE(result.exit_code == 0);
      // Frame numbers count every file in order: frame_0.* is 0, frame_4.* comes after two good ones.
      const std::string index = bad.name.rfind("frame_0", 0) == 0 ? "0" : "2";
      BOOST_TEST(
          contains(result.err, "warning: skipping frame " + index + " of stage 'frames', " + path.string()));
      BOOST_TEST(contains(result.out, "stacked 4 frames"));
      BOOST_TEST(contains(result.out, "1 bad frames skipped"));
      BOOST_TEST(contains(result.out, "  skipped frame " + index + " " + path.string() + ": "));

      std::vector<std::string> cards;
      const ImageD stacked = read_reference_fits(sequence.out / "s.fits", &cards);
      BOOST_TEST(stacked.samples() == expected.samples(), boost::test_tools::per_element());
      BOOST_TEST(std::stoi(header_value(cards, "NSKIPPED")) == 1);
      BOOST_TEST(std::stoi(header_value(cards, "NCOMBINE")) == 4);
      std::string history;
      for (const auto& card : cards)
        if (card.rfind("HISTORY", 0) == 0) history += card.substr(8);
      BOOST_TEST(contains(history, "Skipped frame " + index + " " + path.string().substr(0, 40)));

      const std::string json = file_text(sequence.out / "s-report.json");
      BOOST_TEST(contains(json, "\"bad_frames_skipped\": [{\"index\": " + index + ", \"path\": \"" +
                                    path.string() + "\", \"reason\": \""));
      BOOST_TEST(contains(file_text(sequence.out / "s-report.html"), path.string()));
      fs::remove_all(path);
      fs::remove_all(sequence.out);
    }
  }
}

BOOST_AUTO_TEST_CASE(all_bad_files_at_once_give_the_same_bits_for_any_thread_count) {
  Sequence sequence;
  for (const auto& bad : bad_files()) {
    // Two kinds share frame_4.fits; the odd size goes in as frame_6.fits.
    const std::string name = bad.label == "frame of a different size" ? "frame_6.fits" : bad.name;
    if (!fs::exists(sequence.frames / name)) bad.make(sequence.frames / name);
  }
  std::vector<ImageD> stacks;
  for (const char* threads : {"1", "3"}) {
    const auto result = sequence.stack({"--on-error", "skip", "--threads", threads, "--report", "none"});
    BOOST_TEST_INFO("stderr: " << result.err);
    BOOST_TEST_REQUIRE(result.exit_code == 0);
    BOOST_TEST(contains(result.out, "stacked 4 frames"));
    std::vector<std::string> cards;
    stacks.push_back(read_reference_fits(sequence.out / "s.fits", &cards));
    BOOST_TEST(std::stoi(header_value(cards, "NSKIPPED")) == 7);
  }
  BOOST_TEST(stacks[0].samples() == sum_of_good_frames().samples(), boost::test_tools::per_element());
  BOOST_TEST(stacks[1].samples() == stacks[0].samples(), boost::test_tools::per_element());
}

// The first frame is the reference for normalization and for the frame size: a bad first frame
// must hand that role to the first good one, exactly as if it had never been there.
BOOST_AUTO_TEST_CASE(a_skipped_first_frame_does_not_change_how_the_others_are_treated) {
  Sequence sequence;
  for (const char* method : {"mean", "median"}) {
    BOOST_TEST_CONTEXT(method) {
      const std::vector<std::string> options{"--normalize-frames", "additive", "--report", "none"};
      auto result = sequence.stack(options, method);
      BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
      const ImageD clean = read_reference_fits(sequence.out / "s.fits");
      bad_files().front().make(sequence.frames / "frame_0.jpg");  // truncated, decodes as an error
      std::vector<std::string> skipping = options;
      skipping.insert(skipping.end(), {"--on-error", "skip"});
      result = sequence.stack(skipping, method);
      BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
      BOOST_TEST(read_reference_fits(sequence.out / "s.fits").samples() == clean.samples(),
                 boost::test_tools::per_element());
      fs::remove(sequence.frames / "frame_0.jpg");
    }
  }
}

BOOST_AUTO_TEST_CASE(every_frame_bad_is_an_input_error_even_with_skip) {
  TemporaryDirectory directory;
  for (const auto& bad : bad_files()) {
    if (bad.label != "frame of a different size" && !fs::exists(directory.path() / bad.name))
      bad.make(directory.path() / bad.name);
  }
  const auto result = run_nightstack({"stack", "--method", "sum", "--on-error", "skip", "--fits",
                                      (directory.path() / "out" / "s.fits").string(),
                                      (directory.path() / "frame_*").string()});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(
      contains(result.err, "no frame could be used: on_error: skip left out every one of the 6 frames"),
      result.err);
  BOOST_TEST(!fs::exists(directory.path() / "out" / "s.fits"));
}

namespace {

// The config points into the registry's stage types, so it must outlive every config.
const StageRegistry& registry() {
  static const StageRegistry builtin = builtin_stage_registry();
  return builtin;
}

// Builds the graph of `ingest (on_error) -> sum` over `directory` and lists its frames.
struct PreparedRun {
  Config config;
  RunInfo run;
  Graph graph;
  std::ostringstream messages;
  Log log{messages, false};
  std::vector<SourceSummary> sources;

  PreparedRun(const fs::path& directory, const std::string& on_error)
      : config(load_config_text("stages:\n"
                                "  - {id: frames, type: ingest, paths: ['" +
                                    directory.string() + "'], on_error: " + on_error +
                                    "}\n"
                                    "  - {id: stack, type: stack, input: frames, method: sum}\n",
                                "test", {}, registry())),
        graph(build_graph(config, run)) {
    sources = prepare_sources(graph, log);
  }

  // Decodes and stacks, as run_graph would after prepare.
  ImageD decode_and_stack() {
    const FramePass pass = plan_frame_pass(graph, 0);
    std::vector<double> seconds(graph.nodes.size(), 0.0);
    Progress progress(messages, ProgressStyle::off, "frames", sources[0].records.size());
    std::vector<std::size_t> indices(sources[0].records.size());
    for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    sources[0].frames = run_frame_pass(graph, pass, indices, 2, progress, sources[0].records, seconds, log);
    return dynamic_cast<FrameReducer&>(*graph.nodes[1].stage).finish().pixels;
  }
};

// Reading as another user is how root (whom chmod 000 does not stop) meets an unreadable file:
// effective uid nobody for the decoding, so the permission bits apply.
class UnprivilegedReads {
 public:
  UnprivilegedReads() {
    if (::geteuid() == 0 && ::seteuid(65534) != 0) throw std::runtime_error("seteuid(nobody) failed");
  }
  ~UnprivilegedReads() {
    if (::getuid() == 0 && ::seteuid(0) != 0) std::abort();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(frames_deleted_or_made_unreadable_after_listing_are_skipped_by_name) {
  Sequence sequence;
  // The reading user (nobody, with root's groups) may enter the directories and read the frames.
  const auto enter = fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec;
  fs::permissions(sequence.directory.path(), enter);
  fs::permissions(sequence.frames, enter);
  PreparedRun prepared(sequence.frames, "skip");
  BOOST_TEST_REQUIRE(prepared.sources[0].records.size() == 4u);

  fs::remove(sequence.good[1]);                        // frame 1: deleted
  fs::permissions(sequence.good[2], fs::perms::none);  // frame 2: unreadable
  for (int k : {0, 3}) {
    fs::permissions(sequence.good[k], fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  ImageD stacked;
  {
    UnprivilegedReads as_nobody;
    stacked = prepared.decode_and_stack();
  }
  ImageD expected = good_frame(0);  // no linearize stage here: the codes themselves are summed
  for (std::size_t i = 0; i < expected.samples().size(); ++i)
    expected.samples()[i] += good_frame(3).samples()[i];
  BOOST_TEST(stacked.samples() == expected.samples(), boost::test_tools::per_element());
  BOOST_TEST(prepared.sources[0].frames == 2u);
  const auto& records = prepared.sources[0].records;
  BOOST_TEST(records[0].failure.empty());
  BOOST_TEST(contains(records[1].failure, "No such file"), records[1].failure);
  BOOST_TEST(contains(records[2].failure, "ermission denied"), records[2].failure);
  BOOST_TEST(!records[1].used);
  BOOST_TEST(!records[2].used);
  const std::string messages = prepared.messages.str();
  BOOST_TEST(contains(messages, "skipping frame 1 of stage 'frames', " + sequence.good[1].string()),
             messages);
  BOOST_TEST(contains(messages, "skipping frame 2 of stage 'frames', " + sequence.good[2].string()),
             messages);
}

BOOST_AUTO_TEST_CASE(a_frame_deleted_after_listing_fails_the_run_by_default_naming_it) {
  Sequence sequence;
  PreparedRun prepared(sequence.frames, "fail");
  fs::remove(sequence.good[2]);
  try {
    prepared.decode_and_stack();
    BOOST_FAIL("a deleted frame must stop the run");
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == sequence.good[2]);
    BOOST_TEST(contains(error.what(), "(frame 2, stage 'frames')"), error.what());
  }
}

namespace {

// A source of 4x4 frames whose frame `broken` throws `Error`: to show which errors skip may skip.
template <class Error>
class BrokenSource : public FrameSource {
 public:
  explicit BrokenSource(std::size_t broken) : FrameSource("frames"), broken_(broken) {}
  void prepare(Log&) override {}
  std::size_t frame_count() const override { return 4; }
  const fs::path& frame_path(std::size_t) const override { return path_; }
  BadFramePolicy bad_frame_policy() const override { return BadFramePolicy::skip; }
  Frame read_frame(std::size_t index) const override {
    if (index == broken_) throw Error(path_, "broken on purpose");
    Frame frame{ImageF(4, 4, 1, static_cast<float>(index)), {}};
    frame.info.path = path_;
    frame.info.index = index;
    return frame;
  }

 private:
  std::size_t broken_;
  fs::path path_ = "generated.fits";
};

// A bug, not a bad file: std::logic_error has no (path, message) constructor, so wrap one.
struct Bug : std::logic_error {
  Bug(const fs::path&, const std::string& message) : std::logic_error(message) {}
};

Graph source_into_stack(std::unique_ptr<FrameSource> source, std::unique_ptr<FrameReducer> stack) {
  Graph graph;
  graph.nodes.push_back(GraphNode{nullptr, std::move(source), {}, {1}});
  graph.nodes.push_back(GraphNode{nullptr, std::move(stack), {0}, {}});
  return graph;
}

std::size_t run_pass(Graph& graph) {
  std::ostringstream messages;
  Log log(messages, false);
  Progress progress(messages, ProgressStyle::off, "frames", 4);
  std::vector<FrameRecord> records(4);
  std::vector<double> seconds(graph.nodes.size(), 0.0);
  return run_frame_pass(graph, plan_frame_pass(graph, 0), {0, 1, 2, 3}, 2, progress, records, seconds, log);
}

}  // namespace

BOOST_AUTO_TEST_CASE(skip_leaves_out_input_errors_only_never_bugs_nor_a_stack_s_own_errors) {
  Graph input_error = source_into_stack(std::make_unique<BrokenSource<InputError>>(1),
                                        build_stage<FrameReducer>("stack", {{"method", std::string("sum")}}));
  BOOST_TEST(run_pass(input_error) == 3u);

  Graph bug = source_into_stack(std::make_unique<BrokenSource<Bug>>(1),
                                build_stage<FrameReducer>("stack", {{"method", std::string("sum")}}));
  BOOST_CHECK_THROW(run_pass(bug), Bug);

  // The frames have no exposure time: the stack refuses the first one in accept(), after it may
  // have started on it, so even skip stops.
  Graph stack_error = source_into_stack(
      std::make_unique<BrokenSource<InputError>>(99),
      build_stage<FrameReducer>("stack",
                                {{"method", std::string("mean")}, {"weights", std::string("exposure")}}));
  BOOST_CHECK_THROW(run_pass(stack_error), InputError);
}
