// calibrate: subtracts a bias (master or constant) and a dark (optionally scaled), divides by a
// normalized flat and repairs hot and cold pixels, on the frame as read: for RAW and Bayer FITS
// that is the CFA mosaic, before any demosaicing. Masters are built (or reused) before the lights
// are read.
#include "pipeline/errors.hpp"
#include "stages/calibrator.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

CalibrateSettings read_settings(const StageContext& context) {
  const auto& parameters = context.parameters;
  CalibrateSettings settings;
  auto optional_list = [&](const char* name) {
    return parameters.has(name) ? parameters.list(name) : std::vector<std::string>{};
  };
  settings.bias = optional_list("bias");
  settings.darks = optional_list("darks");
  settings.flats = optional_list("flats");
  settings.flat_darks = optional_list("flat_darks");
  if (parameters.has("bias_level")) settings.bias_level = parameters.number("bias_level");
  settings.dark_scaling = parameters.text("dark_scaling");
  settings.master_method = parameters.text("master_method");
  settings.master_sigma = parameters.number("master_sigma");
  settings.masters_directory = parameters.text("masters_directory");
  auto& preparation = settings.preparation;
  preparation.pedestal = parameters.boolean("pedestal");
  for (const char* name : {"overscan", "trim"}) {
    if (!parameters.has(name)) continue;
    try {
      check_section_syntax(parameters.text(name));
    } catch (const std::invalid_argument& error) {
      throw ParameterError(name, std::string(error.what()) + " (or 'header' for the frame's " +
                                     (std::string(name) == "overscan" ? "BIASSEC" : "TRIMSEC") + ")");
    }
    (std::string(name) == "overscan" ? preparation.overscan : preparation.trim) = parameters.text(name);
  }
  preparation.overscan_combine =
      parameters.text("overscan_combine") == "mean" ? OverscanCombine::mean : OverscanCombine::median;
  const auto& axis = parameters.text("overscan_axis");
  preparation.overscan_axis = axis == "row"      ? OverscanAxis::row
                              : axis == "column" ? OverscanAxis::column
                                                 : OverscanAxis::whole;
  settings.cosmetic = parameters.text("cosmetic");
  settings.hot_sigma = parameters.number("hot_sigma");
  if (parameters.has("cold_sigma")) settings.cold_sigma = parameters.number("cold_sigma");
  if (parameters.has("bad_pixel_map")) settings.bad_pixel_map = parameters.text("bad_pixel_map");
  settings.threads = context.run.threads;
  settings.software = context.run.software;

  if (settings.bias.size() && settings.bias_level)
    throw ParameterError("bias_level",
                         "give either bias (frames or a master) or bias_level (a constant), not both");
  if (settings.dark_scaling != "none" && !settings.darks.empty() && settings.bias.empty() &&
      !settings.bias_level)
    throw ParameterError("dark_scaling",
                         "dark_scaling: " + settings.dark_scaling +
                             " scales the dark current alone, so the dark's bias must be known: give "
                             "bias (frames or a master) or bias_level");
  if (settings.cosmetic == "dark" && settings.darks.empty())
    throw ParameterError("cosmetic",
                         "cosmetic: dark finds hot and cold pixels in the master dark; give darks, or "
                         "use cosmetic: frame");
  if (settings.bias.empty() && settings.darks.empty() && settings.flats.empty() && !settings.bias_level &&
      !preparation.does_anything() && settings.cosmetic == "off" && !settings.bad_pixel_map)
    throw ParameterError("darks",
                         "calibrate has nothing to do: give bias, darks, flats, bias_level, overscan, trim, "
                         "pedestal, cosmetic or bad_pixel_map");
  return settings;
}

}  // namespace

StageType calibrate_stage_type() {
  StageType type;
  type.name = "calibrate";
  type.summary =
      "Calibrates each frame as read (for RAW and Bayer FITS: the CFA mosaic, before demosaicing): PEDESTAL, "
      "overscan and trim, then subtracts the master bias (or bias_level) and master dark, divides by the "
      "master "
      "flat normalized to its mean, and repairs hot, cold and mapped bad pixels. Masters are combined from "
      "their "
      "frames before the lights are read, written to masters_directory and reused while unchanged.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  auto frames_help = [](const std::string& what) {
    return what +
           " frames: files, directories and globs, read like RAW/Bayer lights as CFA mosaics; or one ready "
           "master FITS (IMAGETYP containing 'master', or NCOMBINE > 1), used as it is.";
  };
  type.parameters = {
      {.name = "bias", .type = ParameterType::path_list, .help = frames_help("Bias (offset)")},
      {.name = "darks", .type = ParameterType::path_list, .help = frames_help("Dark")},
      {.name = "flats", .type = ParameterType::path_list, .help = frames_help("Flat")},
      {.name = "flat_darks",
       .type = ParameterType::path_list,
       .help =
           frames_help("Dark frames for the flats (subtracted from each flat; without them the bias is)")},
      {.name = "bias_level",
       .type = ParameterType::number,
       .help =
           "A constant offset subtracted instead of a master bias (e.g. a camera's known offset in ADU)."},
      {.name = "pedestal",
       .type = ParameterType::boolean,
       .default_value = false,
       .help = "Add each FITS frame's PEDESTAL keyword first (MaxIm DL writes PEDESTAL = -500 when it adds "
               "500 ADU "
               "to calibrated frames), to every frame including calibration frames."},
      {.name = "dark_scaling",
       .type = ParameterType::choice,
       .default_value = std::string("none"),
       .choices = {"none", "exposure", "optimize"},
       .help =
           "none: subtract the master dark as it is (exposures must match); exposure: scale the dark current "
           "(dark minus bias) by light / dark exposure time; optimize: scale it per frame by the factor that "
           "minimises the frame's variance (least squares). Scaling needs bias or bias_level."},
      {.name = "master_method",
       .type = ParameterType::choice,
       .default_value = std::string("median"),
       .choices = {"median", "sigma_clip"},
       .help = "How the frames of each master are combined (the stack stage's methods); flats are first "
               "scaled to "
               "the first flat's median."},
      {.name = "master_sigma",
       .type = ParameterType::number,
       .default_value = 3.0,
       .minimum = 0.1,
       .maximum = 100.0,
       .help = "master_method: sigma_clip, the low and high rejection thresholds in standard deviations."},
      {.name = "masters_directory",
       .type = ParameterType::path,
       .default_value = std::string("masters"),
       .help =
           "Where masters are written as <stage id>-<bias|dark|flat|flat_dark>.fits and reused while their "
           "frames (path, size, modification time) and parameters are unchanged."},
      {.name = "overscan",
       .type = ParameterType::text,
       .help = "Overscan region in FITS section syntax, [x1:x2,y1:y2] (1-based, inclusive, y from the bottom "
               "row), "
               "or 'header' for each frame's BIASSEC. Combined (overscan_combine) per overscan_axis and "
               "subtracted, "
               "as ccdproc's subtract_overscan does."},
      {.name = "overscan_combine",
       .type = ParameterType::choice,
       .default_value = std::string("median"),
       .choices = {"median", "mean"},
       .help = "How the overscan values are combined."},
      {.name = "overscan_axis",
       .type = ParameterType::choice,
       .default_value = std::string("row"),
       .choices = {"row", "column", "whole"},
       .help = "row: one value per row (a strip of columns spanning every row; ccdproc's overscan_axis=1); "
               "column: "
               "one per column; whole: one value for the frame."},
      {.name = "trim",
       .type = ParameterType::text,
       .help =
           "Region kept after overscan subtraction, [x1:x2,y1:y2] like overscan, or 'header' for TRIMSEC."},
      {.name = "cosmetic",
       .type = ParameterType::choice,
       .default_value = std::string("off"),
       .choices = {"off", "dark", "frame"},
       .help =
           "Hot and cold pixels: dark finds them once in the master dark's dark current (beyond hot_sigma / "
           "cold_sigma robust sigmas of its colour); frame finds, in each calibrated frame, lone pixels "
           "standing above all their same-colour neighbours (or below). Either way they are replaced by the "
           "median of those neighbours."},
      {.name = "hot_sigma",
       .type = ParameterType::number,
       .default_value = 5.0,
       .minimum = 1.0,
       .maximum = 1000.0,
       .help = "cosmetic: threshold for hot pixels, in robust standard deviations (1.4826 MAD)."},
      {.name = "cold_sigma",
       .type = ParameterType::number,
       .minimum = 1.0,
       .maximum = 1000.0,
       .help = "cosmetic: threshold for cold pixels; off unless given."},
      {.name = "bad_pixel_map",
       .type = ParameterType::path,
       .help =
           "An image the size of the calibrated frames whose non-zero pixels are repaired in every frame."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Calibrator>(context.id, read_settings(context));
  };
  return type;
}

}  // namespace nightstack
