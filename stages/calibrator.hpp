// The calibrate stage's work: its settings, the masters it prepares before the lights are read, and
// the per-frame calibration. The stage type (parameters, checks) is in calibrate.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/own_inputs.hpp"
#include "pipeline/stage.hpp"
#include "stages/cosmetic_correction.hpp"
#include "stages/frame_preparation.hpp"
#include "stages/master_frames.hpp"

namespace nightstack {

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

class Calibrator : public FrameTransform, public OwnInputs {
 public:
  Calibrator(std::string id, CalibrateSettings settings)
      : FrameTransform(std::move(id)), settings_(std::move(settings)) {}
  // Builds or reuses the masters, finds the defects to repair; logs what each frame will undergo.
  void prepare(Log& log) override;
  Frame transform(Frame frame) const override;
  // The frames of every master (bias, dark, flat dark, flat), after prepare().
  std::vector<std::filesystem::path> own_input_files() const override;

 private:
  MasterRecipe recipe(const std::string& kind, const std::vector<std::string>& paths, Log& log) const;
  Master master(const std::string& kind, const std::vector<std::string>& paths,
                const std::string& extra_preparation, std::function<void(Frame&)> extra_step, Log& log) const;
  void check_against_others(const Master& master) const;
  void prepare_dark(Log& log, std::vector<std::string>& steps);
  void prepare_flat(Log& log, std::vector<std::string>& steps);
  void prepare_defects(Log& log, std::vector<std::string>& steps);
  void merge(const DefectMap& more);
  DefectMap read_bad_pixel_map(const std::filesystem::path& path, const ImageF* shape) const;
  void subtract_master(Frame& frame, const Master& offset) const;
  void repair(Frame& frame) const;
  double dark_scale(const Frame& frame) const;
  double optimized_dark_scale(const std::vector<float>& light) const;
  void check_matches(const Frame& frame, const Master& master) const;

  CalibrateSettings settings_;
  std::optional<Master> bias_, dark_, flat_, flat_dark_;
  ImageF dark_current_;  // the master dark minus its bias (when known)
  DefectMap defects_;    // pixels repaired in every frame; empty: none
  std::string description_;
};

}  // namespace nightstack
