// Band delivery bookkeeping, the whole-frame read built on it, and the whole-frame adapter.
#include "pipeline/frame_bands.hpp"

#include <algorithm>
#include <stdexcept>

#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"

namespace nightstack {

namespace {

// Enough rows that per-band overhead vanishes, few enough that a band stays in L2.
constexpr int whole_frame_band_rows = 16;

template <class Sample>
void store_rows(const Sample* source, const StoredShape& shape, int first_row, int rows, ImageF& pixels) {
  const auto width = static_cast<std::size_t>(shape.width);
  const int channels = shape.channels;
  for (int channel = 0; channel < channels; ++channel) {
    float* plane = pixels.plane(channel).data() + static_cast<std::size_t>(first_row) * width;
    const Sample* from = source + channel;
    const std::size_t count = width * static_cast<std::size_t>(rows);
    for (std::size_t index = 0; index < count; ++index)
      plane[index] = static_cast<float>(from[index * channels]);
  }
}

}  // namespace

std::size_t sample_size(SampleType type) {
  switch (type) {
    case SampleType::uint8:
      return 1;
    case SampleType::uint16:
      return 2;
    case SampleType::float32:
      break;
  }
  return 4;
}

std::string to_string(SampleType type) {
  switch (type) {
    case SampleType::uint8:
      return "8-bit codes";
    case SampleType::uint16:
      return "16-bit codes";
    case SampleType::float32:
      break;
  }
  return "32-bit float";
}

std::string describe(const StoredShape& shape) {
  return std::to_string(shape.width) + "x" + std::to_string(shape.height) + " with " +
         std::to_string(shape.channels) + (shape.channels == 1 ? " channel" : " channels") + " of " +
         to_string(shape.type);
}

OpenFrame::~OpenFrame() = default;

FrameBand OpenFrame::next_band(int max_rows) {
  FrameBand band;
  band.shape = shape_;
  band.first_row = rows_read_;
  if (finished()) return band;
  const int wanted = std::clamp(max_rows, 1, shape_.height - rows_read_);
  int delivered = wanted;
  band.samples = decode_rows(wanted, delivered);
  if (delivered < 1 || delivered > wanted)
    throw std::logic_error("a reader delivered " + std::to_string(delivered) + " rows when asked for " +
                           std::to_string(wanted));
  band.rows = delivered;
  rows_read_ += delivered;
  return band;
}

void OpenFrame::skip_rows(int rows) {
  rows = std::clamp(rows, 0, shape_.height - rows_read_);
  if (reads_rows_in_place()) {
    rows_read_ += rows;
    return;
  }
  for (const int end = rows_read_ + rows; rows_read_ < end;) next_band(end - rows_read_);
}

std::pair<int, int> row_band_bounds(std::size_t band, std::size_t bands, int height, const FrameInfo& info,
                                    const std::string& stage) {
  const auto rows = static_cast<std::size_t>(height);
  if (rows < bands)
    throw InputError(info.path,
                     "frame has " + std::to_string(rows) + " rows, fewer than the " + std::to_string(bands) +
                         " shards it would be split into",
                     info.index, stage);
  return {static_cast<int>(band * rows / bands), static_cast<int>((band + 1) * rows / bands)};
}

ImageF copy_rows(const ImageF& pixels, int first_row, int end_row) {
  ImageF rows(pixels.width(), end_row - first_row, pixels.channels());
  const auto offset = static_cast<std::ptrdiff_t>(first_row) * pixels.width();
  for (int channel = 0; channel < pixels.channels(); ++channel) {
    const auto from = pixels.plane(channel).begin() + offset;
    std::copy(from, from + static_cast<std::ptrdiff_t>(rows.plane_size()), rows.plane(channel).begin());
  }
  return rows;
}

Frame read_frame_rows(OpenFrame& frame, int first_row, int end_row) {
  const StoredShape& shape = frame.shape();
  Frame rows;
  rows.info = frame.info();
  rows.pixels = take_frame_pixels(shape.width, end_row - first_row, shape.channels);
  frame.skip_rows(first_row);
  while (frame.rows_read() < end_row) {
    FrameBand band = frame.next_band(std::min(whole_frame_band_rows, end_row - frame.rows_read()));
    band.first_row -= first_row;
    store_band(band, rows.pixels);
  }
  return rows;
}

void store_band(const FrameBand& band, ImageF& pixels) {
  switch (band.shape.type) {
    case SampleType::uint8:
      store_rows(band.as<std::uint8_t>(), band.shape, band.first_row, band.rows, pixels);
      break;
    case SampleType::uint16:
      store_rows(band.as<std::uint16_t>(), band.shape, band.first_row, band.rows, pixels);
      break;
    case SampleType::float32:
      store_rows(band.as<float>(), band.shape, band.first_row, band.rows, pixels);
      break;
  }
}

Frame read_whole_frame(OpenFrame& frame) {
  const StoredShape& shape = frame.shape();
  Frame whole;
  whole.info = frame.info();
  if (auto* held = dynamic_cast<WholeFrameBands*>(&frame); held && frame.rows_read() == 0) {
    whole.pixels = held->take_pixels();
    return whole;
  }
  whole.pixels = take_frame_pixels(shape.width, shape.height, shape.channels);
  while (true) {
    const FrameBand band = frame.next_band(whole_frame_band_rows);
    if (band.rows == 0) break;
    store_band(band, whole.pixels);
  }
  return whole;
}

WholeFrameBands::WholeFrameBands(Frame frame)
    : OpenFrame(frame.info, StoredShape{frame.pixels.width(), frame.pixels.height(), frame.pixels.channels(),
                                        SampleType::float32}),
      frame_(std::move(frame)) {}

const void* WholeFrameBands::decode_rows(int rows, int& delivered) {
  const StoredShape& stored = shape();
  const std::size_t width = static_cast<std::size_t>(stored.width);
  const int channels = stored.channels;
  band_.resize(width * static_cast<std::size_t>(rows) * channels);
  for (int channel = 0; channel < channels; ++channel) {
    const float* plane = frame_.pixels.plane(channel).data() + static_cast<std::size_t>(rows_read()) * width;
    for (std::size_t index = 0; index < width * static_cast<std::size_t>(rows); ++index)
      band_[index * channels + channel] = plane[index];
  }
  delivered = rows;
  return band_.data();
}

}  // namespace nightstack
