// 16-bit code bands from a planar float frame whose values are codes.
#include "io/whole_frame_codes.hpp"

#include <stdexcept>

#include "pipeline/frame_storage.hpp"

namespace nightstack {

namespace {

bool all_codes(const ImageF& pixels) {
  for (const float value : pixels.samples()) {
    // The comparison also refuses NaN.
    if (!(value >= 0.0F && value <= 65535.0F) ||
        value != static_cast<float>(static_cast<std::uint16_t>(value)))
      return false;
  }
  return true;
}

}  // namespace

WholeFrameCodes::WholeFrameCodes(Frame frame)
    : OpenFrame(frame.info, StoredShape{frame.pixels.width(), frame.pixels.height(), frame.pixels.channels(),
                                        SampleType::uint16}),
      frame_(std::move(frame)) {
  if (!all_codes(frame_.pixels))
    throw std::logic_error("WholeFrameCodes was given values that are not 16-bit codes");
}

WholeFrameCodes::~WholeFrameCodes() { recycle_frame_pixels(frame_.pixels); }

const void* WholeFrameCodes::decode_rows(int rows, int& delivered) {
  const StoredShape& stored = shape();
  const auto width = static_cast<std::size_t>(stored.width);
  const int channels = stored.channels;
  const std::size_t count = width * static_cast<std::size_t>(rows);
  band_.resize(count * channels);
  for (int channel = 0; channel < channels; ++channel) {
    const float* plane = frame_.pixels.plane(channel).data() + static_cast<std::size_t>(rows_read()) * width;
    for (std::size_t index = 0; index < count; ++index)
      band_[index * channels + channel] = static_cast<std::uint16_t>(plane[index]);
  }
  delivered = rows;
  return band_.data();
}

}  // namespace nightstack
