// The pieces of run state that checkpoints and shard partials both save: optional numbers, frame
// metadata, accumulator images, stacked images with their provenance, and the report's per-frame
// records (in state files, see state_file.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "pipeline/frame.hpp"
#include "pipeline/frame_bands.hpp"
#include "pipeline/image.hpp"
#include "pipeline/run_summary.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

void save_optional(StateWriter& writer, const std::optional<double>& value);
std::optional<double> load_optional(StateReader& reader);

// Everything but `calibration` and `whole_frame_levels` (what checkpoints have always held).
void save_frame_info(StateWriter& writer, const FrameInfo& info);
FrameInfo load_frame_info(StateReader& reader);

// Accumulator images of either precision (max and min keep float, the sums double).
template <class Sample>
void save_image(StateWriter& writer, const PlanarImage<Sample>& image) {
  writer.unsigned_integer(static_cast<std::uint64_t>(image.width()));
  writer.unsigned_integer(static_cast<std::uint64_t>(image.height()));
  writer.unsigned_integer(static_cast<std::uint64_t>(image.channels()));
  writer.array(std::span<const Sample>(image.samples()));
}

template <class Sample>
PlanarImage<Sample> load_image(StateReader& reader) {
  const std::uint64_t width = reader.unsigned_integer(), height = reader.unsigned_integer(),
                      channels = reader.unsigned_integer();
  const std::uint64_t samples = reader.count(sizeof(Sample));
  if (width > (1u << 30) || height > (1u << 30) || channels > 16 || width * height * channels != samples)
    reader.fail("holds an image of inconsistent size");
  PlanarImage<Sample> image(static_cast<int>(width), static_cast<int>(height), static_cast<int>(channels));
  reader.array_into(std::span<Sample>(image.samples()));
  return image;
}

// A stacked image: its pixels, its header cards (each value with its type) and its notes.
void save_stacked_image(StateWriter& writer, const Image& image);
Image load_stacked_image(StateReader& reader);

void save_frame_record(StateWriter& writer, const FrameRecord& record);
// Refuses a record of another file than `expected_path`.
FrameRecord load_frame_record(StateReader& reader, const std::filesystem::path& expected_path);

void save_stored_shape(StateWriter& writer, const StoredShape& shape);
StoredShape load_stored_shape(StateReader& reader);

}  // namespace nightstack
