// write: saves an image in each output format asked for (the table in io/output_formats.cpp): FITS
// with the values as they are and full provenance, display-encoded TIFF, JPEG and PNG; each written
// under a temporary name and renamed into place when complete.
#include <algorithm>
#include <sstream>

#include "io/output_formats.hpp"
#include "pipeline/run_record.hpp"
#include "pipeline/sha256.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct WriteSettings {
  // One per entry of output_formats(), in its order: the file to write, if asked for.
  std::vector<std::optional<std::filesystem::path>> paths;
  WriteOptions options;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

class Write : public ImageSink {
 public:
  Write(std::string id, WriteSettings settings, const RunInfo& run)
      : ImageSink(std::move(id)), settings_(std::move(settings)), run_(run) {}

  std::vector<std::filesystem::path> planned_outputs() const override {
    std::vector<std::filesystem::path> outputs;
    for (const auto& path : settings_.paths) {
      if (path) outputs.push_back(*path);
    }
    return outputs;
  }

  std::vector<std::filesystem::path> write(const Image& image) override {
    Provenance provenance = image.provenance;
    provenance.set("CREATOR", run_.software, "software that made this file");
    provenance.set("CFGHASH", sha256_hex(run_.resolved_config), "SHA-256 of the resolved config (HISTORY)");
    // Display formats also say which curve encoded their values.
    Provenance display_provenance = provenance;
    display_provenance.set("DISPENC", settings_.options.encoding, "curve applied to the display output");
    const std::string values_description = description(provenance);
    // What `nightstack config --from` rebuilds the run from: header cards of the values' formats
    // (FITS), not repeated in the text descriptions, which hold the config already.
    record_run(provenance, run_);
    const std::vector<std::string> values_history = history(provenance);
    const std::vector<std::string> display_history = history(display_provenance);
    const std::string display_description = description(display_provenance);
    const ImageToWrite values{image.pixels, provenance, values_history, values_description, run_.software};
    const ImageToWrite display{image.pixels, display_provenance, display_history, display_description,
                               run_.software};

    // The images of a sequence are numbered: {index} in each name becomes the image's number.
    std::vector<std::filesystem::path> written;
    const auto& formats = output_formats();
    for (std::size_t index = 0; index < formats.size(); ++index) {
      if (!settings_.paths[index]) continue;
      written.push_back(sequence_path(*settings_.paths[index], image.provenance));
      formats[index].writer.write(written.back(), formats[index].display_encoded ? display : values,
                                  settings_.options);
    }
    return written;
  }

 private:
  std::vector<std::string> history(const Provenance& provenance) const {
    std::vector<std::string> lines = provenance.notes();
    lines.push_back("Made by " + run_.software + " from the config below (after --set).");
    if (!run_.config_path.empty()) lines.push_back("Config: " + run_.config_path);
    for (auto& line : split_lines(run_.resolved_config)) lines.push_back(line);
    return lines;
  }

  std::string description(const Provenance& provenance) const {
    std::string text = "Stacked by " + run_.software + ".\n";
    for (const auto& card : provenance.cards()) {
      text += card.key + " = " +
              std::visit(
                  [](const auto& value) {
                    std::ostringstream stream;
                    stream << value;
                    return stream.str();
                  },
                  card.value) +
              "  (" + card.comment + ")\n";
    }
    for (const auto& note : provenance.notes()) text += note + "\n";
    return text + "Config:\n" + run_.resolved_config;
  }

  WriteSettings settings_;
  const RunInfo& run_;
};

// The write stage's output keys: "fits, tiff, jpeg, png" with `last_separator` ", ", or "fits, tiff,
// jpeg or png" with " or ".
std::string format_keys(const std::string& last_separator) {
  std::string text;
  const auto& formats = output_formats();
  for (std::size_t index = 0; index < formats.size(); ++index) {
    if (index > 0) text += index + 1 == formats.size() ? last_separator : ", ";
    text += formats[index].key;
  }
  return text;
}

std::optional<std::filesystem::path> optional_path(const Parameters& parameters, const std::string& name) {
  if (!parameters.has(name)) return std::nullopt;
  return std::filesystem::path(parameters.text(name));
}

}  // namespace

StageType write_stage_type() {
  StageType type;
  type.name = "write";
  type.summary =
      "Writes an image: FITS (32-bit float by default, values unchanged, provenance and config in the "
      "header), "
      "16-bit (or float) TIFF for GIMP with an ICC profile, and 8-bit JPEG and PNG previews. Give at least "
      "one of " +
      format_keys(", ") + ".";
  type.input = DataKind::image;
  type.output = DataKind::nothing;
  // One output path per format of the table, then the formats' options.
  for (const auto& format : output_formats()) {
    type.parameters.push_back({.name = format.key, .type = ParameterType::path, .help = format.help});
  }
  const std::vector<ParameterSpec> options = {
      {.name = "fits_bitpix",
       .type = ParameterType::choice,
       .default_value = std::string("-32"),
       .choices = {"-32", "-64", "16"},
       .help = "FITS sample type: -32 (32-bit float), -64 (64-bit float, the double values exactly), or 16 "
               "(unsigned 16-bit counts: round(value x 65535), clipped to 0..65535; VALSCALE, NCLIPLO and "
               "NCLIPHI in the header say so) - normalize first."},
      {.name = "tiff_bits",
       .type = ParameterType::choice,
       .default_value = std::string("16"),
       .choices = {"16", "32"},
       .help = "TIFF samples: 16 (integers, clipped to 0..1, what GIMP opens everywhere) or 32 (IEEE float, "
               "values "
               "beyond 0..1 kept). Both carry an ICC profile matching the encoding."},
      {.name = "encoding",
       .type = ParameterType::choice,
       .default_value = std::string("srgb"),
       .choices = {"srgb", "linear"},
       .help = "Curve applied to TIFF, JPEG and PNG outputs: srgb (what GIMP and viewers expect) or linear."},
      {.name = "jpeg_quality",
       .type = ParameterType::integer,
       .default_value = std::int64_t{92},
       .minimum = 1,
       .maximum = 100,
       .help = "JPEG quality, 1-100."},
  };
  type.parameters.insert(type.parameters.end(), options.begin(), options.end());
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const auto& parameters = context.parameters;
    WriteSettings settings;
    for (const auto& format : output_formats()) {
      settings.paths.push_back(optional_path(parameters, format.key));
    }
    settings.options = WriteOptions{parameters.text("encoding"), std::stoi(parameters.text("fits_bitpix")),
                                    std::stoi(parameters.text("tiff_bits")),
                                    static_cast<int>(parameters.integer("jpeg_quality"))};
    if (std::none_of(settings.paths.begin(), settings.paths.end(),
                     [](const auto& path) { return path.has_value(); })) {
      throw ParameterError(output_formats().front().key,
                           "stage '" + context.id + "' (write) writes nothing: give " + format_keys(" or "));
    }
    return std::make_unique<Write>(context.id, std::move(settings), context.run);
  };
  return type;
}

}  // namespace nightstack
