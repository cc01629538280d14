// Progress drawing.
#include "pipeline/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "pipeline/errors.hpp"
#include "pipeline/json_text.hpp"

namespace nightstack {

ProgressStyle default_progress_style(bool quiet) {
  if (quiet) return ProgressStyle::off;
  return ::isatty(STDERR_FILENO) ? ProgressStyle::bar : ProgressStyle::lines;
}

ProgressStyle parse_progress_style(const std::string& text, bool quiet) {
  if (text == "auto") return default_progress_style(quiet);
  if (text == "bar") return ProgressStyle::bar;
  if (text == "lines") return ProgressStyle::lines;
  if (text == "json") return ProgressStyle::json;
  if (text == "none") return ProgressStyle::off;
  throw UsageError("--progress takes auto, bar, lines, json or none, not '" + text + "'");
}

Progress::Progress(std::ostream& stream, ProgressStyle style, std::string label, std::size_t total,
                   std::string unit)
    : stream_(stream),
      style_(style),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  // An error mid-run must not leave the cursor at the end of a half-drawn bar.
  if (style_ == ProgressStyle::bar && !finished_ && done_ > 0) stream_ << '\n' << std::flush;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto whole = static_cast<long long>(std::llround(seconds));
  char text[32];
  if (whole >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", whole / 3600, whole / 60 % 60, whole % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", whole / 60, whole % 60);
  }
  return text;
}

void Progress::update(std::size_t done) {
  done_ = done;
  if (style_ == ProgressStyle::off) return;
  // json is read by programs: at most ten lines a second, as documented in progress.hpp.
  auto interval = style_ == ProgressStyle::bar    ? std::chrono::milliseconds(200)
                  : style_ == ProgressStyle::json ? std::chrono::milliseconds(100)
                                                  : std::chrono::milliseconds(5000);
  auto now = Clock::now();
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(false);
}

void Progress::start_at(std::size_t done) {
  done_ = done;
  done_before_ = done;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (style_ == ProgressStyle::off) return;
  draw(true);
}

void Progress::draw(bool final) {
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_ - done_before_) / elapsed : 0.0;
  double remaining = rate > 0 ? static_cast<double>(total_ - done_) / rate : NAN;
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "%zu/%zu %s  %.1f %s/s  %s %s", done_, total_, unit_.c_str(), rate,
                unit_.c_str(), final ? "took" : "ETA",
                Progress::format_duration(final ? elapsed : remaining).c_str());
  if (style_ == ProgressStyle::json) {
    stream_ << "{\"stage\": " << json_string(label_) << ", \"done\": " << done_ << ", \"total\": " << total_
            << ", \"frames_per_second\": " << json_number(rate)
            << ", \"elapsed_seconds\": " << json_number(elapsed)
            << ", \"eta_seconds\": " << json_number(final ? 0.0 : remaining)
            << ", \"finished\": " << (final ? "true" : "false") << "}\n"
            << std::flush;
    return;
  }
  if (style_ == ProgressStyle::bar) {
    constexpr int width = 30;
    int filled = total_ ? static_cast<int>(width * done_ / total_) : width;
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < width) bar += '>' + std::string(static_cast<std::size_t>(width - filled - 1), ' ');
    stream_ << '\r' << label_ << " [" << bar << "] " << numbers << "\x1b[K";
    if (final) stream_ << '\n';
  } else {
    stream_ << label_ << ": " << numbers << '\n';
  }
  stream_ << std::flush;
}

}  // namespace nightstack
