// TIFF decoding through libtiff, a strip or a row of tiles at a time: each is decoded into a reused
// buffer, interleaved there in the stored type (extra samples dropped, MINISWHITE inverted), and
// bands copy their rows from it, bottom-up files reading their strips last to first.
#include "io/tiff_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "io/tiff_handle.hpp"
#include "io/tiff_layout.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

SampleType sample_type_of(const TiffLayout& layout) {
  if (layout.is_float) return SampleType::float32;
  return layout.bits == 16 ? SampleType::uint16 : SampleType::uint8;
}

// Puts one decoded strip or tile into the interleaved block row: `source` holds `rows` rows of
// `columns` pixels, `source_row_bytes` apart, of one plane (separate planes) or all samples.
template <class Sample>
void interleave(const TiffLayout& layout, const unsigned char* source, std::size_t source_row_bytes,
                std::uint32_t rows, std::uint32_t first_column, std::uint32_t columns, int plane,
                unsigned char* block_row) {
  const int stride = layout.samples_per_block_pixel();
  const int first_channel = layout.separate_planes ? plane : 0;
  const int last_channel = layout.separate_planes ? plane + 1 : layout.colours;
  const int colours = layout.colours;
  auto* target = reinterpret_cast<Sample*>(block_row);
  const bool inverted = std::numeric_limits<Sample>::is_integer && layout.min_is_white;
  if (!layout.separate_planes && stride == colours && !inverted) {
    // The common file: samples already interleaved as bands want them, one copy per row.
    for (std::uint32_t row = 0; row < rows; ++row) {
      std::memcpy(target + (std::size_t{row} * layout.width + first_column) * colours,
                  source + row * source_row_bytes, std::size_t{columns} * colours * sizeof(Sample));
    }
    return;
  }
  for (std::uint32_t row = 0; row < rows; ++row) {
    const unsigned char* from = source + row * source_row_bytes;
    Sample* to = target + (std::size_t{row} * layout.width + first_column) * colours;
    for (std::uint32_t column = 0; column < columns; ++column) {
      for (int channel = first_channel; channel < last_channel; ++channel) {
        Sample value;
        const std::size_t sample = std::size_t{column} * stride + (channel - first_channel);
        std::memcpy(&value, from + sample * sizeof(Sample), sizeof(Sample));
        if constexpr (std::numeric_limits<Sample>::is_integer) {
          if (layout.min_is_white) value = static_cast<Sample>(std::numeric_limits<Sample>::max() - value);
        }
        to[std::size_t{column} * colours + channel] = value;
      }
    }
  }
}

void interleave_block(const TiffLayout& layout, const unsigned char* source, std::size_t source_row_bytes,
                      std::uint32_t rows, std::uint32_t first_column, std::uint32_t columns, int plane,
                      unsigned char* block_row) {
  if (layout.is_float) {
    interleave<float>(layout, source, source_row_bytes, rows, first_column, columns, plane, block_row);
  } else if (layout.bits == 16) {
    interleave<std::uint16_t>(layout, source, source_row_bytes, rows, first_column, columns, plane,
                              block_row);
  } else {
    interleave<std::uint8_t>(layout, source, source_row_bytes, rows, first_column, columns, plane, block_row);
  }
}

// Planes to decode: one pass over interleaved samples, or one per colour plane (extra planes such
// as alpha are never decoded).
int plane_passes(const TiffLayout& layout) { return layout.separate_planes ? layout.colours : 1; }

class TiffFrame : public OpenFrame {
 public:
  TiffFrame(FrameInfo info, std::unique_ptr<TiffFile> file, const TiffLayout& layout,
            StateLender<TiffReader::Buffers>::Loan buffers)
      : OpenFrame(std::move(info),
                  StoredShape{static_cast<int>(layout.width), static_cast<int>(layout.height), layout.colours,
                              sample_type_of(layout)}),
        file_(std::move(file)),
        layout_(layout),
        buffers_(std::move(buffers)),
        // A tile may be longer than the image: only the image's rows are kept.
        block_rows_(layout.tiled ? std::min(layout.tile_length, layout.height) : layout.rows_per_strip) {}

 protected:
  const void* decode_rows(int rows, int& delivered) override {
    const std::size_t row_bytes = shape().row_samples() * sample_size(shape().type);
    buffers_->band.resize(row_bytes * static_cast<std::size_t>(rows));
    for (int index = 0; index < rows; ++index) {
      const auto row = static_cast<std::uint32_t>(rows_read() + index);
      const std::uint32_t file_row = layout_.bottom_up ? layout_.height - 1 - row : row;
      const std::uint32_t block_row = file_row / block_rows_;
      if (block_row != loaded_block_row_) load(block_row);
      std::memcpy(buffers_->band.data() + row_bytes * static_cast<std::size_t>(index),
                  buffers_->block_row.data() + row_bytes * (file_row - block_row * block_rows_), row_bytes);
    }
    delivered = rows;
    return buffers_->band.data();
  }

 private:
  // Decodes the strip, or row of tiles, holding file rows from block_row * block_rows_ on.
  void load(std::uint32_t block_row) {
    const TiffReadFailure failure(info().path, *file_);
    const std::uint32_t first_row = block_row * block_rows_;
    const std::uint32_t rows = std::min(block_rows_, layout_.height - first_row);
    const std::size_t pixel_bytes =
        std::size_t{static_cast<unsigned>(layout_.colours)} * layout_.bytes_per_sample();
    buffers_->block_row.resize(std::size_t{layout_.width} * block_rows_ * pixel_bytes);
    const std::size_t block_pixel_bytes =
        std::size_t{static_cast<unsigned>(layout_.samples_per_block_pixel())} * layout_.bytes_per_sample();
    TIFF* tiff = file_->get();
    for (int plane = 0; plane < plane_passes(layout_); ++plane) {
      const auto sample = static_cast<std::uint16_t>(plane);
      if (!layout_.tiled) {
        const std::size_t row_bytes = std::size_t{layout_.width} * block_pixel_bytes;
        const std::uint32_t strip = TIFFComputeStrip(tiff, first_row, sample);
        const auto expected = static_cast<tmsize_t>(row_bytes * rows);
        buffers_->block.resize(row_bytes * block_rows_);
        if (TIFFReadEncodedStrip(tiff, strip, buffers_->block.data(), expected) != expected) {
          failure.fail_libtiff("cannot decode TIFF strip " + std::to_string(strip));
        }
        interleave_block(layout_, buffers_->block.data(), row_bytes, rows, 0, layout_.width, plane,
                         buffers_->block_row.data());
        continue;
      }
      const std::size_t row_bytes = std::size_t{layout_.tile_width} * block_pixel_bytes;
      const auto tile_bytes = static_cast<tmsize_t>(row_bytes * layout_.tile_length);
      buffers_->block.resize(static_cast<std::size_t>(tile_bytes));
      for (std::uint32_t x = 0; x < layout_.width; x += layout_.tile_width) {
        const std::uint32_t tile = TIFFComputeTile(tiff, x, first_row, 0, sample);
        if (TIFFReadEncodedTile(tiff, tile, buffers_->block.data(), tile_bytes) != tile_bytes) {
          failure.fail_libtiff("cannot decode TIFF tile " + std::to_string(tile));
        }
        interleave_block(layout_, buffers_->block.data(), row_bytes, rows, x,
                         std::min(layout_.tile_width, layout_.width - x), plane, buffers_->block_row.data());
      }
    }
    loaded_block_row_ = block_row;
  }

  std::unique_ptr<TiffFile> file_;  // libtiff points at its message, so it stays where it was made
  TiffLayout layout_;
  StateLender<TiffReader::Buffers>::Loan buffers_;
  std::uint32_t block_rows_;  // file rows per strip or per row of tiles
  std::uint32_t loaded_block_row_ = std::numeric_limits<std::uint32_t>::max();
};

std::unique_ptr<OpenFrame> open_file(const std::filesystem::path& path, std::unique_ptr<TiffFile> file,
                                     std::uint64_t file_size,
                                     StateLender<TiffReader::Buffers>::Loan buffers) {
  const TiffReadFailure failure(path, *file);
  if (file->get() == nullptr) failure.fail("not a readable TIFF: " + file->error());
  const TiffLayout layout = read_layout(failure, file->get());
  check_data_locations(failure, file->get(), layout, file_size);
  return std::make_unique<TiffFrame>(info_for(path, layout), std::move(file), layout, std::move(buffers));
}

}  // namespace

TiffReader::TiffReader(const ReadOptions&) {}

FrameInfo TiffReader::read_info(const std::filesystem::path& path) {
  TiffFile file(path, "r");
  const TiffReadFailure failure(path, file);
  if (file.get() == nullptr) failure.fail("not a readable TIFF: " + file.error());
  return info_for(path, read_layout(failure, file.get()));
}

Frame TiffReader::read(const std::filesystem::path& path) { return read_whole_frame(*open(path)); }

std::unique_ptr<OpenFrame> TiffReader::open(const std::filesystem::path& path) {
  std::error_code error;
  const std::uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) throw InputError(path, "cannot read the file: " + error.message());
  // "r" opens the file read-only.
  return open_file(path, std::make_unique<TiffFile>(path, "r"), file_size, lender_.lend());
}

Frame TiffReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  return read_whole_frame(*open_bytes(name, bytes));
}

std::unique_ptr<OpenFrame> TiffReader::open_bytes(const std::filesystem::path& name,
                                                  std::span<const unsigned char> bytes) {
  return open_file(name, std::make_unique<TiffFile>(name, bytes), bytes.size(), lender_.lend());
}

}  // namespace nightstack
