// Frames, config and reference outputs of a run split into shards.
#include "tests/support/shard_session.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

namespace nightstack::testing {

namespace fs = std::filesystem;

namespace {

// A sky with a gradient, noise, stars that drift, a changing background level (for the
// normalization) and one cosmic-ray hit per frame (for the rejection).
ImageD sky(int frame, int width, int height, std::mt19937& generator, double scale) {
  std::normal_distribution<double> noise(0.0, 40.0);
  ImageD image(width, height, 3);
  for (int channel = 0; channel < 3; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column) {
        double value = 2000 + 300 * frame + row * 25 + channel * 150 + noise(generator);
        if ((column + 2 * frame) % 13 == 4 && row % 7 == 2) value = 30000;
        if (row == (3 * frame + 1) % height && column == (5 * frame + 2) % width) value = 60000;
        image.at(channel, row, column) = std::round(std::clamp(value, 0.0, 65535.0)) * scale;
      }
  return image;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << stream.rdbuf();
  return bytes.str();
}

}  // namespace

ShardSession::ShardSession(int frames, int width, int height)
    : config_(directory_.path() / "cluster.yaml"),
      outputs_(directory_.path() / "out"),
      reference_(directory_.path() / "reference") {
  const fs::path codes = directory_.path() / "codes", floats = directory_.path() / "floats";
  for (const auto& folder : {codes, floats, outputs_, reference_}) fs::create_directories(folder);
  std::mt19937 generator(2026);
  for (int frame = 0; frame < frames; ++frame) {
    char name[32];
    std::snprintf(name, sizeof name, "light_%02d.fits", frame);
    code_frames_.push_back(codes / name);
    write_reference_fits(code_frames_.back(), sky(frame, width, height, generator, 1.0), 16);
    ImageD linear = sky(frame, width, height, generator, 1.0 / 65535.0);
    linear.at(1, frame % height, 7) = std::numeric_limits<double>::quiet_NaN();  // a missing value
    write_reference_fits(floats / name, linear, -32);
  }
  std::ofstream file(config_);
  auto stack = [&](const std::string& id, const std::string& input, const std::string& method,
                   const std::string& extra) {
    file << "  - id: " << id << "\n    type: stack\n    input: " << input << "\n    method: " << method
         << "\n"
         << extra << "  - id: " << id << "_out\n    type: write\n    input: " << id
         << "\n    fits: " << (outputs_ / (id + ".fits")).string() << "\n";
  };
  file << "stages:\n  - id: codes\n    type: ingest\n    paths: [" << codes.string() << "/]\n";
  stack("max", "codes", "max", "");
  stack("mean", "codes", "mean", "");
  file << "  - id: mean_display\n    type: normalize\n    input: mean\n    method: percentile\n"
       << "  - id: mean_tiff\n    type: write\n    input: mean_display\n    tiff: "
       << (outputs_ / "mean.tif").string() << "\n";
  file << "  - id: floats\n    type: ingest\n    paths: [" << floats.string() << "/]\n";
  stack("sum", "floats", "sum", "");
  stack("median", "floats", "median", "");
  stack("sigma_clip", "floats", "sigma_clip", "    sigma_low: 2.5\n    sigma_high: 2.5\n");
  file << "  - id: leveled\n    type: ingest\n    paths: [" << floats.string() << "/]\n";
  stack(
      "weighted", "leveled", "sigma_clip",
      "    sigma_low: 2.5\n    sigma_high: 2.5\n    normalize_frames: additive_scale\n    weights: noise\n");
}

fs::path ShardSession::partial(std::size_t shard) const {
  return directory_.path() / ("shard-" + std::to_string(shard) + ".partial");
}

void ShardSession::run_one_process(const std::vector<std::string>& extra) {
  std::vector<std::string> arguments = {"run", config_.string(), "--quiet", "--threads", "2"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  const CommandResult result = run_nightstack(arguments);
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.err);
  for (const auto& entry : fs::directory_iterator(outputs_))
    fs::rename(entry.path(), reference_ / entry.path().filename());
}

std::string ShardSession::differences_from_one_process() const {
  std::string differences;
  if (fs::is_empty(reference_)) return "no outputs of one process to compare with";
  for (const auto& entry : fs::directory_iterator(reference_)) {
    const fs::path name = entry.path().filename();
    const fs::path made = outputs_ / name;
    if (!fs::exists(made)) {
      differences += name.string() + " was not written\n";
    } else if (name.extension() == ".json") {
      if (report_without_timings(made) != report_without_timings(entry.path()))
        differences += name.string() + " differs (beyond timings)\n";
    } else if (name.extension() != ".html" && file_bytes(made) != file_bytes(entry.path())) {
      differences += name.string() + " differs\n";
    }
  }
  return differences;
}

void ShardSession::clear_outputs() const {
  for (const auto& entry : fs::directory_iterator(outputs_)) fs::remove_all(entry.path());
}

std::string report_without_timings(const fs::path& json) {
  std::istringstream lines(file_bytes(json));
  std::string line, kept;
  while (std::getline(lines, line)) {
    const bool how_it_ran = line.find("\"wall_seconds\"") != std::string::npos ||
                            line.find("\"timings\"") != std::string::npos ||
                            line.find("\"threads\"") != std::string::npos;
    if (!how_it_ran) kept += line + '\n';
  }
  return kept;
}

}  // namespace nightstack::testing
