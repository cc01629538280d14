// ICC profiles embedded in display outputs, so editors know whether the values are sRGB-encoded or
// linear light.
#pragma once

#include <cstdint>
#include <vector>

namespace nightstack {

// A serialised ICC profile (lcms2 2.14 writes version 4.4) with sRGB primaries and D65 white:
// linear = false: the sRGB tone curve (IEC 61966-2-1); linear = true: gamma 1.0.
// channels 1: a gray profile with the same curve; 3: an RGB profile. Descriptions: "sRGB",
// "Linear sRGB (gamma 1.0)", "Gray (sRGB curve)", "Linear gray (gamma 1.0)". The creation date
// in the header is fixed at 2000-01-01 00:00:00, so the bytes are the same on every call.
// Throws std::invalid_argument for other channel counts; std::runtime_error if lcms2 fails.
std::vector<std::uint8_t> icc_profile(bool linear, int channels);

}  // namespace nightstack
