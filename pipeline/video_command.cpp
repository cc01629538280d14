// Builds and runs the ffmpeg command for a numbered sequence.
#include "pipeline/video_command.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "pipeline/errors.hpp"
#include "pipeline/stage.hpp"

extern char** environ;

namespace nightstack {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string replaced(std::string text, const std::string& what, const std::string& by) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + by.size()))
    text.replace(at, what.size(), by);
  return text;
}

std::string quoted(const std::string& argument) {
  const bool plain = std::all_of(argument.begin(), argument.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string("%+-./:=_,()").find(static_cast<char>(c)) != std::string::npos;
  });
  if (plain && !argument.empty()) return argument;
  return "'" + replaced(argument, "'", "'\\''") + "'";
}

bool installed(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string directories = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const std::filesystem::path candidate =
        std::filesystem::path(directories.substr(start, end - start)) / program;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) && access(candidate.c_str(), X_OK) == 0)
      return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<VideoCommand> video_command(const std::filesystem::path& numbered, int frames_per_second) {
  const std::string text = numbered.string();
  if (text.find(sequence_placeholder) == std::string::npos) return std::nullopt;
  const std::string extension = lower(numbered.extension().string());
  if (extension != ".jpg" && extension != ".jpeg" && extension != ".png" && extension != ".tif" &&
      extension != ".tiff")
    return std::nullopt;
  VideoCommand command;
  std::string stem = numbered.stem().string();
  for (const std::string separator : {"_", "-", ".", ""})
    stem = replaced(stem, separator + sequence_placeholder, "");
  if (stem.empty()) stem = "timelapse";
  command.video = numbered.parent_path() / (stem + ".mp4");
  command.partial = numbered.parent_path() / (stem + ".mp4.partial");
  const std::string pattern = replaced(text, sequence_placeholder, "%04d");
  auto arguments = [&](const std::filesystem::path& output) {
    return std::vector<std::string>{
        "ffmpeg",        "-y",      "-loglevel", "error",   "-framerate", std::to_string(frames_per_second),
        "-start_number", "1",       "-i",        pattern,   "-vf",        "pad=ceil(iw/2)*2:ceil(ih/2)*2",
        "-c:v",          "libx264", "-pix_fmt",  "yuv420p", "-f",         "mp4",
        output.string()};
  };
  command.arguments = arguments(command.partial);
  for (const auto& argument : arguments(command.video))
    command.text += (command.text.empty() ? "" : " ") + quoted(argument);
  return command;
}

bool make_video(const VideoCommand& command) {
  if (!installed(command.arguments.front())) return false;
  std::vector<char*> argv;
  for (const auto& argument : command.arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t child = 0;
  if (posix_spawnp(&child, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw OutputError(command.video, "could not start ffmpeg to make the video");
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw OutputError(command.video, "lost track of ffmpeg making the video");
  }
  std::error_code ignored;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::filesystem::remove(command.partial, ignored);
    throw OutputError(
        command.video,
        "ffmpeg failed making the video (its messages are above); the command was: " + command.text);
  }
  std::filesystem::rename(command.partial, command.video);
  return true;
}

}  // namespace nightstack
