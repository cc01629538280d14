// calibrate: subtracts a bias (master or constant) and a dark (optionally scaled), divides by a
// normalized flat and repairs hot and cold pixels, on the frame as read: for RAW and Bayer FITS
// that is the CFA mosaic, before any demosaicing. Masters are built (or reused) before the lights
// are read.
#include <cmath>
#include <sstream>

#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "stages/cosmetic_correction.hpp"
#include "stages/frame_preparation.hpp"
#include "stages/input_paths.hpp"
#include "stages/master_frames.hpp"
#include "stages/natural_order.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct CalibrateSettings {
  std::vector<std::string> bias, darks, flats, flat_darks;
  std::optional<double> bias_level;
  std::string dark_scaling;  // none | exposure | optimize
  std::string master_method;
  double master_sigma = 3.0;
  std::filesystem::path masters_directory;
  FramePreparation preparation;
  std::string cosmetic;  // off | dark | frame
  double hot_sigma = 5.0;
  std::optional<double> cold_sigma;
  std::optional<std::filesystem::path> bad_pixel_map;
  unsigned threads = 1;
  std::string software;
};

// The calibration frames are read as mosaics so they can be calibrated before demosaicing; the
// lights must be read the same way (checked per frame, with advice when they are not).
const ReadOptions calibration_read_options{.raw_mode = "cfa", .bayer = "cfa"};

std::string number_text(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

std::string shape_text(const ImageF& pixels) {
  return std::to_string(pixels.width()) + "x" + std::to_string(pixels.height()) + " with " +
         std::to_string(pixels.channels()) + (pixels.channels() == 1 ? " channel" : " channels");
}

std::optional<BayerPattern> pattern_of(const std::string& text) { return BayerPattern::parse(text); }

class Calibrate : public FrameTransform {
 public:
  Calibrate(std::string id, CalibrateSettings settings)
      : FrameTransform(std::move(id)), settings_(std::move(settings)) {}

  void prepare(Log& log) override {
    std::vector<std::string> steps;
    if (settings_.preparation.does_anything()) steps.push_back(settings_.preparation.describe());
    if (!settings_.bias.empty()) {
      bias_ = master("bias", settings_.bias, "", nullptr, log);
      steps.push_back("bias " + counted(*bias_) + " subtracted");
    } else if (settings_.bias_level) {
      steps.push_back("bias level " + number_text(*settings_.bias_level) + " subtracted");
    }
    if (!settings_.darks.empty()) prepare_dark(log, steps);
    if (!settings_.flats.empty()) prepare_flat(log, steps);
    prepare_defects(log, steps);
    for (const auto& step : steps) description_ += (description_.empty() ? "" : "; ") + step;
    log.info("stage '" + id() + "': " + description_);
  }

  Frame transform(Frame frame) const override {
    if (frame.info.encoding != Encoding::linear)
      throw InputError(
          frame.info.path,
          "holds " + to_string(frame.info.encoding) +
              "-encoded values; calibration needs the linear values of RAW, FITS or linear TIFF frames",
          frame.info.index, id());
    settings_.preparation.apply(frame, id());
    for (const Master* master :
         {bias_ ? &*bias_ : nullptr, dark_ ? &*dark_ : nullptr, flat_ ? &*flat_ : nullptr})
      if (master) check_matches(frame, *master);
    auto& samples = frame.pixels.samples();
    if (bias_) {
      subtract(samples, bias_->pixels.samples(), 1.0);
    } else if (settings_.bias_level) {
      for (float& value : samples) value = static_cast<float>(value - *settings_.bias_level);
    }
    if (dark_) subtract(samples, dark_current_.samples(), dark_scale(frame));
    if (flat_) {
      const auto& flat = flat_->pixels.samples();
      for (std::size_t index = 0; index < samples.size(); ++index)
        if (flat[index] > 0) samples[index] /= flat[index];
    }
    if (!defects_.empty() || settings_.cosmetic == "frame") repair(frame);
    frame.info.calibration = description_;
    return frame;
  }

 private:
  std::string counted(const Master& master) const {
    return "master (" + std::to_string(master.frame_count) +
           (master.frame_count == 1 ? " frame" : " frames") + ")";
  }

  MasterRecipe recipe(const std::string& kind, const std::vector<std::string>& paths, Log& log) const {
    MasterRecipe recipe;
    recipe.kind = kind;
    recipe.stage_id = id();
    // As ingest does: a folder may hold notes or thumbnails besides the frames.
    for (auto& path : expand_input_paths(paths, false)) {
      const InputFormat* format = std::filesystem::is_directory(path) ? nullptr : identify_format(path);
      if (format && format->make_reader) {
        recipe.frames.push_back(std::move(path));
      } else {
        log.warn("stage '" + id() + "': skipping " + path.string() + " in the " + kind +
                 " frames: not an image nightstack can read");
      }
    }
    if (recipe.frames.empty())
      throw InputError(paths.front(), "holds no " + kind + " frame nightstack can read", std::nullopt, id());
    std::stable_sort(recipe.frames.begin(), recipe.frames.end(), [](const auto& left, const auto& right) {
      return natural_less(left.string(), right.string());
    });
    recipe.method = settings_.master_method;
    recipe.stack.stage_id = id() + " (master " + kind + ")";
    recipe.stack.rejection.sigma_low = recipe.stack.rejection.sigma_high = settings_.master_sigma;
    recipe.stack.threads = settings_.threads;
    recipe.stack.cache_directory = default_cache_directory();
    recipe.preparation = settings_.preparation.describe();
    recipe.prepare_frame = [this](Frame& frame) { settings_.preparation.apply(frame, id()); };
    recipe.file = settings_.masters_directory / (id() + "-" + kind + ".fits");
    return recipe;
  }

  Master master(const std::string& kind, const std::vector<std::string>& paths,
                const std::string& extra_preparation, std::function<void(Frame&)> extra_step,
                Log& log) const {
    MasterRecipe plan = recipe(kind, paths, log);
    if (!extra_preparation.empty()) plan.preparation += "; " + extra_preparation;
    if (extra_step) {
      plan.prepare_frame = [this, extra_step](Frame& frame) {
        settings_.preparation.apply(frame, id());
        extra_step(frame);
      };
    }
    if (kind == "flat") plan.stack.normalization = FrameNormalization::multiplicative;
    Master result = obtain_master(plan, calibration_read_options, settings_.software, log);
    check_against_others(result);
    return result;
  }

  // Masters must agree with each other before any light is read.
  void check_against_others(const Master& master) const {
    for (const Master* other : {bias_ ? &*bias_ : nullptr, dark_ ? &*dark_ : nullptr}) {
      if (!other) continue;
      if (other->pixels.width() != master.pixels.width() ||
          other->pixels.height() != master.pixels.height() ||
          other->pixels.channels() != master.pixels.channels() ||
          other->info.cfa_pattern != master.info.cfa_pattern)
        throw InputError(master.first_frame,
                         "gives a " + master.describe() + " of " + shape_text(master.pixels) + ", CFA '" +
                             master.info.cfa_pattern + "', but the " + other->describe() + " is " +
                             shape_text(other->pixels) + ", CFA '" + other->info.cfa_pattern +
                             "'; all calibration frames must come from the same sensor area and mode",
                         std::nullopt, id());
    }
  }

  void prepare_dark(Log& log, std::vector<std::string>& steps) {
    dark_ = master("dark", settings_.darks, "", nullptr, log);
    dark_current_ = dark_->pixels;
    if (bias_) {
      subtract(dark_current_.samples(), bias_->pixels.samples(), 1.0);
    } else if (settings_.bias_level) {
      for (float& value : dark_current_.samples()) value = static_cast<float>(value - *settings_.bias_level);
    }
    std::string how = settings_.dark_scaling == "none"       ? ""
                      : settings_.dark_scaling == "exposure" ? ", scaled by the exposure ratio"
                                                             : ", scaled to minimise the noise";
    if (settings_.dark_scaling != "none" && !dark_->info.capture.exposure_seconds &&
        settings_.dark_scaling == "exposure")
      throw InputError(
          dark_->first_frame,
          "has no exposure time (EXPTIME / EXPOSURE / EXIF), so dark_scaling: exposure cannot scale the "
          "master dark; use dark_scaling: optimize or none",
          std::nullopt, id());
    std::string exposure = dark_->info.capture.exposure_seconds
                               ? " " + number_text(*dark_->info.capture.exposure_seconds) + " s"
                               : "";
    steps.push_back("dark" + exposure + " " + counted(*dark_) + " subtracted" + how);
  }

  void prepare_flat(Log& log, std::vector<std::string>& steps) {
    std::string subtracted, label;  // for the cache key, and for people
    std::function<void(Frame&)> subtract_offset;
    if (!settings_.flat_darks.empty()) {
      flat_dark_ = master("flat_dark", settings_.flat_darks, "", nullptr, log);
      subtracted = "flat dark " + flat_dark_->key;
      label = "flat dark";
      subtract_offset = [this](Frame& frame) { subtract_master(frame, *flat_dark_); };
    } else if (bias_) {
      subtracted = "bias " + bias_->key;
      label = "bias";
      subtract_offset = [this](Frame& frame) { subtract_master(frame, *bias_); };
    } else if (settings_.bias_level) {
      subtracted = label = "bias level " + number_text(*settings_.bias_level);
      const double level = *settings_.bias_level;
      subtract_offset = [level](Frame& frame) {
        for (float& value : frame.pixels.samples()) value = static_cast<float>(value - level);
      };
    } else {
      log.warn("stage '" + id() +
               "': the flats have neither flat_darks nor a bias subtracted, so their offset weakens the "
               "correction; give flat_darks, bias or bias_level");
    }
    flat_ = master("flat", settings_.flats, subtracted.empty() ? "" : subtracted + " subtracted",
                   subtract_offset, log);
    double sum = 0;
    std::size_t count = 0;
    for (float value : flat_->pixels.samples())
      if (std::isfinite(value)) sum += value, ++count;
    const double mean = count ? sum / static_cast<double>(count) : 0.0;
    if (!(mean > 0))
      throw InputError(flat_->first_frame,
                       "gives a " + flat_->describe() + " whose mean is " + number_text(mean) +
                           " after its offset is subtracted; flats must be exposed (well above the bias)",
                       std::nullopt, id());
    for (float& value : flat_->pixels.samples()) value = static_cast<float>(value / mean);
    steps.push_back("divided by flat " + counted(*flat_) + " normalized to its mean" +
                    (label.empty() ? "" : " (" + label + " subtracted from the flats)"));
  }

  void subtract_master(Frame& frame, const Master& offset) const {
    check_matches(frame, offset);
    subtract(frame.pixels.samples(), offset.pixels.samples(), 1.0);
  }

  void prepare_defects(Log& log, std::vector<std::string>& steps) {
    const ImageF* shape = dark_ ? &dark_current_ : flat_ ? &flat_->pixels : bias_ ? &bias_->pixels : nullptr;
    if (settings_.cosmetic == "dark") {
      defects_ = find_defects_in_dark(dark_current_, pattern_of(dark_->info.cfa_pattern), settings_.hot_sigma,
                                      settings_.cold_sigma);
      steps.push_back(std::to_string(count_defects(defects_)) +
                      " hot/cold pixels from the master dark repaired");
    }
    if (flat_) {
      DefectMap dead(flat_->pixels.plane_size(), 0);
      for (int channel = 0; channel < flat_->pixels.channels(); ++channel) {
        const auto plane = flat_->pixels.plane(channel);
        for (std::size_t index = 0; index < plane.size(); ++index)
          if (!(plane[index] > 0)) dead[index] = 1;
      }
      if (const auto count = count_defects(dead)) {
        merge(dead);
        log.warn("stage '" + id() + "': " + std::to_string(count) +
                 " pixels of the master flat are zero or negative; they are repaired from their neighbours");
      }
    }
    if (settings_.bad_pixel_map) {
      merge(read_bad_pixel_map(*settings_.bad_pixel_map, shape));
      steps.push_back("bad pixel map " + settings_.bad_pixel_map->string() + " applied");
    }
    if (settings_.cosmetic == "frame")
      steps.push_back("hot/cold pixels found in each frame repaired (" + number_text(settings_.hot_sigma) +
                      " sigma)");
  }

  void merge(const DefectMap& more) {
    if (defects_.empty()) defects_.assign(more.size(), 0);
    for (std::size_t index = 0; index < more.size(); ++index) defects_[index] |= more[index];
  }

  DefectMap read_bad_pixel_map(const std::filesystem::path& path, const ImageF* shape) const {
    const InputFormat* format = identify_format(path);
    if (!format || !format->make_reader)
      throw InputError(path,
                       "is not an image nightstack can read; a bad pixel map is an image (e.g. FITS) whose "
                       "non-zero pixels mark defects",
                       std::nullopt, id());
    Frame map = format->make_reader(ReadOptions{})->read(path);
    if (shape && (map.pixels.width() != shape->width() || map.pixels.height() != shape->height()))
      throw InputError(path,
                       "is " + shape_text(map.pixels) + " but the calibrated frames are " +
                           shape_text(*shape) + " (after any trim); the bad pixel map must match them",
                       std::nullopt, id());
    DefectMap defects(map.pixels.plane_size(), 0);
    for (int channel = 0; channel < map.pixels.channels(); ++channel) {
      const auto plane = map.pixels.plane(channel);
      for (std::size_t index = 0; index < plane.size(); ++index)
        if (plane[index] != 0 && !std::isnan(plane[index])) defects[index] = 1;
    }
    return defects;
  }

  void repair(Frame& frame) const {
    const auto pattern = pattern_of(frame.info.cfa_pattern);
    if (!defects_.empty() && defects_.size() != frame.pixels.plane_size())
      throw InputError(frame.info.path,
                       "is " + shape_text(frame.pixels) + " after calibration, but the bad pixel map " +
                           (settings_.bad_pixel_map ? settings_.bad_pixel_map->string() : std::string("")) +
                           " has another size",
                       frame.info.index, id());
    if (settings_.cosmetic != "frame") {
      repair_defects(frame.pixels, defects_, pattern);
      return;
    }
    DefectMap defects =
        find_defects_in_frame(frame.pixels, pattern, settings_.hot_sigma, settings_.cold_sigma);
    for (std::size_t index = 0; index < defects_.size(); ++index) defects[index] |= defects_[index];
    repair_defects(frame.pixels, defects, pattern);
  }

  double dark_scale(const Frame& frame) const {
    if (settings_.dark_scaling == "none") {
      const auto light = frame.info.capture.exposure_seconds, dark = dark_->info.capture.exposure_seconds;
      if (light && dark && std::abs(*light - *dark) > 0.01 * std::max(*light, *dark))
        throw InputError(frame.info.path,
                         "has exposure " + number_text(*light) + " s but the " + dark_->describe() + " has " +
                             number_text(*dark) +
                             " s; use darks of the lights' exposure, or dark_scaling: exposure or optimize",
                         frame.info.index, id());
      return 1.0;
    }
    if (settings_.dark_scaling == "exposure") {
      if (!frame.info.capture.exposure_seconds)
        throw InputError(
            frame.info.path,
            "has no exposure time, so dark_scaling: exposure cannot scale the master dark for it; use "
            "dark_scaling: optimize or none",
            frame.info.index, id());
      return *frame.info.capture.exposure_seconds / *dark_->info.capture.exposure_seconds;
    }
    return optimized_dark_scale(frame.pixels.samples());
  }

  // The scale k minimising the variance of (light - k * dark current) over the frame, by least
  // squares: k = cov(light, dark) / var(dark). Sky and stars do not correlate with the dark's
  // pattern, hot pixels do, so k follows the dark signal actually in the frame.
  double optimized_dark_scale(const std::vector<float>& light) const {
    const auto& dark = dark_current_.samples();
    double light_sum = 0, dark_sum = 0, count = 0;
    for (std::size_t index = 0; index < light.size(); ++index)
      if (std::isfinite(light[index]) && std::isfinite(dark[index]))
        light_sum += light[index], dark_sum += dark[index], ++count;
    if (count < 2) return 1.0;
    const double light_mean = light_sum / count, dark_mean = dark_sum / count;
    double covariance = 0, variance = 0;
    for (std::size_t index = 0; index < light.size(); ++index) {
      if (!std::isfinite(light[index]) || !std::isfinite(dark[index])) continue;
      const double dark_deviation = dark[index] - dark_mean;
      covariance += (light[index] - light_mean) * dark_deviation;
      variance += dark_deviation * dark_deviation;
    }
    if (!(variance > 0)) return 1.0;
    return std::max(0.0, covariance / variance);
  }

  void check_matches(const Frame& frame, const Master& master) const {
    auto fail = [&](const std::string& what) {
      throw InputError(
          frame.info.path,
          what + "; calibration frames must come from the same camera, mode and sensor area as the lights",
          frame.info.index, id());
    };
    const bool master_cfa = !master.info.cfa_pattern.empty();
    if (master_cfa && frame.info.cfa_pattern.empty())
      fail("is " + shape_text(frame.pixels) + " without a CFA pattern, but the " + master.describe() +
           " is a CFA mosaic (" + master.info.cfa_pattern +
           "); read the lights as mosaics too (ingest raw_mode: cfa for RAW, bayer: cfa for Bayer FITS) and "
           "demosaic after calibrate");
    if (frame.pixels.width() != master.pixels.width() || frame.pixels.height() != master.pixels.height() ||
        frame.pixels.channels() != master.pixels.channels())
      fail("is " + shape_text(frame.pixels) + (settings_.preparation.trim ? " after trim" : "") +
           " but the " + master.describe() + " is " + shape_text(master.pixels));
    if (frame.info.cfa_pattern != master.info.cfa_pattern)
      fail("has CFA pattern '" + frame.info.cfa_pattern + "' but the " + master.describe() + " has '" +
           master.info.cfa_pattern + "'");
    if (frame.info.white_level != master.info.white_level)
      fail("has full scale " + number_text(frame.info.white_level) + " but the " + master.describe() +
           " has " + number_text(master.info.white_level) +
           " (put calibrate before linearize, directly after ingest)");
  }

  static void subtract(std::vector<float>& samples, const std::vector<float>& offset, double scale) {
    for (std::size_t index = 0; index < samples.size(); ++index)
      samples[index] = static_cast<float>(samples[index] - scale * offset[index]);
  }

  CalibrateSettings settings_;
  std::optional<Master> bias_, dark_, flat_, flat_dark_;
  ImageF dark_current_;  // the master dark minus its bias (when known)
  DefectMap defects_;    // pixels repaired in every frame; empty: none
  std::string description_;
};

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
           "cold_sigma robust sigmas of its colour); frame finds single-pixel outliers in each calibrated "
           "frame "
           "against the median of their same-colour neighbours. Either way they are replaced by that "
           "median."},
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
    return std::make_unique<Calibrate>(context.id, read_settings(context));
  };
  return type;
}

}  // namespace nightstack
