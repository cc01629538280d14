// The banded pass through the real binary on generated JPEG frames: the same bits for 1, 2, 3 and 8
// threads and as the whole-frame pass (median and rejection too, their frames kept as 8-bit codes in
// memory or, past memory_limit, on disk); max exactly the maximum of the linearized inputs and mean
// within 1e-6 of a float64 reference decoded independently; a JPEG truncated in its last rows,
// skipped by on_error: skip, contributes nothing.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "imaging/transfer_curve.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr int width = 96;
constexpr int height = 64;
// Each stack of the config: its id and its parameters.
const std::vector<std::pair<std::string, std::string>> stacks = {
    {"max", "method: max"},
    {"min", "method: min"},
    {"sum", "method: sum"},
    {"mean", "method: mean"},
    {"median", "method: median"},
    {"sigma_clip", "method: sigma_clip\n    sigma_low: 2\n    sigma_high: 2"},
    {"normalized_winsorized",
     "method: winsorized_sigma_clip\n    normalize_frames: additive_scale\n    weights: noise"},
    // Past memory_limit the frames go to a scratch file and are combined a few rows at a time.
    {"gesd_on_disk", "method: gesd\n    memory_limit: 200KB"},
};

// A sky gradient with noise and a few stars that move from frame to frame.
PlanarImage<std::uint8_t> sky_frame(int frame, std::mt19937& generator) {
  std::normal_distribution<double> noise(0.0, 6.0);
  PlanarImage<std::uint8_t> image(width, height, 3);
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        double value = 20 + row * 0.8 + channel * 5 + noise(generator);
        const int star_column = (column + 3 * frame) % width;
        if ((star_column % 23 == 5 && row % 17 == 3)) value = 250;
        image.at(channel, row, column) = static_cast<std::uint8_t>(std::clamp(value, 0.0, 255.0));
      }
  return image;
}

struct Session {
  TemporaryDirectory directory;
  fs::path frames = directory.path() / "frames";
  std::vector<fs::path> files;
};

void make_frames(Session& session, int count) {
  fs::create_directories(session.frames);
  std::mt19937 generator(17);
  for (int frame = 0; frame < count; ++frame) {
    char name[32];
    std::snprintf(name, sizeof name, "sky_%03d.jpg", frame);
    session.files.push_back(session.frames / name);
    write_reference_jpeg(session.files.back(), sky_frame(frame, generator), 90);
  }
}

fs::path write_config(const Session& session, const fs::path& output_directory,
                      const std::string& extra_ingest = "") {
  const fs::path config = session.directory.path() / "stacks.yaml";
  std::ofstream file(config);
  file << "stages:\n  - id: lights\n    type: ingest\n    paths: [" << session.frames.string() << "/]\n"
       << extra_ingest << "  - id: linear\n    type: linearize\n    input: lights\n    transfer: srgb\n";
  for (const auto& [id, parameters] : stacks) {
    file << "  - id: " << id << "\n    type: stack\n    input: linear\n    " << parameters << "\n"
         << "  - id: " << id << "_out\n    type: write\n    input: " << id
         << "\n    fits: " << (output_directory / (id + ".fits")).string() << "\n";
  }
  return config;
}

std::map<std::string, ImageD> run(const fs::path& config, const fs::path& outputs,
                                  std::vector<std::string> options, std::string* stdout_text = nullptr,
                                  std::map<std::string, std::string>* cache_formats = nullptr) {
  std::vector<std::string> arguments = {"run", config.string(), "--quiet", "--report", "none"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  const auto result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  if (stdout_text) *stdout_text = result.out + result.err;
  std::map<std::string, ImageD> images;
  for (const auto& [id, parameters] : stacks) {
    std::vector<std::string> cards;
    images[id] = read_reference_fits(outputs / (id + ".fits"), &cards);
    if (cache_formats) (*cache_formats)[id] = header_value(cards, "CACHEFMT");
    fs::remove(outputs / (id + ".fits"));
  }
  return images;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(band_pass_end_to_end)

BOOST_AUTO_TEST_CASE(the_same_bits_for_any_thread_count_and_as_whole_frames) {
  Session session;
  make_frames(session, 10);
  const fs::path outputs = session.directory.path() / "out";
  fs::create_directories(outputs);
  const fs::path config = write_config(session, outputs);
  std::string said;
  std::map<std::string, std::string> kept;
  const auto one = run(config, outputs, {"--threads", "1"}, &said, &kept);
  BOOST_TEST(contains(said, "lights: decoded as bands of"), said);
  BOOST_TEST(contains(kept["sigma_clip"], "exact"), kept["sigma_clip"]);
  const auto loud = run_nightstack({"run", config.string(), "--report", "none", "--progress", "none"});
  BOOST_TEST(contains(loud.err, "stack 'sigma_clip': frames kept as 8-bit codes in memory"), loud.err);
  BOOST_TEST(contains(loud.err, "stack 'gesd_on_disk': frames kept as 8-bit codes on disk"), loud.err);
  for (const std::string threads : {"2", "3", "8"}) {
    const auto other = run(config, outputs, {"--threads", threads});
    for (const auto& [id, parameters] : stacks)
      BOOST_TEST(same_bits(one.at(id), other.at(id)), id << " x" << threads);
  }
  const auto whole = run(config, outputs, {"--threads", "2", "--whole-frames"}, &said);
  BOOST_TEST(contains(said, "lights: decoded as whole frames"), said);
  for (const auto& [id, parameters] : stacks) BOOST_TEST(same_bits(one.at(id), whole.at(id)), id);

  // Independent reference: TurboJPEG's decode, the sRGB curve in double.
  std::vector<PlanarImage<std::uint8_t>> decoded;
  for (const auto& file : session.files) decoded.push_back(decode_reference_jpeg(file));
  const ImageD& maximum = one.at("max");
  const ImageD& mean = one.at("mean");
  double worst = 0;
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        int top = 0;
        double sum = 0;
        for (const auto& frame : decoded) {
          const int code = frame.at(channel, row, column);
          top = std::max(top, code);
          sum += srgb_to_linear(code / 255.0);
        }
        BOOST_TEST(maximum.at(channel, row, column) == static_cast<float>(srgb_to_linear(top / 255.0)));
        const double expected = sum / static_cast<double>(decoded.size());
        worst = std::max(worst, std::fabs(mean.at(channel, row, column) - expected) / expected);
      }
  BOOST_TEST(worst <= 1e-6);
}

BOOST_AUTO_TEST_CASE(a_jpeg_truncated_in_its_last_rows_contributes_nothing) {
  Session session;
  make_frames(session, 7);
  const fs::path outputs = session.directory.path() / "out";
  fs::create_directories(outputs);
  const fs::path config = write_config(session, outputs, "    on_error: skip\n");
  const auto without = run(config, outputs, {"--threads", "2"});
  // A copy of a frame cut short: its first rows decode, its last do not.
  const fs::path bad = session.frames / "sky_003b.jpg";
  const std::string bytes = file_text(session.files[3]);
  std::ofstream(bad, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() * 8 / 10));
  for (const std::string threads : {"1", "2", "3"}) {
    std::string said;
    const auto with = run(config, outputs, {"--threads", threads}, &said);
    BOOST_TEST(contains(said, "skipped frame 4"), said);
    BOOST_TEST(contains(said, "sky_003b.jpg"), said);
    for (const auto& [id, parameters] : stacks)
      BOOST_TEST(same_bits(with.at(id), without.at(id)), id << " x" << threads);
  }
}

BOOST_AUTO_TEST_SUITE_END()
