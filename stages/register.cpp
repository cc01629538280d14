// register: aligns every frame on a reference frame's stars before stacking. A prepared transform:
// the first pass detects each frame's stars and measures its quality; conclude() picks the
// reference (the sharpest frame with many stars, or the one named), matches every frame to it and
// leaves out those that do not match, with the reason; the stacking pass warps each frame onto the
// reference's pixel grid, writing NaN (missing) where the frame does not reach.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "imaging/drizzle.hpp"
#include "imaging/drizzle_weight_sum.hpp"
#include "imaging/registration_canvas.hpp"
#include "imaging/star_detection.hpp"
#include "imaging/star_matching.hpp"
#include "imaging/warp.hpp"
#include "io/fits_writer.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"
#include "stages/parallel_for.hpp"
#include "stages/registry.hpp"
#include "stages/star_cache.hpp"
#include "stages/upstream_stages.hpp"

namespace nightstack {

namespace {

struct RegisterSettings {
  MatchSettings match;
  DetectionSettings detection;
  double saturation = 0.98;  // of the white level, for integer frames
  Interpolation interpolation = Interpolation::lanczos3;
  Crop crop = Crop::reference;
  std::optional<std::size_t> reference;
  double keep_best = 100;               // percent of the registered frames, by weighted FWHM
  std::optional<double> max_fwhm;       // pixels
  std::optional<double> min_roundness;  // minor / major axis
  unsigned threads = 1;
  std::filesystem::path star_cache;  // empty: no cache
  std::string fingerprint;           // what the cached stars depend on besides the file
  int drizzle = 1;                   // output pixels per reference pixel; 1: warp instead
  double pixfrac = 1.0;
  std::string drizzle_weights;  // prefix of the weight map's file; empty: none
};

// What the first pass learnt about one frame.
struct Observation {
  std::filesystem::path path;
  std::optional<FileStamp> stamp;  // of the file when it was read
  int width = 0;
  int height = 0;
  StarDetection detection;
  StarShapeSummary shape;
};

// Siril's weighted FWHM: the median FWHM, inflated for frames that lost stars (thin clouds, haze),
// so a sharp frame with few stars does not win.
double weighted_fwhm(const Observation& observation, std::size_t most_stars) {
  const auto stars = static_cast<double>(std::max<std::size_t>(1, observation.detection.stars.size()));
  return observation.shape.fwhm * static_cast<double>(most_stars) / stars;
}

std::string format(double value, int digits = 3) {
  std::ostringstream text;
  text.precision(digits);
  text << value;
  return text.str();
}

class Register : public PreparedTransform {
 public:
  Register(std::string id, RegisterSettings settings, const RunInfo& run)
      : PreparedTransform(std::move(id)), settings_(settings), run_(run) {}

  void prepare(Log& log) override {
    if (settings_.star_cache.empty()) return;
    cache_.emplace(settings_.star_cache, settings_.fingerprint);
    if (!cache_->load_problem().empty())
      log.warn("stage '" + id() + "': ignoring the star cache " + cache_->file().string() + ": " +
               cache_->load_problem());
  }

  bool observe_cached(std::size_t index, const std::filesystem::path& path) override {
    if (!cache_) return false;
    auto entry = cache_->find(path);
    if (!entry) return false;
    Observation observation;
    observation.path = path;
    observation.stamp = entry->stamp;
    observation.width = entry->width;
    observation.height = entry->height;
    observation.detection = std::move(entry->detection);
    observation.shape = summarise_star_shapes(observation.detection.stars);
    std::lock_guard lock(mutex_);
    observations_[index] = std::move(observation);
    ++from_cache_;
    return true;
  }

  void observe(const Frame& frame) override {
    refuse_mosaic(frame);
    DetectionSettings detection = settings_.detection;
    // Integer frames clip at their white level; float frames have no known ceiling.
    if (frame.info.bits_per_sample > 0) detection.saturation = settings_.saturation * frame.info.white_level;
    Observation observation;
    observation.path = frame.info.path;
    observation.stamp = stamp_of(frame.info.path);
    observation.width = frame.pixels.width();
    observation.height = frame.pixels.height();
    // Each first-pass thread keeps its planes from frame to frame (they end with the pass's threads).
    thread_local LuminancePlane luminance;
    thread_local DetectionScratch scratch;
    luminance_for_detection(frame.pixels, false, luminance);
    observation.detection = detect_stars(luminance, detection, scratch);
    observation.shape = summarise_star_shapes(observation.detection.stars);
    std::lock_guard lock(mutex_);
    observations_[frame.info.index] = std::move(observation);
  }

  void conclude(Log& log) override {
    if (observations_.empty()) return;
    save_cache(log);
    for (const auto& [index, observation] : observations_)
      most_stars_ = std::max(most_stars_, observation.detection.stars.size());
    const std::size_t most_stars = most_stars_;
    reference_ = choose_reference(most_stars);
    const Observation& reference = observations_.at(reference_);
    log.info("stage '" + id() + "': reference frame " + std::to_string(reference_) + " (" +
             reference.path.string() + ": " + std::to_string(reference.detection.stars.size()) +
             " stars, FWHM " + format(reference.shape.fwhm) + " px)");

    std::vector<std::size_t> order;
    for (const auto& [index, observation] : observations_) order.push_back(index);
    std::vector<MatchOutcome> outcomes(order.size());
    // Each frame's match depends only on its stars and the reference's: the same whatever the threads.
    parallel_for(order.size(), settings_.threads, [&](std::size_t position, unsigned) {
      const std::size_t index = order[position];
      if (index == reference_) {
        outcomes[position].match =
            StarMatch{Eigen::Matrix3d::Identity(), reference.detection.stars.size(), 0};
        return;
      }
      outcomes[position] =
          match_stars(reference.detection.stars, observations_.at(index).detection.stars, settings_.match);
    });
    for (std::size_t position = 0; position < order.size(); ++position) {
      const std::size_t index = order[position];
      if (outcomes[position].match) {
        matches_[index] = *outcomes[position].match;
      } else {
        left_out_[index] = "not registered: " + outcomes[position].failure;
      }
    }
    apply_keep_best(most_stars);
    choose_canvas(log);
  }

  Verdict verdict(std::size_t index) const override {
    Verdict verdict;
    const auto observed = observations_.find(index);
    if (observed == observations_.end()) return verdict;
    const Observation& observation = observed->second;
    const std::size_t most_stars = most_stars_;
    verdict.measurements = {{"stars", static_cast<double>(observation.detection.stars.size())},
                            {"fwhm", observation.shape.fwhm},
                            {"roundness", observation.shape.roundness},
                            {"weighted_fwhm", weighted_fwhm(observation, most_stars)},
                            {"background", observation.detection.background},
                            {"noise", observation.detection.noise}};
    if (auto left = left_out_.find(index); left != left_out_.end()) verdict.left_out = left->second;
    if (auto match = matches_.find(index); match != matches_.end()) {
      verdict.measurements.push_back({"matched_stars", static_cast<double>(match->second.matched)});
      verdict.measurements.push_back({"match_rms", match->second.rms});
      for (int row = 0; row < 3; ++row)
        for (int column = 0; column < 3; ++column)
          verdict.transform.push_back(match->second.reference_to_frame(row, column));
    }
    return verdict;
  }

  Frame transform(Frame frame) const override {
    refuse_mosaic(frame);
    const auto match = matches_.find(frame.info.index);
    if (match == matches_.end() || left_out_.count(frame.info.index))
      throw InputError(frame.info.path, "was not registered by the first pass (it changed or appeared since)",
                       frame.info.index, id());
    frame.info.quality = quality_of(frame.info.index);
    if (settings_.drizzle > 1) return drizzle(std::move(frame), match->second.reference_to_frame);
    // The reference frame on its own canvas stays as it is (every kernel gives it back exactly).
    const bool unchanged = match->second.reference_to_frame == Eigen::Matrix3d::Identity() &&
                           canvas_.left == 0 && canvas_.top == 0 && canvas_.width == frame.pixels.width() &&
                           canvas_.height == frame.pixels.height();
    if (!unchanged) frame.pixels = warp(frame.pixels, match->second.reference_to_frame);
    frame.info.calibration += std::string(frame.info.calibration.empty() ? "" : ", ") +
                              "registered on frame " + std::to_string(reference_) + " (" +
                              to_string(settings_.match.kind) + ", " + to_string(settings_.interpolation) +
                              ")";
    return frame;
  }

  std::vector<std::filesystem::path> planned_outputs() const override {
    if (settings_.drizzle_weights.empty()) return {};
    return {settings_.drizzle_weights + "_drizzle_weights.fits"};
  }

  // The drizzle weight map, once every frame has been drizzled.
  void finish_pass(Log& /*log*/) override {
    if (settings_.drizzle_weights.empty()) return;
    ImageD weights = drizzle_weights_.total();
    if (drizzle_weights_.frames() == 0)
      weights = ImageD(canvas_.width * settings_.drizzle, canvas_.height * settings_.drizzle, 1, 0.0);
    Provenance provenance;
    provenance.set("BUNIT", std::string("output pixels"), "drop area per pixel, all frames (1: one cover)");
    provenance.set("NCOMBINE", static_cast<std::int64_t>(drizzle_weights_.frames()), "frames drizzled");
    record_drizzle(provenance);
    provenance.set("CREATOR", run_.software, "software that made this file");
    std::vector<std::string> history{"Drizzle weights of stage '" + id() + "', made by " + run_.software +
                                     " from the config below (after --set)."};
    std::istringstream config(run_.resolved_config);
    for (std::string line; std::getline(config, line);) history.push_back(line);
    write_fits(planned_outputs().front(), weights, provenance, history);
  }

 private:
  // Drops every pixel onto the canvas refined drizzle times (the reference frame too: nothing is
  // passed through at a finer scale), and adds the frame's drop areas to the weight map.
  Frame drizzle(Frame frame, const Eigen::Matrix3d& reference_to_frame) const {
    DrizzledFrame drizzled =
        drizzle_image(frame.pixels, reference_to_frame, canvas_, {settings_.drizzle, settings_.pixfrac});
    if (!settings_.drizzle_weights.empty())
      drizzle_weights_.add(drizzled.weights, drizzled.pixels.width(), drizzled.pixels.height());
    frame.pixels = std::move(drizzled.pixels);
    frame.info.calibration +=
        std::string(frame.info.calibration.empty() ? "" : ", ") + "registered on frame " +
        std::to_string(reference_) + " (" + to_string(settings_.match.kind) + ", drizzle x" +
        std::to_string(settings_.drizzle) + ", pixfrac " + format(settings_.pixfrac) + ")";
    return frame;
  }

  void record_drizzle(Provenance& provenance) const {
    provenance.set("DRIZZLE", static_cast<std::int64_t>(settings_.drizzle),
                   "output pixels per reference pixel");
    provenance.set("PIXFRAC", settings_.pixfrac, "drop side / input pixel side");
    provenance.set("REFFRAME", static_cast<std::int64_t>(reference_), "index of the reference frame");
  }

  void refuse_mosaic(const Frame& frame) const {
    if (!frame.info.cfa_pattern.empty() && frame.pixels.channels() == 1)
      throw UsageError("stage '" + id() + "' got an undemosaiced CFA mosaic (" + frame.info.path.string() +
                       "): warping a mosaic mixes its colours; place register after demosaic (or read Bayer "
                       "FITS with bayer: demosaic)");
  }

  FrameQuality quality_of(std::size_t index) const {
    const Observation& observation = observations_.at(index);
    const Observation& reference = observations_.at(reference_);
    return {static_cast<double>(observation.detection.stars.size()), weighted_fwhm(observation, most_stars_),
            static_cast<double>(reference.detection.stars.size()), weighted_fwhm(reference, most_stars_)};
  }

  // The warp in blocks of rows on the threads the other frames' warps leave free: a core left idle
  // at the end of a pass (3 frames on 2 cores) helps with the last frame, and a full pass does not
  // start threads on busy cores. Each row's values do not depend on the block, so the bits are the
  // same. The output takes this thread's recycled frame storage and the source's is given back.
  ImageF warp(ImageF& source, const Eigen::Matrix3d& reference_to_frame) const {
    constexpr int block_rows = 64;
    const unsigned warping = ++warping_;
    struct Done {
      std::atomic<unsigned>& count;
      ~Done() { --count; }
    } done{warping_};
    const unsigned threads = settings_.threads > warping ? settings_.threads - warping + 1 : 1;
    ImageF output = take_frame_pixels(canvas_.width, canvas_.height, source.channels());
    const auto blocks = static_cast<std::size_t>((canvas_.height + block_rows - 1) / block_rows);
    parallel_for(blocks, threads, [&](std::size_t block, unsigned) {
      const int first_row = static_cast<int>(block) * block_rows;
      warp_rows(source, reference_to_frame, canvas_, settings_.interpolation, first_row,
                std::min(canvas_.height, first_row + block_rows), output);
    });
    recycle_frame_pixels(source);
    return output;
  }

  void save_cache(Log& log) const {
    if (!cache_) return;
    if (from_cache_ > 0)
      log.info("stage '" + id() + "': stars of " + std::to_string(from_cache_) + " of " +
               std::to_string(observations_.size()) + " frames from the cache " + cache_->file().string());
    if (from_cache_ == observations_.size()) return;
    std::map<std::string, CachedStars> entries;
    for (const auto& [index, observation] : observations_)
      if (observation.stamp)
        entries[observation.path.string()] = {*observation.stamp, observation.width, observation.height,
                                              observation.detection};
    try {
      cache_->save(entries);
    } catch (const std::exception& problem) {
      log.warn("stage '" + id() + "': the star cache was not saved: " + problem.what());
    }
  }

  std::size_t choose_reference(std::size_t most_stars) const {
    if (settings_.reference) {
      if (!observations_.count(*settings_.reference))
        throw UsageError("stage '" + id() + "': reference frame " + std::to_string(*settings_.reference) +
                         " is not among the frames read (" + std::to_string(observations_.size()) +
                         " frames, indices from 0 in ingest order)");
      return *settings_.reference;
    }
    std::optional<std::size_t> best;
    double best_score = 0;
    for (const auto& [index, observation] : observations_) {
      if (observation.detection.stars.size() < settings_.match.minimum_matches) continue;
      const double score = weighted_fwhm(observation, most_stars);
      if (!best || score < best_score) {
        best = index;
        best_score = score;
      }
    }
    if (!best)
      throw InputError(observations_.begin()->second.path,
                       "no frame has the " + std::to_string(settings_.match.minimum_matches) +
                           " stars registration needs (most: " + std::to_string(most_stars) +
                           "); lower threshold, or check focus and clouds",
                       std::nullopt, id());
    return *best;
  }

  // Thresholds first (max_fwhm, min_roundness), then keep_best: of the registered frames left, only
  // the given share with the lowest weighted FWHM. The reference frame always stays.
  void apply_keep_best(std::size_t most_stars) {
    for (const auto& [index, match] : matches_) {
      const Observation& observation = observations_.at(index);
      if (index == reference_ || left_out_.count(index)) continue;
      if (settings_.max_fwhm && observation.shape.fwhm > *settings_.max_fwhm)
        left_out_[index] = "FWHM " + format(observation.shape.fwhm) + " px is above max_fwhm " +
                           format(*settings_.max_fwhm) + " px";
      else if (settings_.min_roundness && observation.shape.roundness < *settings_.min_roundness)
        left_out_[index] = "roundness " + format(observation.shape.roundness) + " is below min_roundness " +
                           format(*settings_.min_roundness);
    }
    if (settings_.keep_best >= 100) return;
    std::vector<std::pair<double, std::size_t>> ranked;
    for (const auto& [index, match] : matches_)
      if (!left_out_.count(index))
        ranked.emplace_back(weighted_fwhm(observations_.at(index), most_stars), index);
    std::sort(ranked.begin(), ranked.end());
    const auto keep = static_cast<std::size_t>(
        std::max(1.0, std::ceil(settings_.keep_best / 100.0 * static_cast<double>(ranked.size()) - 1e-9)));
    for (std::size_t i = keep; i < ranked.size(); ++i) {
      if (ranked[i].second == reference_) continue;
      left_out_[ranked[i].second] = "keep_best: " + format(settings_.keep_best) + " %: weighted FWHM " +
                                    format(ranked[i].first) + " px is not among the best";
    }
  }

  void choose_canvas(Log& log) {
    const Observation& reference = observations_.at(reference_);
    std::vector<FrameFootprint> footprints;
    for (const auto& [index, match] : matches_) {
      if (left_out_.count(index)) continue;
      const Observation& observation = observations_.at(index);
      footprints.push_back({match.reference_to_frame, observation.width, observation.height});
    }
    canvas_ = registration_canvas(settings_.crop, reference.width, reference.height, footprints,
                                  4 * std::max(reference.width, reference.height));
    if (canvas_.width <= 0 || canvas_.height <= 0)
      throw InputError(reference.path, "the registered frames have no area in common (crop: intersection)",
                       std::nullopt, id());
    if (settings_.crop != Crop::reference)
      log.info("stage '" + id() + "': canvas " + std::to_string(canvas_.width) + "x" +
               std::to_string(canvas_.height) + " at (" + std::to_string(canvas_.left) + ", " +
               std::to_string(canvas_.top) + ") of the reference frame");
    if (settings_.drizzle > 1)
      log.info("stage '" + id() + "': drizzle x" + std::to_string(settings_.drizzle) + ", pixfrac " +
               format(settings_.pixfrac) + ": frames of " +
               std::to_string(canvas_.width * settings_.drizzle) + "x" +
               std::to_string(canvas_.height * settings_.drizzle));
  }

  RegisterSettings settings_;
  const RunInfo& run_;
  mutable DrizzleWeightSum drizzle_weights_;  // added to by transform(), from several threads
  std::optional<StarCache> cache_;
  std::size_t from_cache_ = 0;  // guarded by mutex_ during the first pass
  std::mutex mutex_;
  std::map<std::size_t, Observation> observations_;  // frame index -> first-pass findings
  std::map<std::size_t, StarMatch> matches_;
  std::map<std::size_t, std::string> left_out_;
  std::size_t reference_ = 0;
  std::size_t most_stars_ = 0;  // the most stars any frame has (for the weighted FWHM)
  Canvas canvas_;
  mutable std::atomic<unsigned> warping_{0};  // frames being warped now
};

// What the stars found in a file depend on besides the file: the detection settings and every
// stage before this one in the resolved config (their YAML, as run).
std::string detection_fingerprint(const StageContext& context, const RegisterSettings& settings) {
  std::string fingerprint = std::string(NIGHTSTACK_VERSION) + " threshold " +
                            format(settings.detection.threshold_sigma, 17) + " max_stars " +
                            std::to_string(settings.detection.max_stars) + " saturation " +
                            format(settings.saturation, 17);
  const auto upstream = upstream_stage_nodes(context);
  if (!upstream) return fingerprint + context.run.resolved_config;  // (empty without a config)
  for (const YAML::Node& node : *upstream) {
    YAML::Emitter emitter;
    emitter << node;
    fingerprint += "\n" + std::string(emitter.c_str());
  }
  return fingerprint;
}

}  // namespace

StageType register_stage_type() {
  StageType type;
  type.name = "register";
  type.summary =
      "Aligns every frame on a reference frame's stars (triangle matching, RANSAC, least squares) and "
      "warps it onto the reference's pixel grid; pixels a frame does not reach are missing (NaN), so "
      "each stack pixel counts only the frames that cover it. A first pass detects stars and measures "
      "each frame (FWHM, roundness, stars, background, noise: in the report). Frames that do not match "
      "are left out with the reason. Place it after demosaic.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "transform",
       .type = ParameterType::choice,
       .default_value = std::string("similarity"),
       .choices = {"shift", "similarity", "affine", "homography"},
       .help = "shift; similarity: shift, rotation and scale (field rotation, meridian flip); affine: also "
               "shear; homography: also perspective (wide fields)."},
      {.name = "interpolation",
       .type = ParameterType::choice,
       .default_value = std::string("lanczos3"),
       .choices = {"bilinear", "bicubic", "lanczos3"},
       .help = "Resampling of the warp. lanczos3 (sharpest) is clamped to the four nearest pixels so "
               "bright stars do not ring; bilinear blurs a little; bicubic is Catmull-Rom."},
      {.name = "reference",
       .type = ParameterType::integer,
       .minimum = 0,
       .help = "Index (in ingest order, from 0) of the frame the others are aligned on. Default: the "
               "frame of lowest weighted FWHM (median FWHM x most stars in a frame / its stars)."},
      {.name = "crop",
       .type = ParameterType::choice,
       .default_value = std::string("reference"),
       .choices = {"reference", "intersection", "union"},
       .help = "The stacked canvas: the reference frame's; the largest rectangle every frame covers; or "
               "the bounding box of all frames (edges then have fewer frames: see the coverage map)."},
      {.name = "threshold",
       .type = ParameterType::number,
       .default_value = 5.0,
       .minimum = 1.0,
       .help = "Star detection: noise sigmas a star's smoothed peak must rise above the background."},
      {.name = "max_stars",
       .type = ParameterType::integer,
       .default_value = std::int64_t{500},
       .minimum = 10,
       .help = "Stars kept per frame (the brightest) for matching and quality."},
      {.name = "triangle_stars",
       .type = ParameterType::integer,
       .default_value = std::int64_t{40},
       .minimum = 5,
       .help = "The brightest stars of each frame whose triangles are compared."},
      {.name = "tolerance",
       .type = ParameterType::number,
       .default_value = 2.0,
       .minimum = 0.1,
       .help = "Largest distance, in pixels, between a star and its partner's transformed position."},
      {.name = "min_matches",
       .type = ParameterType::integer,
       .default_value = std::int64_t{8},
       .minimum = 3,
       .help = "Fewest star pairs a frame must share with the reference; frames with fewer are left out."},
      {.name = "max_scale_change",
       .type = ParameterType::number,
       .default_value = 0.1,
       .minimum = 0.0,
       .help =
           "Largest change of scale a frame may have against the reference (0.1: 0.9 to 1.1). Frames of one "
           "camera and telescope keep their scale; the limit keeps chance alignments of a few stars out."},
      {.name = "saturation",
       .type = ParameterType::number,
       .default_value = 0.98,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "Integer frames: stars whose brightest pixel reaches this fraction of the white level are "
               "not used (their centre is clipped). Float frames have no ceiling."},
      {.name = "star_cache",
       .type = ParameterType::path,
       .help = "Directory for a cache of each frame's stars (by path, size and modification time), so a "
               "rerun with another stacking method or other outputs does not decode the frames twice. "
               "Default: no cache."},
      {.name = "max_fwhm",
       .type = ParameterType::number,
       .minimum = 0.0,
       .help = "Frames whose median star FWHM (pixels) is above this are left out (bad seeing, focus, wind). "
               "Default: no limit."},
      {.name = "min_roundness",
       .type = ParameterType::number,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "Frames whose median star roundness (minor / major axis) is below this are left out "
               "(trailed stars: tracking error, wind). Default: no limit."},
      {.name = "keep_best",
       .type = ParameterType::number,
       .default_value = 100.0,
       .minimum = 1.0,
       .maximum = 100.0,
       .help = "Percent of the registered frames to stack, those of lowest weighted FWHM; the others are "
               "left out with their FWHM named."},
      {.name = "drizzle",
       .type = ParameterType::integer,
       .default_value = std::int64_t{1},
       .minimum = 1,
       .maximum = 3,
       .help =
           "1: warp each frame onto the reference's pixels (interpolation). 2 or 3: drizzle instead, onto "
           "pixels 2 or 3 times finer (frames 4 or 9 times larger), for undersampled, dithered data: "
           "each pixel, shrunk to pixfrac, is dropped onto the finer grid and shared by exact overlap "
           "area (docs/registration.md, Drizzle)."},
      {.name = "pixfrac",
       .type = ParameterType::number,
       .default_value = 1.0,
       .minimum = 0.0,
       .maximum = 1.0,
       .help = "Drizzle: side of each drop as a fraction of the pixel's side, above 0 and at most 1. Smaller "
               "drops blur less but leave pixels no drop reaches (missing in that frame) and weigh the "
               "frames less evenly; 1 leaves no holes."},
      {.name = "drizzle_weights",
       .type = ParameterType::path,
       .help = "Drizzle: also writes PREFIX_drizzle_weights.fits, per output pixel the drop area every frame "
               "landed there, in output pixels (1: covered once by a whole drop)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const Parameters& parameters = context.parameters;
    RegisterSettings settings;
    settings.match.kind = *parse_transform_kind(parameters.text("transform"));
    settings.interpolation = *parse_interpolation(parameters.text("interpolation"));
    settings.crop = *parse_crop(parameters.text("crop"));
    if (parameters.has("reference"))
      settings.reference = static_cast<std::size_t>(parameters.integer("reference"));
    settings.detection.threshold_sigma = parameters.number("threshold");
    settings.detection.max_stars = static_cast<std::size_t>(parameters.integer("max_stars"));
    settings.match.triangle_stars = static_cast<std::size_t>(parameters.integer("triangle_stars"));
    settings.match.tolerance = parameters.number("tolerance");
    settings.match.minimum_matches = static_cast<std::size_t>(parameters.integer("min_matches"));
    settings.saturation = parameters.number("saturation");
    settings.match.max_scale_change = parameters.number("max_scale_change");
    settings.keep_best = parameters.number("keep_best");
    if (parameters.has("max_fwhm")) settings.max_fwhm = parameters.number("max_fwhm");
    if (parameters.has("min_roundness")) settings.min_roundness = parameters.number("min_roundness");
    settings.threads = context.run.threads;
    if (parameters.has("star_cache")) settings.star_cache = parameters.text("star_cache");
    settings.fingerprint = detection_fingerprint(context, settings);
    settings.drizzle = static_cast<int>(parameters.integer("drizzle"));
    settings.pixfrac = parameters.number("pixfrac");
    if (!(settings.pixfrac > 0))
      throw ParameterError("pixfrac", "pixfrac must be above 0 (a drop of no area drops nothing), at most 1");
    if (parameters.has("drizzle_weights")) {
      if (settings.drizzle == 1)
        throw ParameterError("drizzle_weights", "drizzle_weights needs drizzle: 2 or 3 (drizzle 1 warps)");
      settings.drizzle_weights = parameters.text("drizzle_weights");
    }
    return std::make_unique<Register>(context.id, settings, context.run);
  };
  return type;
}

}  // namespace nightstack
