// linearize: turns encoded frame values into linear light relative to full scale (0..1), so sums
// and means add light, not display codes. Integer codes go through an exact lookup table.
#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "imaging/transfer_curve.hpp"
#include "pipeline/band_stage.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct LinearizeSettings {
  std::string transfer;  // auto | srgb | gamma | linear
  double gamma = 2.2;
};

std::string format_number(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

class Linearize : public PointTransform {
 public:
  Linearize(std::string id, LinearizeSettings settings) : PointTransform(std::move(id)), settings_(settings) {
    // Tables for the common integer depths, built once; frames of other depths use the formula.
    for (int white_level : {255, 65535}) {
      for (Encoding encoding : {Encoding::srgb, Encoding::gamma, Encoding::linear}) {
        auto& table = tables_[table_slot(encoding, white_level)];
        table.resize(static_cast<std::size_t>(white_level) + 1);
        auto curve = curve_for(encoding);
        for (int code = 0; code <= white_level; ++code) {
          table[code] = static_cast<float>(curve(static_cast<double>(code) / white_level));
        }
      }
    }
  }

  // Every value alone, as a monotone curve: the banded pass runs it once over a table of codes.
  FrameInfo map_values(std::span<float> samples, const FrameInfo& frame_info) const override {
    Encoding encoding = effective_encoding(frame_info.encoding);
    double white_level = frame_info.white_level;
    const std::vector<float>* table = nullptr;
    if (encoding == Encoding::linear) {
      scale_to_full(samples, white_level);
    } else if (white_level == 255 || white_level == 65535)
      table = &tables_[table_slot(encoding, static_cast<int>(white_level))];
    if (table) {
      apply_table(samples, *table, encoding, white_level);
    } else if (encoding != Encoding::linear) {
      auto curve = curve_for(encoding);
      for (float& value : samples) value = static_cast<float>(curve(value / white_level));
    }
    FrameInfo info = frame_info;
    info.linearization = describe(encoding);
    info.encoding = Encoding::linear;
    info.white_level = 1.0;
    return info;
  }

 private:
  Encoding effective_encoding(Encoding file_encoding) const {
    if (settings_.transfer == "srgb") return Encoding::srgb;
    if (settings_.transfer == "gamma") return Encoding::gamma;
    if (settings_.transfer == "linear") return Encoding::linear;
    return file_encoding;  // auto: what the reader says the file holds
  }

  std::string describe(Encoding encoding) const {
    if (encoding == Encoding::gamma) return "gamma " + format_number(settings_.gamma);
    return to_string(encoding);
  }

  std::function<double(double)> curve_for(Encoding encoding) const {
    switch (encoding) {
      case Encoding::srgb:
        return [](double value) { return srgb_to_linear(value); };
      case Encoding::gamma:
        return [gamma = settings_.gamma](double value) { return gamma_to_linear(value, gamma); };
      case Encoding::linear:
        break;
    }
    return [](double value) { return value; };
  }

  // Linear data only needs scaling, value / white level in double as the table and the formula
  // compute it (the same bits), in one loop the compiler vectorizes. Demosaiced or scaled frames
  // hold few whole codes, so the table path would fall back to the formula for almost every value.
  static void scale_to_full(std::span<float> samples, double white_level) {
    if (white_level == 1.0) return;
    float* const values = samples.data();
    const std::size_t count = samples.size();
    for (std::size_t i = 0; i < count; ++i)
      values[i] = static_cast<float>(static_cast<double>(values[i]) / white_level);
  }

  // Integer codes (all of them, for 8- and 16-bit files) index the table; anything else, such
  // as a scaled FITS value, falls back to the formula so no value is ever rounded to a code.
  // Works in chunks that stay in the L1 cache: first a branch-free check (it vectorizes) that every
  // value of the chunk is an integer code, then a plain lookup loop over the same chunk; a chunk
  // with any other value (rare: a scaled FITS value, NaN) goes value by value.
  void apply_table(std::span<float> samples, const std::vector<float>& table, Encoding encoding,
                   double white_level) const {
    constexpr std::size_t chunk = 2048;
    auto curve = curve_for(encoding);
    const float top = static_cast<float>(white_level);
    const float* const lookup = table.data();
    for (std::size_t first = 0; first < samples.size(); first += chunk) {
      float* const values = samples.data() + first;
      const std::size_t count = std::min(chunk, samples.size() - first);
      if (all_codes(values, count, top)) {
        for (std::size_t i = 0; i < count; ++i) values[i] = lookup[static_cast<int>(values[i])];
        continue;
      }
      for (std::size_t i = 0; i < count; ++i) {
        float& value = values[i];
        if (value >= 0.0f && value <= top) {
          const int code = static_cast<int>(value);
          if (static_cast<float>(code) == value) {
            value = lookup[code];
            continue;
          }
        }
        value = static_cast<float>(curve(value / white_level));
      }
    }
  }

  // True when every value is a whole number in 0..top. The value is clamped before the conversion
  // to int (NaN becomes 0), so the conversion is always defined, and the comparison with the
  // original value rejects anything the clamp changed.
  static bool all_codes(const float* values, std::size_t count, float top) {
    int mismatches = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const float clamped = std::min(std::max(0.0f, values[i]), top);
      mismatches |= static_cast<float>(static_cast<int>(clamped)) != values[i];
    }
    return mismatches == 0;
  }

  static std::size_t table_slot(Encoding encoding, int white_level) {
    return static_cast<std::size_t>(encoding) * 2 + (white_level == 255 ? 0 : 1);
  }

  LinearizeSettings settings_;
  std::vector<float> tables_[6];
};

}  // namespace

StageType linearize_stage_type() {
  StageType type;
  type.name = "linearize";
  type.summary =
      "Converts frame values to linear light relative to full scale (0..1), undoing the sRGB "
      "curve of JPEG frames, so that sums and means add light rather than display codes.";
  type.input = DataKind::frames;
  type.output = DataKind::frames;
  type.parameters = {
      {.name = "transfer",
       .type = ParameterType::choice,
       .default_value = std::string("auto"),
       .choices = {"auto", "srgb", "gamma", "linear"},
       .help = "The curve the frames are encoded with. auto: what the file format says (JPEG: srgb; "
               "FITS: linear); srgb: the exact IEC 61966-2-1 curve; gamma: a pure power law (see gamma); "
               "linear: only scale to full scale."},
      {.name = "gamma",
       .type = ParameterType::number,
       .default_value = 2.2,
       .minimum = 0.1,
       .maximum = 10.0,
       .help = "Exponent for transfer: gamma (linear = encoded ^ gamma)."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const auto& parameters = context.parameters;
    return std::make_unique<Linearize>(
        context.id, LinearizeSettings{parameters.text("transfer"), parameters.number("gamma")});
  };
  return type;
}

}  // namespace nightstack
