// max, min, sum and mean on frames that arrive as bands of stored values, in per-worker partials
// that merge exactly: max and min compare the stored codes (or floats) and map the winner once at
// the end (every point transform is monotone); sum and mean add each code's value in 64-bit fixed
// point, so partial sums are integers and any grouping or order of frames gives the same bits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/band_stage.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

enum class BandMethod { max, min, sum, mean };

// The fixed point of sum and mean: a value v is held as round(v * 2^scale_bits) in a signed 64-bit
// integer, scale_bits = 40 - ceil(log2(largest |value| of the table, at least 1)). For linear light
// (values up to 1.0) that is 2^40: each value within 2^-41 of full scale, and exact when it is a
// multiple of 2^-40 (every 8-bit sRGB code's value is). At most 2^22 frames keep the sum below 2^62.
struct FixedPoint {
  int scale_bits = 40;
  std::vector<std::int64_t> table;  // per code
};
FixedPoint fixed_point_for(const std::vector<float>& values);
inline constexpr std::uint64_t max_fixed_point_frames = std::uint64_t{1} << 22;

// Which methods and stored types go band by band: max and min for every type; sum and mean for 8-
// and 16-bit codes (float frames take the whole-frame pass, where sums run in frame order).
bool band_method_takes(BandMethod method, SampleType type);

class BandStackMethod {
 public:
  BandStackMethod(BandMethod method, const StoredShape& shape, const ValueMap& map);
  std::unique_ptr<BandPartial> make_partial() const;
  // The stacked image (planar, double) from the merged partial of `frames` frames.
  ImageD result(const BandPartial& total, std::size_t frames) const;

 private:
  BandMethod method_;
  StoredShape shape_;
  ValueMap map_;
  FixedPoint fixed_;
};

}  // namespace nightstack
