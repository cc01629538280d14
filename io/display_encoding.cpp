// Clip, apply the output curve, round to the nearest code.
#include "io/display_encoding.hpp"

#include <algorithm>
#include <cmath>

#include "imaging/transfer_curve.hpp"

namespace nightstack {

namespace {

template <class Code>
PlanarImage<Code> encode(const ImageD& linear, const std::string& encoding, double full_scale) {
  PlanarImage<Code> codes(linear.width(), linear.height(), linear.channels());
  const bool srgb = encoding == "srgb";
  const auto& input = linear.samples();
  auto& output = codes.samples();
  for (std::size_t i = 0; i < input.size(); ++i) {
    double value = std::isnan(input[i]) ? 0.0 : std::clamp(input[i], 0.0, 1.0);
    if (srgb) value = linear_to_srgb(value);
    output[i] = static_cast<Code>(std::lround(value * full_scale));
  }
  return codes;
}

}  // namespace

PlanarImage<std::uint16_t> encode_display_16(const ImageD& linear, const std::string& encoding) {
  return encode<std::uint16_t>(linear, encoding, 65535.0);
}

PlanarImage<std::uint8_t> encode_display_8(const ImageD& linear, const std::string& encoding) {
  return encode<std::uint8_t>(linear, encoding, 255.0);
}

ImageD encode_display_float(const ImageD& linear, const std::string& encoding) {
  ImageD encoded = linear;
  if (encoding == "srgb") {
    for (double& value : encoded.samples()) value = linear_to_srgb(value);
  }
  return encoded;
}

}  // namespace nightstack
