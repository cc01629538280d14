// Calibration masters (bias, dark, flat, flat-dark): combined from their frames with the stacking
// engine, written as FITS with provenance into a masters directory, and reused on later runs while
// their inputs and parameters are unchanged (a cache keyed by a SHA-256 of both).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/read_options.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/log.hpp"
#include "stages/stack_methods.hpp"

namespace nightstack {

struct MasterRecipe {
  std::string kind;  // "bias", "dark", "flat", "flat_dark": names the file and IMAGETYP
  std::string stage_id;
  std::vector<std::filesystem::path> frames;  // in combining order
  std::string method = "median";              // a stack method: median or sigma_clip
  StackSettings stack;                        // rejection sigmas, normalization, memory, threads
  // Everything else that changes the master (overscan, trim, pedestal, what is subtracted), as
  // text: it enters the cache key.
  std::string preparation;
  // Applied to each frame before combining (overscan, trim, subtracting a bias from flats).
  std::function<void(Frame&)> prepare_frame;
  std::filesystem::path file;  // where the master is cached
};

struct Master {
  std::string kind;
  ImageF pixels;
  // cfa_pattern, white_level (0 for a ready master that does not state it), and
  // capture.exposure_seconds (the frames' mean)
  FrameInfo info;
  std::size_t frame_count = 0;
  std::filesystem::path file;                 // the master FITS
  std::filesystem::path first_frame;          // for messages: "master dark (from darks/d1.fits and 9 more)"
  std::vector<std::filesystem::path> frames;  // every file it was made from (a ready master: itself)
  bool reused = false;
  std::string key;  // the cache key; for a ready master, the key of its one file

  std::string describe() const;
};

// The frames are read with `options`. A recipe of one file that is already a master (IMAGETYP
// contains "master", or NCOMBINE > 1) is used as it is, without preparation or cache. Otherwise the
// master in recipe.file is reused when its MASTKEY card equals the key of this recipe; if not it
// is built and written (atomically), and the log says which and why. Throws InputError naming the
// frame for unreadable frames and for frames that differ in size, channels, CFA pattern, full
// scale or (bias, darks) exposure time.
Master obtain_master(const MasterRecipe& recipe, const ReadOptions& options, const std::string& software,
                     Log& log);

// The cache key: SHA-256 over the kind, method, its sigmas and normalization, the preparation text,
// and each frame's absolute path, size and modification time (nanoseconds).
std::string master_cache_key(const MasterRecipe& recipe);

}  // namespace nightstack
