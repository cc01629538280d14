// A decoded frame: its pixels plus where it came from, what its values mean and what the camera or
// the file header said about the exposure.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// How a frame's values relate to light. Readers say what the file holds (JPEG: sRGB codes; FITS:
// linear counts); the linearize stage turns any of them into linear light.
enum class Encoding { srgb, gamma, linear };

std::string to_string(Encoding encoding);

// What the camera or the file header said about the exposure. Every field may be unknown; readers
// fill what their format carries and never invent the rest.
struct CaptureInfo {
  std::optional<double> exposure_seconds;  // EXPTIME / EXPOSURE, EXIF ExposureTime, RAW shutter
  std::optional<double> iso;               // EXIF / RAW ISO speed, FITS ISO or ISOSPEED
  std::optional<double> gain;              // FITS GAIN
  // Start of the exposure, seconds since 1970-01-01T00:00:00 of the file's clock: UTC for FITS
  // DATE-OBS, the camera's local clock for EXIF and RAW (start_time_is_utc = false).
  std::optional<double> start_time;
  bool start_time_is_utc = false;
  std::string camera_make;   // EXIF / RAW maker, e.g. "Canon"
  std::string camera_model;  // EXIF / RAW model, e.g. "Canon EOS 550D"
  std::string instrument;    // FITS INSTRUME (for cameras: make and model)
  std::string telescope;     // FITS TELESCOP
  std::string filter;        // FITS FILTER
  std::string object;        // FITS OBJECT
};

// A channel's robust level, for per-frame normalization and weights (stages/frame_normalization.hpp).
struct ChannelLevels {
  double location = 0.0;  // median of the channel's finite values
  double scale = 0.0;     // MAD: median of |value - location| (not scaled by 1.4826)
};

// A registered frame's quality, measured by the register stage's first pass, with the reference
// frame's for scale: what the stack's quality weights (weights: stars | fwhm) are made from.
struct FrameQuality {
  double stars = 0;            // stars detected (at most register's max_stars)
  double weighted_fwhm = 0;    // median FWHM x most stars in any frame / stars, pixels
  double reference_stars = 0;  // the same of the frame every frame is aligned on
  double reference_weighted_fwhm = 0;
};

struct FrameInfo {
  std::filesystem::path path;
  std::size_t index = 0;  // position in the ingest order
  std::string format;     // "JPEG", "FITS", "TIFF", "PNG", "RAW", ...
  Encoding encoding = Encoding::linear;
  double white_level = 1.0;            // the value that means full scale (255 for 8-bit codes, ...)
  std::string linearization = "none";  // what the linearize stage applied, for the provenance
  int bits_per_sample = 0;             // as stored: 8, 12, 14, 16, 32; negative for float (-32, -64)
  // Set when the pixels are one plane of an undemosaiced colour mosaic: the 2x2 pattern starting at
  // the top-left pixel of the frame as stored here (rows top to bottom), e.g. "RGGB".
  std::string cfa_pattern;
  double black_level = 0.0;  // already subtracted by the reader (RAW), recorded for the provenance
  // How colour was produced, for the provenance: e.g. "demosaic: bilinear", "raw: AHD, white balance
  // camera, colour space raw". Empty for frames read as stored.
  std::string colour_processing;
  // What the calibrate stage did (masters, scaling, cosmetic correction), for the provenance.
  std::string calibration;
  CaptureInfo capture;
  // The file header's keys and their values as text (FITS: strings without quotes, long strings
  // joined), for steps that consult a key by name: PEDESTAL, BIASSEC, TRIMSEC, DATASEC, IMAGETYP,
  // NCOMBINE, WHITELVL, MASTKEY, and the run record of nightstack's own outputs. Empty for formats
  // without such a header.
  std::map<std::string, std::string> header_keys;
  // Set only on a frame cut to a band of rows for a shard (nightstack run --shard): each channel's
  // levels over the whole frame, so that normalization and weights equal those of one process.
  std::vector<ChannelLevels> whole_frame_levels;
  // Set by register on the frames it hands on.
  std::optional<FrameQuality> quality;
};

struct Frame {
  ImageF pixels;  // values as the file states them, unscaled, rows top to bottom
  FrameInfo info;
};

}  // namespace nightstack
