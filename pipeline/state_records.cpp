// Saving and loading the shared pieces of run state.
#include "pipeline/state_records.hpp"

#include <type_traits>
#include <variant>

namespace nightstack {

void save_optional(StateWriter& writer, const std::optional<double>& value) {
  writer.unsigned_integer(value.has_value());
  writer.number(value.value_or(0.0));
}

std::optional<double> load_optional(StateReader& reader) {
  const bool present = reader.unsigned_integer() != 0;
  const double value = reader.number();
  return present ? std::optional<double>(value) : std::nullopt;
}

void save_frame_info(StateWriter& writer, const FrameInfo& info) {
  writer.text(info.path.string());
  writer.unsigned_integer(info.index);
  writer.text(info.format);
  writer.unsigned_integer(static_cast<std::uint64_t>(info.encoding));
  writer.number(info.white_level);
  writer.text(info.linearization);
  writer.number(info.bits_per_sample);
  writer.text(info.cfa_pattern);
  writer.number(info.black_level);
  writer.text(info.colour_processing);
  const CaptureInfo& capture = info.capture;
  save_optional(writer, capture.exposure_seconds);
  save_optional(writer, capture.iso);
  save_optional(writer, capture.gain);
  save_optional(writer, capture.start_time);
  writer.unsigned_integer(capture.start_time_is_utc);
  for (const auto* text : {&capture.camera_make, &capture.camera_model, &capture.instrument,
                           &capture.telescope, &capture.filter, &capture.object})
    writer.text(*text);
}

FrameInfo load_frame_info(StateReader& reader) {
  FrameInfo info;
  info.path = reader.text();
  info.index = reader.unsigned_integer();
  info.format = reader.text();
  const std::uint64_t encoding = reader.unsigned_integer();
  if (encoding > static_cast<std::uint64_t>(Encoding::linear)) reader.fail("holds an unknown encoding");
  info.encoding = static_cast<Encoding>(encoding);
  info.white_level = reader.number();
  info.linearization = reader.text();
  info.bits_per_sample = static_cast<int>(reader.number());
  info.cfa_pattern = reader.text();
  info.black_level = reader.number();
  info.colour_processing = reader.text();
  CaptureInfo& capture = info.capture;
  capture.exposure_seconds = load_optional(reader);
  capture.iso = load_optional(reader);
  capture.gain = load_optional(reader);
  capture.start_time = load_optional(reader);
  capture.start_time_is_utc = reader.unsigned_integer() != 0;
  for (auto* text : {&capture.camera_make, &capture.camera_model, &capture.instrument, &capture.telescope,
                     &capture.filter, &capture.object})
    *text = reader.text();
  return info;
}

void save_stacked_image(StateWriter& writer, const Image& image) {
  save_image(writer, image.pixels);
  const auto& cards = image.provenance.cards();
  writer.unsigned_integer(cards.size());
  for (const HeaderCard& card : cards) {
    writer.text(card.key);
    writer.text(card.comment);
    writer.unsigned_integer(card.value.index());
    std::visit(
        [&writer](const auto& value) {
          using Value = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<Value, bool>) {
            writer.unsigned_integer(value ? 1 : 0);
          } else if constexpr (std::is_same_v<Value, std::int64_t>) {
            writer.unsigned_integer(static_cast<std::uint64_t>(value));
          } else if constexpr (std::is_same_v<Value, double>) {
            writer.number(value);
          } else {
            writer.text(value);
          }
        },
        card.value);
  }
  writer.unsigned_integer(image.provenance.notes().size());
  for (const auto& note : image.provenance.notes()) writer.text(note);
}

Image load_stacked_image(StateReader& reader) {
  Image image{load_image<double>(reader), {}};
  const std::uint64_t cards = reader.unsigned_integer();
  for (std::uint64_t card = 0; card < cards; ++card) {
    const std::string key = reader.text();
    const std::string comment = reader.text();
    switch (reader.unsigned_integer()) {
      case 0:
        image.provenance.set(key, reader.unsigned_integer() != 0, comment);
        break;
      case 1:
        image.provenance.set(key, static_cast<std::int64_t>(reader.unsigned_integer()), comment);
        break;
      case 2:
        image.provenance.set(key, reader.number(), comment);
        break;
      case 3:
        image.provenance.set(key, reader.text(), comment);
        break;
      default:
        reader.fail("holds a header card of an unknown type");
    }
  }
  const std::uint64_t notes = reader.unsigned_integer();
  for (std::uint64_t note = 0; note < notes; ++note) image.provenance.add_note(reader.text());
  return image;
}

void save_frame_record(StateWriter& writer, const FrameRecord& record) {
  writer.text(record.path.string());
  writer.numbers(record.statistics.background);
  writer.numbers(record.statistics.noise);
  writer.numbers(record.statistics.mean);
  writer.unsigned_integer(record.statistics.saturated);
  writer.text(record.failure);
  writer.unsigned_integer(record.used);
  writer.text(record.rejection);
}

FrameRecord load_frame_record(StateReader& reader, const std::filesystem::path& expected_path) {
  FrameRecord record;
  record.path = reader.text();
  if (record.path != expected_path) reader.fail("lists other frames than this run");
  record.statistics.background = reader.numbers();
  record.statistics.noise = reader.numbers();
  record.statistics.mean = reader.numbers();
  record.statistics.saturated = reader.unsigned_integer();
  record.failure = reader.text();
  record.used = reader.unsigned_integer() != 0;
  record.rejection = reader.text();
  return record;
}

void save_stored_shape(StateWriter& writer, const StoredShape& shape) {
  for (int extent : {shape.width, shape.height, shape.channels})
    writer.unsigned_integer(static_cast<std::uint64_t>(extent));
  writer.unsigned_integer(static_cast<std::uint64_t>(shape.type));
}

StoredShape load_stored_shape(StateReader& reader) {
  const std::uint64_t width = reader.unsigned_integer(), height = reader.unsigned_integer(),
                      channels = reader.unsigned_integer(), type = reader.unsigned_integer();
  if (width > (1u << 30) || height > (1u << 30) || channels > 16 ||
      type > static_cast<std::uint64_t>(SampleType::float32))
    reader.fail("holds an impossible frame shape");
  return {static_cast<int>(width), static_cast<int>(height), static_cast<int>(channels),
          static_cast<SampleType>(type)};
}

}  // namespace nightstack
