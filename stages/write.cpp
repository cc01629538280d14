// write: saves an image as FITS (values as they are, full provenance in the header), TIFF for GIMP
// and 8-bit JPEG/PNG previews (display-encoded), each written under a temporary name and renamed
// into place when complete.
#include <cmath>
#include <sstream>

#include "imaging/transfer_curve.hpp"
#include "io/fits_writer.hpp"
#include "io/jpeg_writer.hpp"
#include "io/png_writer.hpp"
#include "io/tiff_writer.hpp"
#include "pipeline/sha256.hpp"
#include "stages/display_encoding.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

struct WriteSettings {
  std::optional<std::filesystem::path> fits, tiff, jpeg, png;
  std::string encoding;
  int jpeg_quality = 92;
  int fits_bitpix = -32;
  int tiff_bits = 16;
};

// A float TIFF keeps the values beyond 0..1; only the display curve is applied (mirrored below 0).
// A missing (NaN) pixel is written as 0, as in the integer display outputs.
ImageD encode_display_float(const ImageD& linear, const std::string& encoding) {
  ImageD encoded = linear;
  for (double& value : encoded.samples()) {
    if (std::isnan(value)) {
      value = 0.0;
    } else if (encoding == "srgb") {
      value = linear_to_srgb(value);
    }
  }
  return encoded;
}

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
    for (const auto* path : {&settings_.fits, &settings_.tiff, &settings_.jpeg, &settings_.png}) {
      if (*path) outputs.push_back(**path);
    }
    return outputs;
  }

  std::vector<std::filesystem::path> write(const Image& image) override {
    const WriteSettings settings = numbered(settings_, image.provenance);
    Provenance provenance = image.provenance;
    provenance.set("CREATOR", run_.software, "software that made this file");
    provenance.set("CFGHASH", sha256_hex(run_.resolved_config), "SHA-256 of the resolved config (HISTORY)");
    if (settings.fits) {
      write_fits(*settings.fits, image.pixels, provenance, history(provenance),
                 FitsWriteOptions{settings.fits_bitpix});
    }
    provenance.set("DISPENC", settings.encoding, "curve applied to the display output");
    const bool linear_profile = settings.encoding == "linear";
    if (settings.tiff && settings.tiff_bits == 32) {
      write_tiff_float(*settings.tiff, encode_display_float(image.pixels, settings.encoding),
                       description(provenance), run_.software, linear_profile);
    } else if (settings.tiff) {
      write_tiff16(*settings.tiff, encode_display_16(image.pixels, settings.encoding),
                   description(provenance), run_.software, linear_profile);
    }
    if (settings.png) write_png(*settings.png, encode_display_8(image.pixels, settings.encoding));
    if (settings.jpeg) {
      write_jpeg(*settings.jpeg, encode_display_8(image.pixels, settings.encoding), settings.jpeg_quality);
    }
    std::vector<std::filesystem::path> written;
    for (const auto* path : {&settings.fits, &settings.tiff, &settings.jpeg, &settings.png})
      if (*path) written.push_back(**path);
    return written;
  }

 private:
  // The settings with the file names of one image of a sequence ({index} replaced).
  static WriteSettings numbered(WriteSettings settings, const Provenance& provenance) {
    for (auto* path : {&settings.fits, &settings.tiff, &settings.jpeg, &settings.png})
      if (*path) *path = sequence_path(**path, provenance);
    return settings;
  }

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
      "one of fits, tiff, jpeg, png.";
  type.input = DataKind::image;
  type.output = DataKind::nothing;
  type.parameters = {
      {.name = "fits",
       .type = ParameterType::path,
       .help = "Output FITS file (BITPIX -32; colour as 3 planes)."},
      {.name = "tiff",
       .type = ParameterType::path,
       .help = "Output 16-bit TIFF (values clipped to 0..1, then display-encoded); normalize first."},
      {.name = "jpeg",
       .type = ParameterType::path,
       .help = "Output 8-bit JPEG preview (clipped and encoded as tiff)."},
      {.name = "png",
       .type = ParameterType::path,
       .help = "Output 8-bit PNG preview (clipped and encoded as tiff)."},
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
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    const auto& parameters = context.parameters;
    WriteSettings settings{optional_path(parameters, "fits"),
                           optional_path(parameters, "tiff"),
                           optional_path(parameters, "jpeg"),
                           optional_path(parameters, "png"),
                           parameters.text("encoding"),
                           static_cast<int>(parameters.integer("jpeg_quality")),
                           std::stoi(parameters.text("fits_bitpix")),
                           std::stoi(parameters.text("tiff_bits"))};
    if (!settings.fits && !settings.tiff && !settings.jpeg && !settings.png) {
      throw ParameterError("fits",
                           "stage '" + context.id + "' (write) writes nothing: give fits, tiff, jpeg or png");
    }
    return std::make_unique<Write>(context.id, std::move(settings), context.run);
  };
  return type;
}

}  // namespace nightstack
