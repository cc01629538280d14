// The calibrate stage's work: masters prepared before the lights are read, then each frame
// calibrated on the values as read (for RAW and Bayer FITS, the CFA mosaic).
#include "stages/calibrator.hpp"

#include <cmath>
#include <sstream>

#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "stages/input_paths.hpp"
#include "stages/natural_order.hpp"

namespace nightstack {

namespace {

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

std::string counted(const Master& master) {
  return "master (" + std::to_string(master.frame_count) + (master.frame_count == 1 ? " frame" : " frames") +
         ")";
}

void subtract(std::vector<float>& samples, const std::vector<float>& offset, double scale) {
  for (std::size_t index = 0; index < samples.size(); ++index)
    samples[index] = static_cast<float>(samples[index] - scale * offset[index]);
}

}  // namespace

std::vector<std::filesystem::path> Calibrator::own_input_files() const {
  std::vector<std::filesystem::path> files;
  for (const auto* master : {&bias_, &dark_, &flat_dark_, &flat_}) {
    if (*master) files.insert(files.end(), (*master)->frames.begin(), (*master)->frames.end());
  }
  return files;
}

void Calibrator::prepare(Log& log) {
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

Frame Calibrator::transform(Frame frame) const {
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
    // A pixel the flat leaves undefined (NaN) is missing in every frame; one <= 0 is repaired below.
    for (std::size_t index = 0; index < samples.size(); ++index)
      if (flat[index] > 0 || std::isnan(flat[index])) samples[index] /= flat[index];
  }
  if (!defects_.empty() || settings_.cosmetic == "frame") repair(frame);
  frame.info.calibration = description_;
  return frame;
}

MasterRecipe Calibrator::recipe(const std::string& kind, const std::vector<std::string>& paths,
                                Log& log) const {
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

Master Calibrator::master(const std::string& kind, const std::vector<std::string>& paths,
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
void Calibrator::check_against_others(const Master& master) const {
  for (const Master* other : {bias_ ? &*bias_ : nullptr, dark_ ? &*dark_ : nullptr}) {
    if (!other) continue;
    if (other->pixels.width() != master.pixels.width() || other->pixels.height() != master.pixels.height() ||
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

void Calibrator::prepare_dark(Log& log, std::vector<std::string>& steps) {
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
  if (settings_.dark_scaling == "exposure" && !dark_->info.capture.exposure_seconds)
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

void Calibrator::prepare_flat(Log& log, std::vector<std::string>& steps) {
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

void Calibrator::subtract_master(Frame& frame, const Master& offset) const {
  check_matches(frame, offset);
  subtract(frame.pixels.samples(), offset.pixels.samples(), 1.0);
}

void Calibrator::prepare_defects(Log& log, std::vector<std::string>& steps) {
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
        if (plane[index] <= 0)
          dead[index] = 1;  // NaN: missing, not repaired (the frames divided by it are NaN there)
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

void Calibrator::merge(const DefectMap& more) {
  if (defects_.empty()) defects_.assign(more.size(), 0);
  for (std::size_t index = 0; index < more.size(); ++index) defects_[index] |= more[index];
}

DefectMap Calibrator::read_bad_pixel_map(const std::filesystem::path& path, const ImageF* shape) const {
  const InputFormat* format = identify_format(path);
  if (!format || !format->make_reader)
    throw InputError(path,
                     "is not an image nightstack can read; a bad pixel map is an image (e.g. FITS) whose "
                     "non-zero pixels mark defects",
                     std::nullopt, id());
  Frame map = format->make_reader(ReadOptions{})->read(path);
  if (shape && (map.pixels.width() != shape->width() || map.pixels.height() != shape->height()))
    throw InputError(path,
                     "is " + shape_text(map.pixels) + " but the calibrated frames are " + shape_text(*shape) +
                         " (after any trim); the bad pixel map must match them",
                     std::nullopt, id());
  DefectMap defects(map.pixels.plane_size(), 0);
  for (int channel = 0; channel < map.pixels.channels(); ++channel) {
    const auto plane = map.pixels.plane(channel);
    for (std::size_t index = 0; index < plane.size(); ++index)
      if (plane[index] != 0 && !std::isnan(plane[index])) defects[index] = 1;
  }
  return defects;
}

void Calibrator::repair(Frame& frame) const {
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
  DefectMap defects = find_defects_in_frame(frame.pixels, pattern, settings_.hot_sigma, settings_.cold_sigma);
  for (std::size_t index = 0; index < defects_.size(); ++index) defects[index] |= defects_[index];
  repair_defects(frame.pixels, defects, pattern);
}

double Calibrator::dark_scale(const Frame& frame) const {
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
double Calibrator::optimized_dark_scale(const std::vector<float>& light) const {
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

void Calibrator::check_matches(const Frame& frame, const Master& master) const {
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
    fail("is " + shape_text(frame.pixels) + (settings_.preparation.trim ? " after trim" : "") + " but the " +
         master.describe() + " is " + shape_text(master.pixels));
  if (frame.info.cfa_pattern != master.info.cfa_pattern)
    fail("has CFA pattern '" + frame.info.cfa_pattern + "' but the " + master.describe() + " has '" +
         master.info.cfa_pattern + "'");
  if (master.info.white_level > 0 && frame.info.white_level != master.info.white_level)
    fail("has full scale " + number_text(frame.info.white_level) + " but the " + master.describe() + " has " +
         number_text(master.info.white_level) + " (put calibrate before linearize, directly after ingest)");
}

}  // namespace nightstack
