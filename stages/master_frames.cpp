// Building, caching and reusing calibration masters.
#include "stages/master_frames.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <functional>
#include <map>
#include <sstream>

#include "io/fits_reader.hpp"
#include "io/fits_writer.hpp"
#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/sha256.hpp"
#include "stages/frame_provenance.hpp"
#include "stages/parallel_for.hpp"

namespace nightstack {

namespace {

constexpr const char* key_card = "MASTKEY";
constexpr double exposure_tolerance = 0.01;  // relative; camera timers round

std::string image_type(const std::string& kind) {
  if (kind == "bias") return "Master Bias";
  if (kind == "dark") return "Master Dark";
  if (kind == "flat") return "Master Flat";
  return "Master Flat Dark";
}

std::string lower(std::string text) {
  for (char& character : text)
    character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  return text;
}

std::string shape_text(const ImageF& pixels) {
  return std::to_string(pixels.width()) + "x" + std::to_string(pixels.height()) + " with " +
         std::to_string(pixels.channels()) + (pixels.channels() == 1 ? " channel" : " channels");
}

// Frames of one master must agree; the first frame is the reference the others are named against.
void check_consistent(const Frame& frame, const Frame& first, const MasterRecipe& recipe) {
  auto fail = [&](const std::string& what) {
    throw InputError(frame.info.path,
                     what + " than the first " + recipe.kind + " frame " + first.info.path.string() +
                         "; every frame of a master must come from the same camera mode",
                     std::nullopt, recipe.stage_id);
  };
  if (frame.pixels.width() != first.pixels.width() || frame.pixels.height() != first.pixels.height() ||
      frame.pixels.channels() != first.pixels.channels())
    fail("is " + shape_text(frame.pixels) + ", another shape (" + shape_text(first.pixels) + ")");
  if (frame.info.cfa_pattern != first.info.cfa_pattern)
    fail("has CFA pattern '" + frame.info.cfa_pattern + "', another (" + first.info.cfa_pattern + ")");
  if (frame.info.white_level != first.info.white_level)
    fail("has full scale " + std::to_string(frame.info.white_level) + ", another (" +
         std::to_string(first.info.white_level) + ")");
  const auto exposure = frame.info.capture.exposure_seconds,
             first_exposure = first.info.capture.exposure_seconds;
  if ((recipe.kind == "dark" || recipe.kind == "flat_dark") && exposure && first_exposure &&
      std::abs(*exposure - *first_exposure) > exposure_tolerance * std::max(*exposure, *first_exposure))
    fail("has exposure " + std::to_string(*exposure) + " s, another (" + std::to_string(*first_exposure) +
         " s)");
  if (frame.info.encoding != Encoding::linear)
    throw InputError(frame.info.path,
                     "holds " + to_string(frame.info.encoding) +
                         "-encoded values; calibration needs linear data (RAW, FITS, linear TIFF)",
                     std::nullopt, recipe.stage_id);
}

Frame read_calibration_frame(const std::filesystem::path& path, const ReadOptions& options,
                             const std::string& stage_id) {
  const InputFormat* format = identify_format(path);
  if (!format || !format->make_reader)
    throw InputError(path, "is not an image nightstack can read, so it cannot be a calibration frame",
                     std::nullopt, stage_id);
  return reader_for(*format, options).read(path);
}

ImageD to_double(const ImageF& pixels) {
  ImageD result(pixels.width(), pixels.height(), pixels.channels());
  std::copy(pixels.samples().begin(), pixels.samples().end(), result.samples().begin());
  return result;
}

ImageF to_float(const ImageD& pixels) {
  ImageF result(pixels.width(), pixels.height(), pixels.channels());
  std::transform(pixels.samples().begin(), pixels.samples().end(), result.samples().begin(),
                 [](double value) { return static_cast<float>(value); });
  return result;
}

double number_card(const std::map<std::string, std::string>& header, const std::string& key,
                   double fallback) {
  auto found = header.find(key);
  if (found == header.end()) return fallback;
  try {
    return std::stod(found->second);
  } catch (const std::exception&) {
    return fallback;
  }
}

// A master FITS (ours or a user's ready master), read, with the pattern and full scale it states.
Master master_from(Frame frame, const std::string& kind) {
  const std::filesystem::path path = frame.info.path;
  const std::map<std::string, std::string>& header = frame.info.header_keys;
  Master master;
  master.kind = kind;
  master.pixels = std::move(frame.pixels);
  master.info = frame.info;
  // Our masters state the frames' full scale; a ready master from elsewhere (often float FITS,
  // whose full scale reads as 1) is taken to be in the lights' units: 0 means "not known".
  master.info.white_level = number_card(header, "WHITELVL", 0.0);
  master.frame_count = static_cast<std::size_t>(number_card(header, "NCOMBINE", 1));
  master.info.header_keys.clear();  // the master's own keys say nothing about the lights
  master.file = path;
  master.first_frame = path;
  master.frames = {path};
  return master;
}

bool is_ready_master(const std::map<std::string, std::string>& header) {
  auto type = header.find("IMAGETYP");
  if (type != header.end() && lower(type->second).find("master") != std::string::npos) return true;
  return number_card(header, "NCOMBINE", 1) > 1;
}

// Runs task(position) for every position on up to `threads` threads and returns what each threw
// (nothing for those that succeeded), so the caller can report errors in frame order.
std::vector<std::exception_ptr> run_on_every_thread(std::size_t count, unsigned threads,
                                                    const std::function<void(std::size_t)>& task) {
  std::vector<std::exception_ptr> errors(count);
  parallel_for(count, threads, [&](std::size_t position, unsigned) {
    try {
      throw_if_interrupted();
      task(position);
    } catch (...) {
      errors[position] = std::current_exception();
    }
  });
  return errors;
}

}  // namespace

std::string Master::describe() const {
  std::string text = "master " + kind + " " + file.string();
  if (first_frame != file) {
    text += " (from " + first_frame.string();
    if (frame_count > 1) text += " and " + std::to_string(frame_count - 1) + " more";
    text += ")";
  }
  return text;
}

std::string master_cache_key(const MasterRecipe& recipe) {
  std::ostringstream text;
  text.precision(17);
  text << "nightstack master 1\nkind " << recipe.kind << "\nmethod " << recipe.method << "\nsigma "
       << recipe.stack.rejection.sigma_low << " " << recipe.stack.rejection.sigma_high << "\nnormalization "
       << to_string(recipe.stack.normalization) << "\npreparation " << recipe.preparation << "\n";
  for (const auto& path : recipe.frames) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    const auto modified = std::filesystem::last_write_time(path, error).time_since_epoch().count();
    text << std::filesystem::absolute(path).string() << '\t' << size << '\t' << modified << '\n';
  }
  return sha256_hex(text.str());
}

Master obtain_master(const MasterRecipe& recipe, const ReadOptions& options, const std::string& software,
                     Log& log) {
  if (recipe.frames.size() == 1) {
    Frame frame = read_calibration_frame(recipe.frames.front(), options, recipe.stage_id);
    if (is_ready_master(frame.info.header_keys)) {
      log.info("stage '" + recipe.stage_id + "': using " + recipe.frames.front().string() +
               " as the master " + recipe.kind + " as it is");
      Master master = master_from(std::move(frame), recipe.kind);
      master.key = master_cache_key(recipe);
      return master;
    }
  }
  const std::string key = master_cache_key(recipe);
  std::string reason = "no master yet";
  std::error_code error;
  if (std::filesystem::exists(recipe.file, error)) {
    std::optional<Frame> cached;
    try {
      cached = FitsReader(options).read(recipe.file);
    } catch (const InputError& unreadable) {
      log.warn("stage '" + recipe.stage_id + "': the cached master " + recipe.kind + " cannot be read (" +
               unreadable.what() + "); building it again");
    }
    const auto& cached_keys = cached ? cached->info.header_keys : std::map<std::string, std::string>{};
    const auto found = cached_keys.find(key_card);
    if (found != cached_keys.end() && found->second == key) {
      log.info("stage '" + recipe.stage_id + "': reusing master " + recipe.kind + " " + recipe.file.string() +
               " (its " + std::to_string(recipe.frames.size()) + " frames and parameters are unchanged)");
      Master master = master_from(std::move(*cached), recipe.kind);
      master.first_frame = recipe.frames.front();
      master.frames = recipe.frames;
      master.frame_count = recipe.frames.size();
      master.reused = true;
      master.key = key;
      return master;
    }
    reason = "its frames or parameters changed since " + recipe.file.string() + " was made";
  }
  log.info("stage '" + recipe.stage_id + "': building master " + recipe.kind + " from " +
           std::to_string(recipe.frames.size()) + " frames (" + reason + ")");

  const StackMethodInfo* method = find_stack_method(recipe.method);
  if (!method) throw std::logic_error("unknown master method " + recipe.method);
  auto combiner = method->make(recipe.stack);
  FrameProvenance provenance;
  Frame first;
  std::string prepared_pattern;  // after trimming, the pattern may start elsewhere
  // Frames decode and are prepared on every thread, a batch of one frame per thread at a time
  // (memory: one frame per thread), and are combined one by one in their order, so the master is
  // the same for any thread count.
  const unsigned threads = std::max(1u, recipe.stack.threads);
  Progress progress = log.progress(recipe.stage_id + " (master " + recipe.kind + ")", recipe.frames.size());
  std::vector<Frame> batch;
  for (std::size_t start = 0; start < recipe.frames.size(); start += batch.size()) {
    batch.assign(std::min<std::size_t>(threads, recipe.frames.size() - start), Frame{});
    // A master of many RAW frames takes a while; Ctrl-C stops it cleanly. The frames are checked
    // in their order, so the error reported is the earliest frame's, whatever the thread count.
    const auto errors = run_on_every_thread(batch.size(), threads, [&](std::size_t position) {
      batch[position] = read_calibration_frame(recipe.frames[start + position], options, recipe.stage_id);
      batch[position].info.index = start + position;
    });
    for (std::size_t position = 0; position < batch.size(); ++position) {
      if (errors[position]) std::rethrow_exception(errors[position]);
      if (start + position == 0) first = batch.front();
      check_consistent(batch[position], first, recipe);
    }
    if (recipe.prepare_frame) {
      for (const auto& error : run_on_every_thread(
               batch.size(), threads, [&](std::size_t position) { recipe.prepare_frame(batch[position]); }))
        if (error) std::rethrow_exception(error);
    }
    if (start == 0) prepared_pattern = batch.front().info.cfa_pattern;
    for (const Frame& frame : batch) {
      provenance.add(frame.info);
      combiner->add(frame.pixels, frame.info);
    }
    progress.update(start + batch.size());
  }
  batch.clear();
  progress.finish();

  Master master;
  master.kind = recipe.kind;
  const ImageD combined = combiner->result();
  master.pixels = to_float(combined);
  master.info = first.info;
  master.info.capture = {};
  master.info.capture.exposure_seconds = first.info.capture.exposure_seconds;
  master.info.cfa_pattern = prepared_pattern;
  master.frame_count = recipe.frames.size();
  master.file = recipe.file;
  master.first_frame = recipe.frames.front();
  master.frames = recipe.frames;
  master.key = key;

  Provenance cards;
  provenance.record(cards, false);
  if (auto exposure = cards.find("EXPTIME"))
    master.info.capture.exposure_seconds = std::get<double>(exposure->value);
  cards.set("IMAGETYP", image_type(recipe.kind), "calibration master made by nightstack");
  cards.set("STACKMTH", recipe.method, "how the frames were combined");
  combiner->record(cards);
  cards.set("WHITELVL", master.info.white_level, "full scale of the frames combined");
  cards.set(key_card, key, "SHA-256 of the inputs and parameters (cache key)");
  cards.set("CREATOR", software, "software that made this file");
  std::vector<std::string> history{"Master " + recipe.kind + " made by " + software + " for stage '" +
                                       recipe.stage_id + "'; preparation: " + recipe.preparation,
                                   "Frames combined:"};
  for (const auto& path : recipe.frames) history.push_back("  " + path.string());
  write_fits(recipe.file, to_double(master.pixels), cards, history);
  log.info("stage '" + recipe.stage_id + "': wrote " + recipe.file.string());
  return master;
}

}  // namespace nightstack
