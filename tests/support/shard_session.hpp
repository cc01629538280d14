// A run split into shards, shared by the shard, MPI and Slurm tests: generated frames (16-bit FITS
// codes and 32-bit float FITS with missing values), a config that stacks the codes with max and
// mean (split by frames), the floats with sum, median and sigma_clip (split by rows, read a band at
// a time) and again with a normalized, noise-weighted sigma_clip (split by rows, read whole), and
// the outputs of one process to compare with, byte for byte.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/fixtures.hpp"

namespace nightstack::testing {

class ShardSession {
 public:
  // `frames` frames of each kind, `width` x `height` pixels, 3 channels.
  ShardSession(int frames = 7, int width = 41, int height = 23);

  const std::filesystem::path& directory() const { return directory_.path(); }
  const std::filesystem::path& config() const { return config_; }
  const std::filesystem::path& outputs() const { return outputs_; }
  std::filesystem::path partial(std::size_t shard) const;

  // Runs one process (`extra` arguments appended) and moves its outputs and report aside as the
  // reference; fails the test when it does not succeed.
  void run_one_process(const std::vector<std::string>& extra = {});
  // The outputs now in outputs() against the reference: "" when every FITS and TIFF file is equal
  // byte for byte and the reports agree (timings aside); otherwise what differs.
  std::string differences_from_one_process() const;
  // Removes what the last run wrote into outputs().
  void clear_outputs() const;

  // The frame files of the kind stacked split by frames (16-bit codes), in order.
  const std::vector<std::filesystem::path>& code_frames() const { return code_frames_; }

 private:
  TemporaryDirectory directory_;
  std::filesystem::path config_, outputs_, reference_;
  std::vector<std::filesystem::path> code_frames_;
};

// The run report's JSON without the lines that say how it ran (threads, wall_seconds, timings).
std::string report_without_timings(const std::filesystem::path& json);

}  // namespace nightstack::testing
