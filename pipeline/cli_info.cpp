// `nightstack info FILE...`: what each file is and what its camera said, one line per file or JSON.
#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "pipeline/cli_commands.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/json_text.hpp"
#include "pipeline/timestamp.hpp"

namespace nightstack {

namespace po = boost::program_options;

namespace {

const char* const info_help = R"(Usage: nightstack info [--json] FILE...

Decodes each FILE (the format is recognised from its first bytes) and prints one
line per file: format, size, channels, bits per sample, Bayer pattern, exposure,
ISO or gain, capture time and camera, as far as the file says. Mosaics are shown
as stored (one plane with its CFA pattern). --json prints a JSON array instead.
Exits 4 if any file cannot be read (the others are still listed).

Options)";

std::string bits_text(int bits) {
  if (bits < 0) return std::to_string(-bits) + "-bit float";
  if (bits > 0) return std::to_string(bits) + "-bit";
  return "";
}

std::string camera_text(const CaptureInfo& capture) {
  if (!capture.instrument.empty()) return capture.instrument;
  if (capture.camera_model.rfind(capture.camera_make, 0) == 0) return capture.camera_model;
  return capture.camera_make + (capture.camera_make.empty() ? "" : " ") + capture.camera_model;
}

std::string time_text(const CaptureInfo& capture) {
  if (!capture.start_time) return "";
  return format_timestamp(*capture.start_time) + (capture.start_time_is_utc ? " UTC" : " camera clock");
}

std::string describe_line(const Frame& frame) {
  const auto& info = frame.info;
  const auto& capture = info.capture;
  std::ostringstream line;
  line << info.path.string() << ": " << info.format << " " << frame.pixels.width() << "x"
       << frame.pixels.height() << ", " << frame.pixels.channels()
       << (frame.pixels.channels() == 1 ? " channel" : " channels");
  if (info.bits_per_sample) line << ", " << bits_text(info.bits_per_sample);
  if (!info.cfa_pattern.empty()) line << ", CFA " << info.cfa_pattern;
  if (capture.exposure_seconds) line << ", exposure " << *capture.exposure_seconds << " s";
  if (capture.iso) line << ", ISO " << *capture.iso;
  if (capture.gain) line << ", gain " << *capture.gain;
  if (capture.start_time) line << ", " << time_text(capture);
  if (std::string camera = camera_text(capture); !camera.empty()) line << ", " << camera;
  if (!capture.telescope.empty()) line << ", telescope " << capture.telescope;
  if (!capture.filter.empty()) line << ", filter " << capture.filter;
  if (!capture.object.empty()) line << ", object " << capture.object;
  return line.str();
}

std::string describe_json(const Frame& frame) {
  const auto& info = frame.info;
  const auto& capture = info.capture;
  std::string json = "{\"path\": " + json_string(info.path.string()) +
                     ", \"format\": " + json_string(info.format) +
                     ", \"width\": " + std::to_string(frame.pixels.width()) +
                     ", \"height\": " + std::to_string(frame.pixels.height()) +
                     ", \"channels\": " + std::to_string(frame.pixels.channels()) +
                     ", \"bits_per_sample\": " + std::to_string(info.bits_per_sample);
  auto optional_number = [&](const char* key, const std::optional<double>& value) {
    json += std::string(", \"") + key + "\": " + (value ? json_number(*value) : "null");
  };
  auto text = [&](const char* key, const std::string& value) {
    json += std::string(", \"") + key + "\": " + (value.empty() ? "null" : json_string(value));
  };
  text("cfa_pattern", info.cfa_pattern);
  optional_number("exposure_seconds", capture.exposure_seconds);
  optional_number("iso", capture.iso);
  optional_number("gain", capture.gain);
  text("start_time", capture.start_time ? format_timestamp(*capture.start_time) : "");
  json += std::string(", \"start_time_is_utc\": ") + (capture.start_time_is_utc ? "true" : "false");
  text("camera", camera_text(capture));
  text("telescope", capture.telescope);
  text("filter", capture.filter);
  text("object", capture.object);
  return json + "}";
}

}  // namespace

int command_info(const Arguments& arguments, const FileInspector& inspect) {
  po::options_description options;
  options.add_options()("help,h", "show this help")("json", "print a JSON array, one object per file");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << info_help << options;
    return exit_code::success;
  }
  if (!values.count("file")) throw UsageError("name at least one FILE (see nightstack info --help)");
  const bool json = values.count("json") != 0;
  int result = exit_code::success;
  std::vector<std::string> objects;
  for (const auto& file : values["file"].as<std::vector<std::string>>()) {
    try {
      Frame frame = inspect(file);
      if (json) {
        objects.push_back(describe_json(frame));
      } else {
        std::cout << describe_line(frame) << '\n';
      }
    } catch (const InputError& error) {
      std::cerr << "nightstack: error: " << error.what() << '\n';
      result = exit_code::input;
    }
  }
  if (json) {
    std::cout << "[";
    for (std::size_t i = 0; i < objects.size(); ++i) std::cout << (i ? ",\n " : "") << objects[i];
    std::cout << "]\n";
  }
  return result;
}

}  // namespace nightstack
