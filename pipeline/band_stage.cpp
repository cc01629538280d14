// Value maps: a chain of point transforms run once over every code of a stored type.
#include "pipeline/band_stage.hpp"

#include <cstring>

namespace nightstack {

ValueMap::ValueMap(SampleType type, const FrameInfo& info, std::vector<const PointTransform*> chain)
    : type_(type), input_info_(info), chain_(std::move(chain)) {
  info_ = info_after(info);
  if (type == SampleType::float32) return;
  table_.resize(type == SampleType::uint8 ? 256 : 65536);
  for (std::size_t code = 0; code < table_.size(); ++code) table_[code] = static_cast<float>(code);
  apply(table_);
}

void ValueMap::apply(std::span<float> values) const {
  FrameInfo current = input_info_;
  for (const PointTransform* transform : chain_) current = transform->map_values(values, current);
}

FrameInfo ValueMap::info_after(const FrameInfo& frame_info) const {
  FrameInfo current = frame_info;
  for (const PointTransform* transform : chain_) current = transform->map_values({}, current);
  return current;
}

bool ValueMap::same_values(const ValueMap& other) const {
  if (type_ != other.type_ || chain_ != other.chain_) return false;
  if (type_ != SampleType::float32)
    return std::memcmp(table_.data(), other.table_.data(), table_.size() * sizeof(float)) == 0;
  // Point transforms read only the encoding and the white level of a frame's info.
  return input_info_.encoding == other.input_info_.encoding &&
         input_info_.white_level == other.input_info_.white_level;
}

BandPartial::~BandPartial() = default;
BandReducer::~BandReducer() = default;

}  // namespace nightstack
