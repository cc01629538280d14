// The stage kinds of the banded frame pass: point transforms, which act on each value alone and so
// reduce to a table of codes; the value map a chain of them makes; and reducers that accumulate
// bands into per-worker partials that merge exactly, whatever the order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pipeline/frame_bands.hpp"
#include "pipeline/stage.hpp"
#include "pipeline/state_file.hpp"

namespace nightstack {

// A frame transform whose result for a value depends on that value and the frame's info alone, and
// never decreases when the value grows (monotone), so that it can run on a table of codes, and a
// maximum of codes mapped once equals the maximum of the mapped values.
class PointTransform : public FrameTransform {
 public:
  using FrameTransform::FrameTransform;
  // Maps `values` in place as they would be in a frame with `info`; returns the frame's info after.
  virtual FrameInfo map_values(std::span<float> values, const FrameInfo& info) const = 0;
  Frame transform(Frame frame) const override {
    frame.info = map_values(frame.pixels.samples(), frame.info);
    return frame;
  }
};

// What the point transforms between a source and a reducer make of a frame's stored values.
class ValueMap {
 public:
  // The chain applied to frames stored as `type` with `info` (as the reader gave it).
  ValueMap(SampleType type, const FrameInfo& info, std::vector<const PointTransform*> chain);

  SampleType type() const { return type_; }
  const FrameInfo& input_info() const { return input_info_; }
  // The frame's info after the chain (encoding, white level, linearization).
  const FrameInfo& info() const { return info_; }
  // uint8 and uint16: the value of each code (256 or 65536 entries), as the chain gives it in float.
  const std::vector<float>& table() const { return table_; }
  // Maps any values (float32 frames, or codes) in place through the chain.
  void apply(std::span<float> values) const;
  // The info of another frame after the chain (its path, index and capture kept).
  FrameInfo info_after(const FrameInfo& frame_info) const;
  // Two maps that give every stored value the same result.
  bool same_values(const ValueMap& other) const;

 private:
  SampleType type_;
  FrameInfo input_info_;
  FrameInfo info_;
  std::vector<const PointTransform*> chain_;
  std::vector<float> table_;
};

// One worker's share of a reducer's accumulators. Partials of one reducer hold disjoint frames and
// merge exactly (integer or extreme arithmetic), so any grouping of the frames, any thread count and
// any merge order give the same bits. A partial can be saved and loaded (checkpoints, shards).
class BandPartial {
 public:
  virtual ~BandPartial();
  // Called before the first band of a frame: its position in the pass (below the count given to
  // start_bands, each frame's own) and its info after the transforms.
  virtual void start_frame(std::size_t /*position*/, const FrameInfo& /*info*/) {}
  virtual void add(const FrameBand& band) = 0;
  // Called after the last band of a frame.
  virtual void end_frame() = 0;
  // Adds `other` (a partial of the same reducer) into this one.
  virtual void merge(const BandPartial& other) = 0;
  virtual void save(StateWriter& writer) const = 0;
  virtual void load(StateReader& reader) = 0;
};

// A frame reducer that also takes frames band by band. The runner asks before the pass; when every
// reducer and transform of a source can, frames are decoded a band at a time straight into
// per-worker partials, otherwise the whole-frame pass runs (accept()).
class BandReducer {
 public:
  virtual ~BandReducer();
  // Whether frames stored as `type` can be stacked band by band here (exactly, whatever the order).
  virtual bool takes_bands(SampleType type) const = 0;
  // Whether its partials can be saved and merged (exact accumulators), so that shards may split the
  // frames between them; a stack that keeps every frame's samples cannot.
  virtual bool partials_merge() const { return true; }
  // Once, before any partial: the first frame's stored shape and value map, which every frame shares,
  // and how many frames the pass may give at most.
  virtual void start_bands(const StoredShape& shape, const ValueMap& map, std::size_t frames) = 0;
  // A new, empty partial for one worker (called from that worker's thread, so it touches its pages).
  virtual std::unique_ptr<BandPartial> make_partial() const = 0;
  // Each frame whose bands all went into a partial, with its info after the transforms; any order.
  virtual void frame_taken(const FrameInfo& info) = 0;
  // Once, after the pass: every partial merged (in worker order) into one.
  virtual void finish_bands(std::unique_ptr<BandPartial> total) = 0;
};

}  // namespace nightstack
