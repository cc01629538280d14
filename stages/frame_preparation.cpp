// Pedestal, overscan and trim, read from the parameters or from each frame's FITS header.
#include "stages/frame_preparation.hpp"

#include <limits>
#include <map>
#include <stdexcept>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

const std::string from_header = "header";

std::string section_text(const std::string& setting, const std::map<std::string, std::string>& header,
                         const char* key, const Frame& frame, const std::string& stage_id) {
  if (setting != from_header) return setting;
  auto found = header.find(key);
  if (found == header.end() || found->second.empty())
    throw InputError(frame.info.path,
                     std::string("has no ") + key + " keyword, which the calibrate stage was told to use ('" +
                         from_header + "'); give the section explicitly, e.g. [4:13,1:520]",
                     frame.info.index, stage_id);
  return found->second;
}

ImageSection section_of(const std::string& text, const Frame& frame, const char* what,
                        const std::string& stage_id) {
  try {
    return parse_image_section(text, frame.pixels.width(), frame.pixels.height());
  } catch (const std::invalid_argument& error) {
    throw InputError(frame.info.path, std::string(what) + ": " + error.what(), frame.info.index, stage_id);
  }
}

}  // namespace

void check_section_syntax(const std::string& text) {
  if (text == from_header) return;
  constexpr int large = std::numeric_limits<int>::max() / 2;
  parse_image_section(text, large, large);
}

std::string FramePreparation::describe() const {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (pedestal) add("PEDESTAL added");
  if (overscan)
    add("overscan " + (*overscan == from_header ? "BIASSEC" : *overscan) + " " + to_string(overscan_combine) +
        " per " + to_string(overscan_axis) + " subtracted");
  if (trim) add("trimmed to " + (*trim == from_header ? "TRIMSEC" : *trim));
  return text;
}

void FramePreparation::apply(Frame& frame, const std::string& stage_id) const {
  if (!does_anything()) return;
  const std::map<std::string, std::string>& header = frame.info.header_keys;
  if (pedestal) {
    auto found = header.find("PEDESTAL");
    double value = 0;
    try {
      if (found != header.end()) value = std::stod(found->second);
    } catch (const std::exception&) {
      throw InputError(frame.info.path, "PEDESTAL = '" + found->second + "' is not a number",
                       frame.info.index, stage_id);
    }
    // A frame without PEDESTAL has no offset to undo.
    if (value != 0)
      for (float& sample : frame.pixels.samples()) sample = static_cast<float>(sample + value);
  }
  if (overscan) {
    const ImageSection section =
        section_of(section_text(*overscan, header, "BIASSEC", frame, stage_id), frame, "overscan", stage_id);
    const bool spans_rows = section.rows() == frame.pixels.height();
    const bool spans_columns = section.columns() == frame.pixels.width();
    if ((overscan_axis == OverscanAxis::row && !spans_rows) ||
        (overscan_axis == OverscanAxis::column && !spans_columns))
      throw InputError(frame.info.path,
                       "the overscan " + to_fits_section(section, frame.pixels.height()) +
                           " does not span every " + to_string(overscan_axis) +
                           " of the frame, so it cannot be subtracted per " + to_string(overscan_axis) +
                           "; use overscan_axis: whole or a full-length strip",
                       frame.info.index, stage_id);
    subtract_overscan(frame.pixels, section, overscan_combine, overscan_axis);
  }
  if (trim) {
    trim_frame(frame,
               section_of(section_text(*trim, header, "TRIMSEC", frame, stage_id), frame, "trim", stage_id));
  }
}

}  // namespace nightstack
