// FITS input through CFITSIO, band by band: each band's rows are read plane by plane with
// fits_read_pix in the stored type where that is exact (8-bit, unsigned 16-bit) and as scaled float
// otherwise, and put top to bottom (FITS stores the bottom row first unless ROWORDER says not).
#include "io/fits_reader.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "imaging/bayer.hpp"
#include "io/fits_file.hpp"
#include "io/fits_image_header.hpp"
#include "io/input_bytes.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"

namespace nightstack {

using namespace fits;

namespace {

// The stored type that gives today's physical values exactly: codes when the header's scaling is
// the identity (or the unsigned-16 convention) and no BLANK marks undefined pixels, which only
// float can show (as NaN).
SampleType sample_type_for(fitsfile* file, int bitpix) {
  if (bitpix != BYTE_IMG && bitpix != SHORT_IMG) return SampleType::float32;
  // ZBLANK: the same for a tile-compressed image.
  if (has_key(file, "BLANK") || has_key(file, "ZBLANK")) return SampleType::float32;
  const double scale = read_optional_key(file, "BSCALE", 1.0);
  const double zero = read_optional_key(file, "BZERO", 0.0);
  if (bitpix == BYTE_IMG && scale == 1.0 && zero == 0.0) return SampleType::uint8;
  if (bitpix == SHORT_IMG && scale == 1.0 && zero == 32768.0) return SampleType::uint16;
  return SampleType::float32;
}

int cfitsio_type(SampleType type) {
  switch (type) {
    case SampleType::uint8:
      return TBYTE;
    case SampleType::uint16:
      return TUSHORT;
    case SampleType::float32:
      break;
  }
  return TFLOAT;
}

// Puts one plane's row into its channel of an interleaved row.
template <class Sample>
void interleave_row(const unsigned char* plane_row, std::size_t width, int channel, int channels,
                    unsigned char* band_row) {
  const auto* from = reinterpret_cast<const Sample*>(plane_row);
  auto* to = reinterpret_cast<Sample*>(band_row) + channel;
  for (std::size_t column = 0; column < width; ++column) to[column * channels] = from[column];
}

class FitsFrame : public OpenFrame {
 public:
  FitsFrame(FrameInfo info, StoredShape shape, bool bottom_up, StateLender<FitsReader::Buffers>::Loan buffers,
            std::unique_ptr<FitsFile> file)
      : OpenFrame(std::move(info), shape),
        bottom_up_(bottom_up),
        buffers_(std::move(buffers)),
        file_(std::move(file)) {}

 protected:
  bool reads_rows_in_place() const override { return true; }

  const void* decode_rows(int rows, int& delivered) override {
    const StoredShape& stored = shape();
    const std::size_t sample_bytes = sample_size(stored.type);
    const std::size_t row_samples = static_cast<std::size_t>(stored.width);
    const std::size_t row_bytes = row_samples * sample_bytes;
    buffers_->plane.resize(row_bytes * static_cast<std::size_t>(rows));
    buffers_->band.resize(row_bytes * stored.channels * static_cast<std::size_t>(rows));
    // The band's file rows are contiguous: from the bottom of the band when stored bottom-up.
    const int first_file_row = bottom_up_ ? stored.height - rows_read() - rows : rows_read();
    for (int channel = 0; channel < stored.channels; ++channel) {
      read_plane_rows(channel, first_file_row, rows);
      const unsigned char* plane = buffers_->plane.data();
      for (int row = 0; row < rows; ++row) {
        const unsigned char* from =
            plane + row_bytes * static_cast<std::size_t>(bottom_up_ ? rows - 1 - row : row);
        unsigned char* to =
            buffers_->band.data() + row_bytes * stored.channels * static_cast<std::size_t>(row);
        if (stored.channels == 1) {
          std::memcpy(to, from, row_bytes);
          continue;
        }
        switch (stored.type) {
          case SampleType::uint8:
            interleave_row<std::uint8_t>(from, row_samples, channel, stored.channels, to);
            break;
          case SampleType::uint16:
            interleave_row<std::uint16_t>(from, row_samples, channel, stored.channels, to);
            break;
          case SampleType::float32:
            interleave_row<float>(from, row_samples, channel, stored.channels, to);
            break;
        }
      }
    }
    delivered = rows;
    return buffers_->band.data();
  }

 private:
  void read_plane_rows(int channel, int first_file_row, int rows) {
    const StoredShape& stored = shape();
    LONGLONG first_pixel[3] = {1, first_file_row + 1, channel + 1};
    // Pixels marked undefined by BLANK become NaN, which the stacks can recognise as missing.
    float undefined = std::numeric_limits<float>::quiet_NaN();
    const bool floating = stored.type == SampleType::float32;
    int any_undefined = 0;
    int status = 0;
    if (fits_read_pixll(file_->get(), cfitsio_type(stored.type), first_pixel,
                        static_cast<LONGLONG>(stored.width) * rows, floating ? &undefined : nullptr,
                        buffers_->plane.data(), &any_undefined, &status) != 0) {
      fail(info().path, "cannot read the pixels", status);
    }
  }

  bool bottom_up_;
  StateLender<FitsReader::Buffers>::Loan buffers_;
  std::unique_ptr<FitsFile> file_;  // closed before the buffers it reads from are given back
};

// A one-plane frame with BAYERPAT is a colour mosaic. BAYERPAT names the pattern at the first
// stored pixel, moved by XBAYROFF/YBAYROFF; after the rows are put top to bottom it is re-expressed
// from the top-left pixel, then the mosaic is demosaiced or kept as CFA as the ingest asks.
// Returns the pattern to demosaic with, or nothing when the frame is not a mosaic or stays CFA.
std::optional<BayerPattern> bayer_pattern(const std::filesystem::path& path, fitsfile* file,
                                          bool stored_bottom_up, const StoredShape& shape,
                                          const ReadOptions& options, FrameInfo& info) {
  std::string pattern_text = read_text_key(file, "BAYERPAT");
  if (pattern_text.empty() || shape.channels != 1) return std::nullopt;
  auto pattern = BayerPattern::parse(pattern_text);
  if (!pattern) {
    throw InputError(path, "BAYERPAT = '" + pattern_text +
                               "' is not a Bayer pattern nightstack knows (RGGB, GRBG, GBRG, BGGR)");
  }
  auto column_offset = static_cast<long long>(read_number_key(file, "XBAYROFF").value_or(0));
  auto row_offset = static_cast<long long>(read_number_key(file, "YBAYROFF").value_or(0));
  BayerPattern stored = pattern->shifted(row_offset, column_offset);
  BayerPattern top_left = stored_bottom_up ? stored.flipped_vertically(shape.height) : stored;
  if (options.bayer == "cfa") {
    info.cfa_pattern = top_left.name();
    return std::nullopt;
  }
  info.colour_processing = "bilinear demosaic, BAYERPAT " + pattern->name() + " as stored";
  return top_left;
}

}  // namespace

FrameInfo FitsReader::read_info(const std::filesystem::path& path) {
  FitsFile file;
  int status = 0;
  if (fits_open_diskfile(file.receive(), path.c_str(), READONLY, &status) != 0) {
    fail(path, "cannot open as FITS", status);
  }
  const ImageShape shape = move_to_first_image(path, file.get());
  FrameInfo info;
  info.path = path;
  info.format = "FITS";
  info.bits_per_sample = shape.bitpix;
  info.capture = read_capture_info(file.get());
  info.header_keys = read_header_keys(path, file.get());
  return info;
}

Frame FitsReader::read(const std::filesystem::path& path) { return read_whole_frame(*open(path)); }

std::unique_ptr<OpenFrame> FitsReader::open(const std::filesystem::path& path) {
  // The file is read once into a reused buffer and CFITSIO parses it in memory: opening by name,
  // CFITSIO opens every file twice (once to look for compression), and each input should be read
  // once. The memory variant also takes no "[1]" or "!" syntax from the name.
  auto buffers = lender_.lend();
  read_whole_file(path, buffers->file_bytes);
  return open_loaned(path, std::move(buffers));
}

Frame FitsReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  auto buffers = lender_.lend();
  buffers->file_bytes.assign(bytes.begin(), bytes.end());
  return read_whole_frame(*open_loaned(name, std::move(buffers)));
}

std::unique_ptr<OpenFrame> FitsReader::open_loaned(const std::filesystem::path& path,
                                                   StateLender<Buffers>::Loan buffers) {
  // CFITSIO reads memory files in whole 2880-byte records and, for a file whose size is not a
  // multiple of 2880 (a truncated one), read past the end of the buffer (found by fuzz_fits). The
  // buffer is padded with zeros to whole records; the checks below use the true size.
  std::vector<unsigned char>& bytes = buffers->file_bytes;
  const std::size_t file_size = bytes.size();
  bytes.resize((file_size + record_size - 1) / record_size * record_size, 0);
  buffers->memory = bytes.data();
  buffers->size = bytes.size();
  auto file = std::make_unique<FitsFile>();
  int status = 0;
  if (fits_open_memfile(file->receive(), path.c_str(), READONLY, &buffers->memory, &buffers->size, 0, nullptr,
                        &status) != 0) {
    fail(path, "cannot open as FITS", status);
  }
  const ImageShape shape = move_to_first_image(path, file->get());
  const int channels = channel_count(path, shape);
  const double white_level = white_level_for(path, file->get(), shape.bitpix);
  check_sizes(path, file->get(), shape, channels, file_size);

  FrameInfo info;
  info.path = path;
  info.format = "FITS";
  info.encoding = Encoding::linear;
  info.white_level = white_level;
  info.bits_per_sample = shape.bitpix;
  info.capture = read_capture_info(file->get());
  info.header_keys = read_header_keys(path, file->get());
  // FITS stores the bottom row first unless the writer says otherwise (some camera software writes
  // ROWORDER = 'TOP-DOWN'); frames are top to bottom.
  const bool stored_bottom_up = read_text_key(file->get(), "ROWORDER") != "TOP-DOWN";
  const StoredShape stored{static_cast<int>(shape.axes[0]), static_cast<int>(shape.axes[1]), channels,
                           sample_type_for(file->get(), shape.bitpix)};
  const std::optional<BayerPattern> demosaic_with =
      bayer_pattern(path, file->get(), stored_bottom_up, stored, options_, info);
  auto frame = std::make_unique<FitsFrame>(std::move(info), stored, stored_bottom_up, std::move(buffers),
                                           std::move(file));
  if (!demosaic_with) return frame;
  // Demosaicing needs the neighbouring rows of every row: the whole mosaic, then bands cut from it.
  Frame whole = read_whole_frame(*frame);
  ImageF rgb = take_frame_pixels(whole.pixels.width(), whole.pixels.height(), 3);
  demosaic_bilinear(whole.pixels, *demosaic_with, rgb);
  recycle_frame_pixels(whole.pixels);
  whole.pixels = std::move(rgb);
  return std::make_unique<WholeFrameBands>(std::move(whole));
}

}  // namespace nightstack
