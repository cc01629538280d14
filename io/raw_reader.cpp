// Camera RAW through LibRaw (open -> unpack -> process), one LibRaw object per reader.
//
// What LibRaw 0.20 does with these settings, checked by tests/test_io_raw.cpp:
// - rgb: scale_colors subtracts the black level and multiplies by 65535 / (maximum - black) times
//   the white-balance multiplier (normalised so the smallest is 1), so the sensor's white level
//   becomes 65535 and values are proportional to the raw value above black (the pixels are taken
//   from imgdata.image, before any output curve). LibRaw would otherwise lower `maximum` to
//   the brightest pixel of the frame when that exceeds 75% of it (adjust_maximum_thr), which makes
//   the scale differ from frame to frame; nightstack turns that off.
// - cfa: the values of imgdata.rawdata.raw_image inside the visible area (margins from
//   sizes.top_margin / left_margin), minus black + cblack[colour] + the cblack[6..] repeat pattern.
// - imgdata.other.timestamp is the EXIF date read as local time (mktime), so localtime() gives back
//   the camera's wall clock.
#include "io/raw_reader.hpp"

#include <libraw/libraw.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>

#include "io/header_checks.hpp"
#include "io/input_bytes.hpp"
#include "io/libraw_hazards.hpp"
#include "io/whole_frame_codes.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"
#include "pipeline/timestamp.hpp"

namespace nightstack {

namespace {

// Frames nightstack holds are float: 2^31 samples is 8 GiB, far beyond any camera.
constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// Lossless RAW compressions spend at least about a bit on each sample; a header claiming more
// than 64 samples per byte of file is corrupt, and is refused before LibRaw allocates for it.
constexpr std::uint64_t maximum_raw_samples_per_byte = 64;
// LibRaw refuses files whose raw buffer would exceed this (its own default, stated here so the
// limit is visible); it answers LIBRAW_TOO_BIG before allocating.
constexpr unsigned libraw_memory_limit_megabytes = 2048;

// Frees LibRaw's buffers for the current file however read() ends; the object itself is reused.
class RecycleOnExit {
 public:
  explicit RecycleOnExit(LibRaw& processor) : processor_(processor) {}
  ~RecycleOnExit() { processor_.recycle(); }
  RecycleOnExit(const RecycleOnExit&) = delete;
  RecycleOnExit& operator=(const RecycleOnExit&) = delete;

 private:
  LibRaw& processor_;
};

// LibRaw's default handlers print to stderr. Here data errors are recorded by the reader
// (RawReader::record_data_error) and memory errors come back as return codes; both end in an
// InputError.
void ignore_data_error(void*, const char*, const int) {}
void ignore_memory_error(void*, const char*, const char*) {}

[[noreturn]] void throw_libraw_error(const std::filesystem::path& path, const std::string& what, int code) {
  std::string message = what + ": " + libraw_strerror(code);
  if (code == LIBRAW_TOO_BIG) {
    message += " (the header claims more than LibRaw's limit of " +
               std::to_string(libraw_memory_limit_megabytes) + " MB; the file is probably corrupt)";
  }
  throw InputError(path, message);
}

// LibRaw's user_qual numbering.
int demosaic_quality(const std::string& demosaic) {
  if (demosaic == "linear") return 0;
  if (demosaic == "vng") return 1;
  if (demosaic == "ppg") return 2;
  if (demosaic == "ahd") return 3;
  if (demosaic == "dcb") return 4;
  if (demosaic == "dht") return 11;
  if (demosaic == "aahd") return 12;
  throw std::invalid_argument("unknown demosaic method '" + demosaic + "'");
}

std::string demosaic_label(const std::string& demosaic) {
  if (demosaic == "linear") return "linear";
  std::string label = demosaic;
  std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::toupper(c); });
  return label;
}

void check_options(const ReadOptions& options) {
  if (options.raw_mode != "rgb" && options.raw_mode != "cfa") {
    throw std::invalid_argument("unknown raw_mode '" + options.raw_mode + "'");
  }
  if (options.white_balance != "camera" && options.white_balance != "daylight" &&
      options.white_balance != "none") {
    throw std::invalid_argument("unknown white_balance '" + options.white_balance + "'");
  }
  if (options.colour_space != "raw" && options.colour_space != "srgb") {
    throw std::invalid_argument("unknown colour_space '" + options.colour_space + "'");
  }
  demosaic_quality(options.demosaic);
}

// Settings for every file; LibRaw reads them during open, unpack and dcraw_process.
void configure(LibRaw& processor, const ReadOptions& options) {
  libraw_output_params_t& params = processor.imgdata.params;
  params.max_raw_memory_mb = libraw_memory_limit_megabytes;
  params.user_flip = 0;  // sensor orientation, the same in rgb and cfa mode
  params.gamm[0] = 1.0;
  params.gamm[1] = 1.0;
  params.no_auto_bright = 1;
  params.adjust_maximum_thr = 0.0F;  // one fixed scale per camera, whatever the frame holds
  params.output_bps = 16;
  params.user_qual = demosaic_quality(options.demosaic);
  params.half_size = options.raw_mode == "rgb" && options.half_size ? 1 : 0;
  params.use_auto_wb = 0;
  params.use_camera_wb = options.white_balance == "camera" ? 1 : 0;
  for (float& multiplier : params.user_mul) multiplier = options.white_balance == "none" ? 1.0F : 0.0F;
  params.output_color = options.colour_space == "srgb" ? 1 : 0;
}

std::string trimmed(const char* text) {
  std::string value(text);
  const auto end = value.find_last_not_of(' ');
  value.erase(end == std::string::npos ? 0 : end + 1);
  return value;
}

// LibRaw gives the EXIF date as mktime() of the camera's wall clock, i.e. read as this machine's
// local time. localtime() undoes that exactly (except in the hour skipped when daylight saving
// starts), and parse_timestamp turns the wall clock into seconds since 1970 of the camera's clock.
std::optional<double> camera_clock_time(std::time_t timestamp) {
  if (timestamp <= 0) return std::nullopt;
  std::tm fields{};
  if (localtime_r(&timestamp, &fields) == nullptr) return std::nullopt;
  char text[32] = {};
  if (std::strftime(text, sizeof text, "%Y:%m:%d %H:%M:%S", &fields) == 0) return std::nullopt;
  return parse_timestamp(text);
}

// Bits needed for the sensor's white level: 14 for 16383, 12 for 4095.
int bits_for(unsigned maximum) {
  int bits = 0;
  while (bits < 32 && (maximum >> bits) != 0) ++bits;
  return bits;
}

// The black level of the pixel at visible (row, column), as LibRaw subtracts it: the common black,
// the per-colour offset and the repeat pattern stored after the first six entries of cblack.
class BlackLevels {
 public:
  explicit BlackLevels(LibRaw& processor) : processor_(processor), colour_(processor.imgdata.color) {
    pattern_height_ = colour_.cblack[4];
    pattern_width_ = colour_.cblack[5];
    const std::size_t capacity = sizeof(colour_.cblack) / sizeof(colour_.cblack[0]) - 6;
    if (pattern_height_ == 0 || pattern_width_ == 0 ||
        static_cast<std::size_t>(pattern_height_) * pattern_width_ > capacity) {
      pattern_height_ = pattern_width_ = 0;
    }
  }

  double at(int row, int column) const {
    const int colour = processor_.COLOR(row, column);
    double black = colour_.black + (colour >= 0 && colour < 4 ? colour_.cblack[colour] : 0);
    if (pattern_height_ != 0) {
      black += colour_.cblack[6 + static_cast<unsigned>(row) % pattern_height_ * pattern_width_ +
                              static_cast<unsigned>(column) % pattern_width_];
    }
    return black;
  }

  // Over the 2x2 cell at the origin, for the provenance.
  double mean() const { return (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4.0; }

 private:
  LibRaw& processor_;
  const libraw_colordata_t& colour_;
  unsigned pattern_height_ = 0;
  unsigned pattern_width_ = 0;
};

void check_size(const std::filesystem::path& path, int width, int height, int channels) {
  if (width <= 0 || height <= 0) {
    throw InputError(path, "LibRaw reports an image of " + std::to_string(width) + " x " +
                               std::to_string(height) + " pixels; the file is corrupt");
  }
  const auto samples = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) *
                       static_cast<std::uint64_t>(channels);
  if (samples > maximum_samples) {
    throw InputError(path, "the RAW image has " + std::to_string(width) + " x " + std::to_string(height) +
                               " pixels, more than nightstack reads (" + std::to_string(maximum_samples) +
                               " samples)");
  }
}

// The raw data LibRaw is about to unpack must fit in the file, give or take compression.
void check_raw_size_against_file(LibRaw& processor, const std::filesystem::path& path,
                                 std::uint64_t file_size) {
  const libraw_image_sizes_t& sizes = processor.imgdata.sizes;
  const std::uint64_t samples = std::uint64_t{sizes.raw_width} * sizes.raw_height;
  check_header_claim(path,
                     "the RAW header claims " + std::to_string(sizes.raw_width) + " x " +
                         std::to_string(sizes.raw_height) + " raw pixels",
                     samples, maximum_raw_samples_per_byte, file_size);
}

void fill_metadata(LibRaw& processor, FrameInfo& info) {
  const libraw_data_t& data = processor.imgdata;
  info.format = "RAW";
  info.encoding = Encoding::linear;
  info.bits_per_sample = bits_for(data.color.maximum);
  info.black_level = BlackLevels(processor).mean();
  CaptureInfo& capture = info.capture;
  capture.camera_make = trimmed(data.idata.make);
  capture.camera_model = trimmed(data.idata.model);
  if (data.other.shutter > 0.0F && std::isfinite(data.other.shutter))
    capture.exposure_seconds = data.other.shutter;
  if (data.other.iso_speed > 0.0F && std::isfinite(data.other.iso_speed)) capture.iso = data.other.iso_speed;
  capture.start_time = camera_clock_time(data.other.timestamp);
  capture.start_time_is_utc = false;
}

// The 2x2 cell at the visible origin as letters, e.g. "RGGB". LibRaw numbers the second green 3
// ("RGBG" in cdesc); both greens are G here. Throws unless the sensor is a plain RGB Bayer mosaic.
std::string bayer_pattern(LibRaw& processor, const std::filesystem::path& path, bool unpacked) {
  const libraw_iparams_t& camera = processor.imgdata.idata;
  const std::string advice = "; use raw_mode: rgb for this camera";
  if (camera.filters == 9) {
    throw InputError(path,
                     "cfa mode needs a Bayer sensor; this camera has a Fujifilm X-Trans sensor" + advice);
  }
  if (camera.filters < 1000 || camera.colors != 3 || processor.is_fuji_rotated() ||
      (unpacked && processor.imgdata.rawdata.raw_image == nullptr)) {
    throw InputError(path,
                     "cfa mode needs a Bayer sensor; this camera's raw data is not a 2x2 red-green-blue "
                     "mosaic (colours '" +
                         std::string(camera.cdesc) + "')" + advice);
  }
  std::string pattern;
  for (int row = 0; row < 2; ++row) {
    for (int column = 0; column < 2; ++column) {
      const int colour = processor.COLOR(row, column);
      const char letter = colour >= 0 && colour < 4 ? camera.cdesc[colour] : '?';
      if (letter != 'R' && letter != 'G' && letter != 'B') {
        throw InputError(path, "cfa mode needs a Bayer sensor; this camera's colours are '" +
                                   std::string(camera.cdesc) + "'" + advice);
      }
      pattern += letter;
    }
  }
  if (std::count(pattern.begin(), pattern.end(), 'G') != 2 || pattern.find('R') == std::string::npos) {
    throw InputError(path,
                     "cfa mode needs a Bayer sensor; LibRaw reports the 2x2 pattern " + pattern + advice);
  }
  return pattern;
}

const std::string cfa_processing = "raw: CFA mosaic, not demosaiced";

// LibRaw falls back to daylight multipliers, silently, when the file has no usable camera white
// balance (it needs red and blue multipliers); the provenance says so.
bool camera_white_balance_known(const LibRaw& processor) {
  const float* multipliers = processor.imgdata.color.cam_mul;
  return multipliers[0] > 0.0F && multipliers[2] > 0.0F;
}

std::string rgb_processing(const ReadOptions& options, bool camera_balance_known) {
  std::string white_balance = options.white_balance;
  if (white_balance == "camera" && !camera_balance_known) {
    white_balance = "daylight (the file has no camera white balance)";
  }
  return "raw: " +
         (options.half_size ? std::string("half size (2x2 binned, no demosaic)")
                            : demosaic_label(options.demosaic) + " demosaic") +
         ", white balance " + white_balance + ", colour " + options.colour_space;
}

// Returns whether the values are 16-bit codes: true unless a black level was subtracted somewhere,
// which can leave values below zero (kept, so averages of dark frames stay unbiased).
bool read_mosaic(LibRaw& processor, const std::filesystem::path& path, Frame& frame) {
  const std::string pattern = bayer_pattern(processor, path, true);
  const libraw_image_sizes_t& sizes = processor.imgdata.sizes;
  const int width = sizes.width;
  const int height = sizes.height;
  check_size(path, width, height, 1);
  if (sizes.top_margin + height > sizes.raw_height || sizes.left_margin + width > sizes.raw_width ||
      sizes.raw_pitch < static_cast<unsigned>(sizes.raw_width) * sizeof(std::uint16_t)) {
    throw InputError(path, "LibRaw reports a visible area outside the raw data; the file is corrupt");
  }

  const BlackLevels black(processor);
  const unsigned maximum = processor.imgdata.color.maximum;
  frame.info.cfa_pattern = pattern;
  frame.info.black_level = black.mean();
  frame.info.white_level = maximum - frame.info.black_level;
  frame.info.colour_processing = cfa_processing;
  frame.pixels = take_frame_pixels(width, height, 1);

  bool black_subtracted = false;
  const std::uint16_t* raw = processor.imgdata.rawdata.raw_image;
  const std::size_t pitch = sizes.raw_pitch / sizeof(std::uint16_t);
  for (int row = 0; row < height; ++row) {
    const std::uint16_t* source = raw + (row + sizes.top_margin) * pitch + sizes.left_margin;
    // The black level repeats every few pixels; looking it up per pixel keeps this simple and is
    // cheap next to LibRaw's unpacking.
    for (int column = 0; column < width; ++column) {
      const double black_here = black.at(row, column);
      black_subtracted = black_subtracted || black_here != 0.0;
      frame.pixels.at(0, row, column) = static_cast<float>(source[column] - black_here);
    }
  }
  return !black_subtracted;
}

void read_rgb(LibRaw& processor, const std::filesystem::path& path, const ReadOptions& options,
              Frame& frame) {
  const bool camera_balance_known = camera_white_balance_known(processor);
  if (!camera_balance_known) processor.imgdata.params.use_camera_wb = 0;
  if (const int code = processor.dcraw_process(); code != LIBRAW_SUCCESS) {
    throw_libraw_error(path, "LibRaw cannot process the raw data", code);
  }
  // The processed pixels are read from imgdata.image, as dcraw_make_mem_image would with the
  // orientation fixed (user_flip 0), but without its copy and without its output curve, so
  // linearity does not depend on that curve being the identity.
  const libraw_image_sizes_t& sizes = processor.imgdata.sizes;
  const int colours = processor.imgdata.idata.colors;
  if (colours != 1 && colours != 3) {
    throw InputError(path, "LibRaw gives " + std::to_string(colours) + " colours for this camera ('" +
                               processor.imgdata.idata.cdesc + "'); use colour_space: srgb");
  }
  const int width = sizes.width;
  const int height = sizes.height;
  check_size(path, width, height, colours);
  if (processor.imgdata.image == nullptr || sizes.iwidth < width || sizes.iheight < height) {
    throw InputError(path, "LibRaw made no image of the stated size");
  }

  frame.info.white_level = 65535.0;
  frame.info.colour_processing = rgb_processing(options, camera_balance_known);
  frame.pixels = take_frame_pixels(width, height, colours);
  const auto* image = processor.imgdata.image;
  for (int channel = 0; channel < colours; ++channel) {
    for (int row = 0; row < height; ++row) {
      const auto* source = image + static_cast<std::size_t>(row) * sizes.iwidth;
      float* target = &frame.pixels.at(channel, row, 0);
      for (int column = 0; column < width; ++column)
        target[column] = static_cast<float>(source[column][channel]);
    }
  }
}

}  // namespace

RawReader::RawReader(ReadOptions options)
    : options_(std::move(options)), processor_(std::make_unique<LibRaw>()) {
  check_options(options_);
  processor_->set_dataerror_handler(record_data_error, &data_errors_);
  processor_->set_memerror_handler(ignore_memory_error, nullptr);
}

RawReader::~RawReader() = default;

void RawReader::record_data_error(void* context, const char*, int offset) {
  auto* errors = static_cast<DataErrors*>(context);
  ++errors->count;
  if (offset < 0) errors->end_of_file = true;
}

void RawReader::open_file(const std::filesystem::path& path) {
  LibRaw& processor = *processor_;
  configure(processor, options_);
  data_errors_ = {};
  if (const auto hazard = libraw_crash_hazard(path)) throw InputError(path, *hazard);
  if (const int code = processor.open_file(path.c_str()); code != LIBRAW_SUCCESS) {
    // For a missing or unreadable file, the operating system's reason says more than LibRaw's.
    if (code == LIBRAW_IO_ERROR) read_file_head(path, 1);
    throw_libraw_error(path, "LibRaw cannot open this file", code);
  }
}

FrameInfo RawReader::read_info(const std::filesystem::path& path) {
  LibRaw& processor = *processor_;
  RecycleOnExit recycle(processor);
  open_file(path);
  FrameInfo info;
  info.path = path;
  fill_metadata(processor, info);
  if (options_.raw_mode == "cfa") {
    info.cfa_pattern = bayer_pattern(processor, path, false);
    info.white_level = processor.imgdata.color.maximum - info.black_level;
    info.colour_processing = cfa_processing;
  } else {
    info.white_level = 65535.0;
    info.colour_processing = rgb_processing(options_, camera_white_balance_known(processor));
  }
  return info;
}

Frame RawReader::read(const std::filesystem::path& path) { return read_whole_frame(*open(path)); }

std::unique_ptr<OpenFrame> RawReader::open(const std::filesystem::path& path) {
  RecycleOnExit recycle(*processor_);
  open_file(path);
  std::error_code error;
  const std::uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) throw InputError(path, "cannot read the file: " + error.message());
  return unpack(path, file_size);
}

Frame RawReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  return read_whole_frame(*open_bytes(name, bytes));
}

std::unique_ptr<OpenFrame> RawReader::open_bytes(const std::filesystem::path& name,
                                                 std::span<const unsigned char> bytes) {
  LibRaw& processor = *processor_;
  RecycleOnExit recycle(processor);
  configure(processor, options_);
  data_errors_ = {};
  if (const auto hazard = libraw_crash_hazard(bytes)) throw InputError(name, *hazard);
  // LibRaw only reads the buffer.
  if (const int code = processor.open_buffer(const_cast<unsigned char*>(bytes.data()), bytes.size());
      code != LIBRAW_SUCCESS) {
    throw_libraw_error(name, "LibRaw cannot open this file", code);
  }
  return unpack(name, bytes.size());
}

std::unique_ptr<OpenFrame> RawReader::unpack(const std::filesystem::path& path, std::uint64_t file_size) {
  LibRaw& processor = *processor_;
  check_raw_size_against_file(processor, path, file_size);
  const int unpacked = processor.unpack();
  // A short or damaged file shows as data errors (and often LIBRAW_IO_ERROR); stacking what LibRaw
  // made of it would silently spoil the result, so it is an error, as for JPEG.
  if (data_errors_.count > 0 || processor.error_count() > 0) {
    std::string message = data_errors_.end_of_file ? "the raw data ends early: the file is truncated"
                                                   : "the raw data is damaged";
    if (unpacked != LIBRAW_SUCCESS) message += std::string(" (LibRaw: ") + libraw_strerror(unpacked) + ")";
    throw InputError(path, message + "; re-copy the file or exclude it");
  }
  if (unpacked != LIBRAW_SUCCESS) throw_libraw_error(path, "LibRaw cannot unpack the raw data", unpacked);

  Frame frame;
  frame.info.path = path;
  fill_metadata(processor, frame.info);
  // LibRaw decodes whole frames only; bands are cut from them, as 16-bit codes where the values are.
  bool codes = true;
  if (options_.raw_mode == "cfa") {
    codes = read_mosaic(processor, path, frame);
  } else {
    read_rgb(processor, path, options_, frame);
  }
  if (codes) return std::make_unique<WholeFrameCodes>(std::move(frame));
  return std::make_unique<WholeFrameBands>(std::move(frame));
}

bool is_camera_raw(const std::filesystem::path& path) {
  try {
    auto processor = std::make_unique<LibRaw>();
    processor->set_dataerror_handler(ignore_data_error, nullptr);
    processor->set_memerror_handler(ignore_memory_error, nullptr);
    processor->imgdata.params.max_raw_memory_mb = libraw_memory_limit_megabytes;
    // A TIFF with a camera's CFA pattern that LibRaw would crash on: the RAW reader refuses it with
    // the reason, where the TIFF reader could only say that CFA data is not supported.
    if (libraw_crash_hazard(path)) return true;
    if (processor->open_file(path.c_str()) != LIBRAW_SUCCESS) return false;
    const libraw_data_t& data = processor->imgdata;
    return data.idata.make[0] != '\0' && data.idata.raw_count > 0 && data.sizes.raw_width > 0 &&
           data.sizes.raw_height > 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace nightstack
