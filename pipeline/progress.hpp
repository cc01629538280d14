// Progress of long work on stderr: a redrawn bar with rate and ETA on a terminal, a plain line
// every few seconds otherwise (logs, CI), nothing with --quiet.
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace nightstack {

// bar: redrawn on a terminal; lines: a plain line every few seconds; json: one JSON object per line
// (at most ten a second, and the final state) for batch systems; off: nothing.
enum class ProgressStyle { bar, lines, json, off };

// bar when stderr is a terminal, lines otherwise; off when quiet.
ProgressStyle default_progress_style(bool quiet);
// For --progress auto|bar|lines|json|none; throws UsageError for anything else. --quiet wins over auto.
ProgressStyle parse_progress_style(const std::string& text, bool quiet);

class Progress {
 public:
  // `unit` names what is counted in the text styles (the JSON style keeps its field names).
  Progress(std::ostream& stream, ProgressStyle style, std::string label, std::size_t total,
           std::string unit = "frames");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Called from one thread at a time; cheap when nothing needs drawing.
  void update(std::size_t done);
  // A resumed run: `done` items were done before, so the rate and ETA count only what follows.
  void start_at(std::size_t done);
  // Draws the final state and ends the bar's line.
  void finish();

  // "1:02:03" or "2:03".
  static std::string format_duration(double seconds);

 private:
  void draw(bool final);

  using Clock = std::chrono::steady_clock;
  std::ostream& stream_;
  ProgressStyle style_;
  std::string label_;
  std::string unit_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t done_before_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool finished_ = false;
};

}  // namespace nightstack
