// Accumulates per-frame metadata into the header cards of a stack.
#include "stages/frame_provenance.hpp"

#include <algorithm>
#include <sstream>

#include "pipeline/sha256.hpp"
#include "pipeline/timestamp.hpp"
#include "stages/stack_checkpoint.hpp"

namespace nightstack {

namespace {

std::string number_text(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

// FITS INSTRUME when the file has one, else the camera: EXIF models usually repeat the maker
// ("Canon EOS 550D"), so the maker is added only when the model lacks it.
std::string instrument_name(const CaptureInfo& capture) {
  if (!capture.instrument.empty()) return capture.instrument;
  if (capture.camera_make.empty() || capture.camera_model.rfind(capture.camera_make, 0) == 0) {
    return capture.camera_model;
  }
  if (capture.camera_model.empty()) return capture.camera_make;
  return capture.camera_make + " " + capture.camera_model;
}

}  // namespace

void FrameProvenance::add(const FrameInfo& info) {
  if (frames_ == 0) first_ = info;
  last_ = info;
  paths_.push_back(info.path.string());
  const auto& capture = info.capture;
  if (capture.exposure_seconds) {
    exposure_sum_ += *capture.exposure_seconds;
    ++frames_with_exposure_;
  }
  if (capture.start_time) {
    double end = *capture.start_time + capture.exposure_seconds.value_or(0.0);
    earliest_start_ = std::min(earliest_start_.value_or(*capture.start_time), *capture.start_time);
    latest_end_ = std::max(latest_end_.value_or(end), end);
    times_are_utc_ = times_are_utc_ && capture.start_time_is_utc;
  }
  auto agree = [this](Agreement& agreement, const std::string& value) {
    if (frames_ == 0) agreement.value = value;
    if (agreement.value != value) agreement.agrees = false;
  };
  agree(instrument_, instrument_name(capture));
  agree(telescope_, capture.telescope);
  agree(filter_, capture.filter);
  agree(object_, capture.object);
  agree(cfa_pattern_, info.cfa_pattern);
  agree(gain_, capture.gain ? number_text(*capture.gain) : "");
  agree(iso_, capture.iso ? number_text(*capture.iso) : "");
  agree(colour_processing_, info.colour_processing);
  agree(calibration_, info.calibration);
  agree(black_level_, info.black_level != 0 ? number_text(info.black_level) : "");
  ++frames_;
}

void FrameProvenance::record(Provenance& provenance, bool values_are_sums) const {
  const auto count = static_cast<std::int64_t>(frames_);
  provenance.set("NCOMBINE", count, "number of frames combined");
  provenance.set("STACKCNT", count, "number of frames combined (Siril's key)");
  if (frames_with_exposure_ == frames_ && frames_ > 0) {
    provenance.set("LIVETIME", exposure_sum_, "[s] sum of the exposure times of the frames");
    if (values_are_sums) {
      provenance.set("EXPTIME", exposure_sum_, "[s] exposure the values add up to (the total)");
    } else {
      provenance.set("EXPTIME", exposure_sum_ / static_cast<double>(frames_),
                     "[s] exposure of one frame on average (values are per frame)");
    }
  } else if (frames_with_exposure_ > 0) {
    provenance.set("EXPNOTE",
                   std::to_string(frames_ - frames_with_exposure_) + " frames without exposure time",
                   "so EXPTIME and LIVETIME are not given");
  }
  if (earliest_start_) {
    const std::string clock = times_are_utc_ ? "UTC" : "camera clock, time zone unknown";
    provenance.set("DATE-OBS", format_timestamp(*earliest_start_), "start of the first exposure, " + clock);
    provenance.set("DATE-END", format_timestamp(*latest_end_), "end of the last exposure, " + clock);
    if (times_are_utc_) {
      provenance.set("EXPSTART", modified_julian_date(*earliest_start_), "[d] MJD of DATE-OBS");
      provenance.set("EXPEND", modified_julian_date(*latest_end_), "[d] MJD of DATE-END");
    }
  }
  auto carry = [&](const Agreement& agreement, const char* key, const char* comment) {
    if (agreement.agrees && !agreement.value.empty()) provenance.set(key, agreement.value, comment);
  };
  carry(instrument_, "INSTRUME", "instrument of every frame");
  carry(telescope_, "TELESCOP", "telescope of every frame");
  carry(filter_, "FILTER", "filter of every frame");
  carry(object_, "OBJECT", "object of every frame");
  carry(cfa_pattern_, "BAYERPAT", "Bayer pattern of the mosaic (from the top-left pixel)");
  carry(colour_processing_, "COLORPRC", "how colour was made from the raw data");
  carry(calibration_, "CALIBRAT", "calibration applied to every frame");
  if (black_level_.agrees && !black_level_.value.empty()) {
    provenance.set("BLKLEVEL", std::stod(black_level_.value), "black level subtracted by the reader");
  }
  if (gain_.agrees && !gain_.value.empty())
    provenance.set("GAIN", std::stod(gain_.value), "gain of every frame");
  if (iso_.agrees && !iso_.value.empty())
    provenance.set("ISOSPEED", std::stod(iso_.value), "ISO of every frame");
  provenance.set("FIRSTFRM", first_.path.filename().string(), "first frame combined");
  provenance.set("LASTFRM", last_.path.filename().string(), "last frame combined");
  std::string list;
  for (const auto& path : paths_) list += path + '\n';
  provenance.set("INPHASH", sha256_hex(list), "SHA-256 of the ordered input paths, one per line");
}

void FrameProvenance::save_state(StateWriter& writer) const {
  writer.unsigned_integer(frames_);
  save_frame_info(writer, first_);
  save_frame_info(writer, last_);
  writer.unsigned_integer(paths_.size());
  for (const auto& path : paths_) writer.text(path);
  writer.number(exposure_sum_);
  writer.unsigned_integer(frames_with_exposure_);
  save_optional(writer, earliest_start_);
  save_optional(writer, latest_end_);
  writer.unsigned_integer(times_are_utc_);
  for (const Agreement* agreement : {&instrument_, &telescope_, &filter_, &object_, &cfa_pattern_, &gain_,
                                     &iso_, &colour_processing_, &black_level_}) {
    writer.text(agreement->value);
    writer.unsigned_integer(agreement->agrees);
  }
}

void FrameProvenance::load_state(StateReader& reader) {
  frames_ = reader.unsigned_integer();
  first_ = load_frame_info(reader);
  last_ = load_frame_info(reader);
  paths_.resize(reader.count(sizeof(std::uint64_t)));
  for (auto& path : paths_) path = reader.text();
  exposure_sum_ = reader.number();
  frames_with_exposure_ = reader.unsigned_integer();
  earliest_start_ = load_optional(reader);
  latest_end_ = load_optional(reader);
  times_are_utc_ = reader.unsigned_integer() != 0;
  for (Agreement* agreement : {&instrument_, &telescope_, &filter_, &object_, &cfa_pattern_, &gain_, &iso_,
                               &colour_processing_, &black_level_}) {
    agreement->value = reader.text();
    agreement->agrees = reader.unsigned_integer() != 0;
  }
}

}  // namespace nightstack
