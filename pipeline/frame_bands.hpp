// Frames as bands of rows in their stored sample type: a reader opens a frame (shape, sample type,
// capture info) and then decodes it a few rows at a time, so the point steps and the accumulators
// run on each band while it is still in cache. The whole-frame read is built on the same interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/frame.hpp"

namespace nightstack {

// How a sample is stored: 8- and 16-bit codes as the file holds them, anything else (signed or
// scaled integers, float, double) as float, as the whole-frame readers have always given it.
enum class SampleType : std::uint8_t { uint8, uint16, float32 };

std::size_t sample_size(SampleType type);
std::string to_string(SampleType type);  // "8-bit codes", "16-bit codes", "32-bit float"

struct StoredShape {
  int width = 0;
  int height = 0;
  int channels = 0;
  SampleType type = SampleType::float32;

  std::size_t row_samples() const { return static_cast<std::size_t>(width) * channels; }
  bool operator==(const StoredShape&) const = default;
};

std::string describe(const StoredShape& shape);  // "4256x2832 with 3 channels of 8-bit codes"

// Rows [first_row, first_row + rows) of a frame, top to bottom, samples interleaved pixel by pixel
// (channel fastest) in the stored type. The memory belongs to the OpenFrame that made the band and
// stays valid until its next call.
struct FrameBand {
  StoredShape shape;
  int first_row = 0;
  int rows = 0;
  const void* samples = nullptr;

  std::size_t sample_count() const { return shape.row_samples() * static_cast<std::size_t>(rows); }
  template <class Sample>
  const Sample* as() const {
    return static_cast<const Sample*>(samples);
  }
};

// A frame opened for reading: info (everything a reader says about the frame but its pixels) and
// stored shape are known; rows are decoded on demand, top to bottom, exactly once.
class OpenFrame {
 public:
  OpenFrame(FrameInfo info, StoredShape shape) : info_(std::move(info)), shape_(shape) {}
  virtual ~OpenFrame();
  OpenFrame(const OpenFrame&) = delete;
  OpenFrame& operator=(const OpenFrame&) = delete;

  const FrameInfo& info() const { return info_; }
  FrameInfo& info() { return info_; }
  const StoredShape& shape() const { return shape_; }
  int rows_read() const { return rows_read_; }
  bool finished() const { return rows_read_ >= shape_.height; }

  // Decodes the next rows: at least one and at most `max_rows` (a reader may give fewer, e.g. one
  // JPEG MCU row), or an empty band once every row was read. Throws InputError naming the file
  // when the data is damaged; the rows delivered before stay valid frame data.
  FrameBand next_band(int max_rows);
  // Moves past the next `rows` rows (at most to the end) without delivering them: a reader that
  // reads rows where they lie (FITS) reads nothing; the others decode them and drop them.
  void skip_rows(int rows);

 protected:
  // Whether decode_rows reads the rows at rows_read() wherever they are, so rows can be skipped.
  virtual bool reads_rows_in_place() const { return false; }
  // Decodes rows [rows_read(), rows_read() + rows) into a buffer the frame owns, returns it. `rows`
  // is at least 1 and never runs past the last row. May return fewer rows through `delivered`.
  virtual const void* decode_rows(int rows, int& delivered) = 0;

 private:
  FrameInfo info_;
  StoredShape shape_;
  int rows_read_ = 0;
};

// The whole frame as planar float (Frame::pixels), read band by band: what code that needs a whole
// frame uses (info, masters, calibration, tests). Storage comes from take_frame_pixels; a frame
// held whole already (WholeFrameBands, nothing read yet) is handed over as it is.
Frame read_whole_frame(OpenFrame& frame);

// The adapter for decoders that produce whole frames only (LibRaw, demosaicing FITS) and for frames
// already in memory: bands cut from a planar float frame.
class WholeFrameBands : public OpenFrame {
 public:
  explicit WholeFrameBands(Frame frame);
  // The whole frame's pixels, moved out without a copy (read_whole_frame before any band was
  // read); no band can be read afterwards.
  ImageF take_pixels() { return std::move(frame_.pixels); }

 protected:
  const void* decode_rows(int rows, int& delivered) override;

 private:
  Frame frame_;
  std::vector<float> band_;
};

// Band `band` of `bands` nearly equal bands of rows of a frame `height` rows high: rows
// [band * height / bands, (band + 1) * height / bands), what shards split by rows take. A frame
// with fewer rows than bands is an InputError naming it (`info`) and `stage`.
std::pair<int, int> row_band_bounds(std::size_t band, std::size_t bands, int height, const FrameInfo& info,
                                    const std::string& stage);

// Rows [first_row, end_row) of planar pixels, every channel.
ImageF copy_rows(const ImageF& pixels, int first_row, int end_row);

// Rows [first_row, end_row) of the frame as planar float, the rows before skipped (see skip_rows):
// what a shard of rows reads of a frame.
Frame read_frame_rows(OpenFrame& frame, int first_row, int end_row);

// Copies interleaved samples of `shape.type` into planar float rows [first_row, first_row + rows)
// of `pixels` (whose shape matches). Used by read_whole_frame; exposed for tests.
void store_band(const FrameBand& band, ImageF& pixels);

}  // namespace nightstack
