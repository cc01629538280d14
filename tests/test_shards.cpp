// Shards and merge through the nightstack binary: 3 (and 2) shards merged in any order write the
// same files, byte for byte, and the same report as one process, for stacks split by frames (max,
// mean of 16-bit codes) and by rows (sum, median, sigma_clip of floats, each shard reading its band;
// a normalized and weighted sigma_clip, each shard reading whole frames);
// merge refuses a missing, duplicate, damaged or foreign partial by name; a shard that fails leaves
// no partial, and rerunning that one shard is enough.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/shard_session.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

CommandResult run_shard(const ShardSession& session, std::size_t shard, std::size_t shards,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments = {"run",
                                        session.config().string(),
                                        "--quiet",
                                        "--threads",
                                        "2",
                                        "--shard",
                                        std::to_string(shard) + "/" + std::to_string(shards),
                                        "--partial",
                                        session.partial(shard).string()};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run_nightstack(arguments);
}

CommandResult merge(const ShardSession& session, const std::vector<fs::path>& partials,
                    std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments = {"merge", session.config().string(), "--quiet", "--threads", "2"};
  for (const auto& partial : partials) arguments.push_back(partial.string());
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run_nightstack(arguments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shards)

BOOST_AUTO_TEST_CASE(merged_shards_write_the_bytes_of_one_process_in_any_order) {
  ShardSession session;
  session.run_one_process();
  for (std::size_t shards : {3u, 2u}) {
    for (std::size_t shard = 0; shard < shards; ++shard) {
      const auto result = run_shard(session, shard, shards);
      BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
      BOOST_TEST(contains(result.out, "codes: decoded as bands of 16-bit codes"), result.out);
      BOOST_TEST(contains(result.out, "floats: decoded as one band of rows of each frame"), result.out);
      BOOST_TEST(contains(result.out, "leveled: decoded as whole frames"), result.out);
      BOOST_TEST(fs::is_empty(session.outputs()), "a shard writes no output");
    }
    std::vector<fs::path> partials;
    for (std::size_t shard = shards; shard-- > 0;) partials.push_back(session.partial(shard));
    const auto merged = merge(session, partials);
    BOOST_TEST_REQUIRE(merged.exit_code == 0, merged.err);
    const std::string differences = session.differences_from_one_process();
    BOOST_TEST(differences == "", shards << " shards: " << differences);
    session.clear_outputs();
    if (shards == 3) {
      const auto again = merge(session, {session.partial(1), session.partial(0), session.partial(2)});
      BOOST_TEST_REQUIRE(again.exit_code == 0, again.err);
      const std::string other_differences = session.differences_from_one_process();
      BOOST_TEST(other_differences == "", "another order: " << other_differences);
      session.clear_outputs();
    }
    for (std::size_t shard = 0; shard < shards; ++shard) fs::remove(session.partial(shard));
  }
}

// JPEG frames cannot be entered midway: a shard of rows decodes the rows above its band and drops
// them, and linearizes only its band (a point transform on cut frames).
BOOST_AUTO_TEST_CASE(jpeg_frames_split_by_rows_through_linearize_merge_to_the_same_bytes) {
  TemporaryDirectory directory;
  const fs::path frames = directory.path() / "jpeg", out = directory.path() / "out";
  fs::create_directories(frames);
  fs::create_directories(out);
  for (int frame = 0; frame < 5; ++frame) {
    PlanarImage<std::uint8_t> image(40, 37, 3);
    for (std::size_t i = 0; i < image.samples().size(); ++i)
      image.samples()[i] = static_cast<std::uint8_t>((i * 7 + static_cast<std::size_t>(frame) * 31) % 251);
    write_reference_jpeg(frames / ("sky_" + std::to_string(frame) + ".jpg"), image, 85);
  }
  const fs::path config = directory.path() / "jpeg.yaml";
  std::ofstream(config) << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << frames.string()
                        << "/]\n  - id: linear\n    type: linearize\n    input: lights\n    transfer: srgb\n"
                        << "  - id: median\n    type: stack\n    input: linear\n    method: median\n"
                        << "  - id: median_out\n    type: write\n    input: median\n    fits: "
                        << (out / "median.fits").string() << "\n";
  const auto one = run_nightstack({"run", config.string(), "--quiet", "--report", "none"});
  BOOST_TEST_REQUIRE(one.exit_code == 0, one.err);
  fs::rename(out / "median.fits", directory.path() / "one.fits");
  std::vector<std::string> merge_arguments = {"merge", config.string(), "--quiet", "--report", "none"};
  for (int shard = 2; shard >= 0; --shard) {
    const fs::path partial = directory.path() / ("p" + std::to_string(shard));
    const auto result = run_nightstack({"run", config.string(), "--quiet", "--shard",
                                        std::to_string(shard) + "/3", "--partial", partial.string()});
    BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
    BOOST_TEST(contains(result.out, "lights: decoded as one band of rows of each frame"), result.out);
    merge_arguments.push_back(partial.string());
  }
  const auto merged = run_nightstack(merge_arguments);
  BOOST_TEST_REQUIRE(merged.exit_code == 0, merged.err);
  BOOST_TEST(file_text(out / "median.fits") == file_text(directory.path() / "one.fits"));
  BOOST_TEST(!file_text(out / "median.fits").empty());
}

BOOST_AUTO_TEST_CASE(merge_refuses_missing_duplicate_damaged_and_foreign_partials_by_name) {
  ShardSession session(5, 19, 11);
  for (std::size_t shard = 0; shard < 3; ++shard)
    BOOST_TEST_REQUIRE(run_shard(session, shard, 3).exit_code == 0);
  const fs::path p0 = session.partial(0), p1 = session.partial(1), p2 = session.partial(2);

  auto missing = merge(session, {p0, p2});
  BOOST_TEST(missing.exit_code == 4);
  BOOST_TEST(contains(missing.err, "shard 1/3 missing"), missing.err);

  auto duplicate = merge(session, {p0, p1, p2, p1});
  BOOST_TEST(duplicate.exit_code == 4);
  BOOST_TEST(contains(duplicate.err, p1.string() + ": partial file holds shard 1/3, as " + p1.string()),
             duplicate.err);

  const fs::path damaged = session.directory() / "damaged.partial";
  fs::copy_file(p2, damaged);
  {
    std::fstream bytes(damaged, std::ios::binary | std::ios::in | std::ios::out);
    bytes.seekp(200);
    bytes.put('\x5a');
  }
  auto broken = merge(session, {p0, p1, damaged});
  BOOST_TEST(broken.exit_code == 4);
  BOOST_TEST(contains(broken.err, damaged.string() + ": partial file is damaged"), broken.err);

  const fs::path foreign = session.directory() / "foreign.partial";
  BOOST_TEST_REQUIRE(run_nightstack({"run", session.config().string(), "--quiet", "--shard", "2/3",
                                     "--partial", foreign.string(), "--set", "median.method=mean"})
                         .exit_code == 0);
  auto other_config = merge(session, {p0, p1, foreign});
  BOOST_TEST(other_config.exit_code == 4);
  BOOST_TEST(contains(other_config.err, foreign.string() + ": partial file was computed from another config"),
             other_config.err);

  auto not_a_partial = merge(session, {p0, p1, session.code_frames().front()});
  BOOST_TEST(not_a_partial.exit_code == 4);
  BOOST_TEST(contains(not_a_partial.err, session.code_frames().front().string() + ": partial file"),
             not_a_partial.err);

  auto no_outputs = fs::is_empty(session.outputs());
  BOOST_TEST(no_outputs, "a refused merge writes nothing");

  // A frame added after the shards ran: every partial is of another input list now.
  fs::copy_file(session.code_frames().back(), session.code_frames().back().parent_path() / "light_99.fits");
  auto other_inputs = merge(session, {p0, p1, p2});
  BOOST_TEST(other_inputs.exit_code == 4);
  BOOST_TEST(contains(other_inputs.err, "partial file was computed from another input list"),
             other_inputs.err);
}

BOOST_AUTO_TEST_CASE(a_failed_shard_leaves_no_partial_and_is_rerun_alone) {
  ShardSession session(6, 23, 13);
  session.run_one_process();
  for (std::size_t shard = 0; shard < 3; ++shard)
    BOOST_TEST_REQUIRE(run_shard(session, shard, 3).exit_code == 0);

  // Frame 3 becomes unreadable for a while (a flaky file server); its size and time come back with it.
  const fs::path frame = session.code_frames()[3];
  const std::string bytes = [&] {
    std::ifstream stream(frame, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(stream), {});
  }();
  const auto modified = fs::last_write_time(frame);
  fs::resize_file(frame, 2880);
  const auto failed = run_shard(session, 1, 3);  // frames 2 and 3 of 0..5 (and a band of the floats)
  BOOST_TEST(failed.exit_code == 4);
  BOOST_TEST(contains(failed.err, frame.string()), failed.err);
  BOOST_TEST(!fs::exists(session.partial(1)), "the failed shard's old partial is gone");

  {
    std::ofstream stream(frame, std::ios::binary | std::ios::trunc);
    stream << bytes;
  }
  fs::last_write_time(frame, modified);
  const auto incomplete = merge(session, {session.partial(0), session.partial(2)});
  BOOST_TEST(incomplete.exit_code == 4);
  BOOST_TEST(contains(incomplete.err, "shard 1/3 missing"), incomplete.err);
  BOOST_TEST_REQUIRE(run_shard(session, 1, 3).exit_code == 0);
  const auto merged = merge(session, {session.partial(2), session.partial(1), session.partial(0)});
  BOOST_TEST_REQUIRE(merged.exit_code == 0, merged.err);
  BOOST_TEST(session.differences_from_one_process() == "");
}

BOOST_AUTO_TEST_CASE(shard_options_are_checked) {
  ShardSession session(3, 9, 5);
  auto no_partial = run_nightstack({"run", session.config().string(), "--shard", "0/2"});
  BOOST_TEST(no_partial.exit_code == 2);
  BOOST_TEST(contains(no_partial.err, "--shard and --partial go together"), no_partial.err);
  auto beyond = run_nightstack({"run", session.config().string(), "--shard", "2/2", "--partial", "x"});
  BOOST_TEST(beyond.exit_code == 2);
  BOOST_TEST(contains(beyond.err, "I must be at least 0 and below N"), beyond.err);
  // More shards than rows: refused, naming the frame.
  auto too_many = run_nightstack({"run", session.config().string(), "--quiet", "--shard", "0/6", "--partial",
                                  session.partial(0).string()});
  BOOST_TEST(too_many.exit_code == 4);
  BOOST_TEST(contains(too_many.err, "fewer than the 6 shards"), too_many.err);
  BOOST_TEST(!fs::exists(session.partial(0)));
  // A file that is not a partial is never replaced (an input named by mistake).
  const fs::path frame = session.code_frames().front();
  const auto size = fs::file_size(frame);
  auto over_input = run_nightstack(
      {"run", session.config().string(), "--quiet", "--shard", "0/2", "--partial", frame.string()});
  BOOST_TEST(over_input.exit_code == 2);
  BOOST_TEST(contains(over_input.err, "is not a partial is there already"), over_input.err);
  BOOST_TEST(fs::file_size(frame) == size);
}

BOOST_AUTO_TEST_SUITE_END()
