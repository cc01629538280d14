// The ffmpeg command that turns a numbered image sequence (a time-lapse) into an MP4 video. ffmpeg
// is optional: a run prints the command for every sequence it wrote, and runs it only when asked.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nightstack {

struct VideoCommand {
  std::vector<std::string> arguments;  // program first; writes `partial`, which is then renamed
  std::filesystem::path video;
  std::filesystem::path partial;
  std::string text;  // for the user to copy: the same command writing `video` directly
};

// For a sink's numbered path (out/trails_{index}.jpg): ffmpeg reading out/trails_%04d.jpg at
// `frames_per_second`, H.264 in yuv420p (what players expect; odd sizes padded by a pixel) into
// out/trails.mp4. Nothing for formats ffmpeg is not given here (FITS) or paths without {index}.
std::optional<VideoCommand> video_command(const std::filesystem::path& numbered, int frames_per_second = 25);

// Runs the command and renames the finished video into place. Returns false (doing nothing) when
// ffmpeg is not installed; throws OutputError naming the video when ffmpeg fails.
bool make_video(const VideoCommand& command);

}  // namespace nightstack
