// What a finished run reports: each source's frames with their measurements and what was left out,
// each output with its statistics and a small preview, and the time per stage. Plain data: the
// runner fills it in, the CLI prints it, the run report renders it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/frame_statistics.hpp"
#include "pipeline/image.hpp"
#include "pipeline/image_statistics.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

// One frame a source found: its measurements and whether it went into the stacks.
struct FrameRecord {
  std::filesystem::path path;
  FrameStatistics statistics;  // empty when the frame was never decoded (e.g. a run stopped early)
  bool used = true;
  std::string rejection;  // why it was left out, when not used
  // Set (with used = false) when the frame could not be read or processed and `on_error: skip`
  // left it out; empty for frames rejected as outliers.
  std::string failure;
  // From prepared transforms (registration): per-frame measurements such as FWHM and star count,
  // and the transform applied (3x3 row-major, reference pixel -> frame pixel).
  std::vector<std::pair<std::string, double>> measurements;
  std::vector<double> transform;
};

struct SourceSummary {
  std::string id;
  std::size_t frames = 0;  // frames stacked
  std::vector<FrameRecord> records;
  std::vector<SkippedFile> skipped;
  // How the frames were decoded: "bands of 8-bit codes" (or 16-bit codes, 32-bit float) by the
  // banded pass, or "whole frames".
  std::string frame_pass;
  // Frames left out by `on_error: skip` (records with a failure).
  std::size_t failed_frames() const;
};

// Seconds of work per stage, summed over the threads that did it.
struct StageTiming {
  std::string id;
  double seconds = 0;
};

// What one sink wrote, with a small copy of the image it was given, for the run report.
struct OutputRecord {
  std::string stage;
  std::vector<std::filesystem::path> files;
  ImageD preview;
  ImageStatistics statistics;  // of the full image given to the sink
};

struct RunSummary {
  std::vector<SourceSummary> sources;
  std::vector<OutputRecord> outputs;
  std::vector<StageTiming> timings;  // in graph order
  unsigned threads = 0;
  double seconds = 0;
};

}  // namespace nightstack
