// TIFF decoding through libtiff, one strip or tile at a time into a reused buffer. The header is
// checked whole before any pixel buffer is allocated: the sample layout against what we support,
// the image size against a cap, every strip's or tile's byte range against the file's size.
#include "io/tiff_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "io/tiff_handle.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// A tile may be larger than the image it tiles (writers use fixed sizes such as 256 x 256), but a
// tile that is larger than the image and than 4096 x 4096 pixels is not believed.
constexpr std::uint64_t maximum_oversized_tile_pixels = std::uint64_t{1} << 24;

// What the header says about the pixel layout, once checked.
struct Layout {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int colours = 0;            // 1 (gray) or 3 (RGB)
  int samples_per_pixel = 0;  // colours plus extra samples (alpha), which are skipped
  int bits = 0;               // 8, 16 (unsigned) or 32 (float)
  bool is_float = false;
  bool min_is_white = false;
  bool separate_planes = false;
  bool bottom_up = false;
  bool tiled = false;
  std::uint32_t rows_per_strip = 0;
  std::uint32_t tile_width = 0;
  std::uint32_t tile_length = 0;

  int bytes_per_sample() const { return bits / 8; }
  // Samples per pixel within one strip or tile: all of them, or one plane's.
  int samples_per_block_pixel() const { return separate_planes ? 1 : samples_per_pixel; }
};

// A decoded strip or tile and where its valid pixels go.
struct Block {
  const unsigned char* data;
  std::size_t row_bytes;  // bytes from one row of the block to the next
  std::uint32_t first_row;
  std::uint32_t rows;
  std::uint32_t first_column;
  std::uint32_t columns;
  int plane;  // separate planes: the channel it holds; contiguous: unused
};

class TiffReadFailure {
 public:
  TiffReadFailure(const std::filesystem::path& path, const TiffFile& file) : path_(path), file_(file) {}
  [[noreturn]] void fail(const std::string& message) const { throw InputError(path_, message); }
  // For a libtiff call that failed: adds libtiff's reason.
  [[noreturn]] void fail_libtiff(const std::string& what) const {
    fail(what + ": " + (file_.error().empty() ? std::string("libtiff gave no reason") : file_.error()) +
         "; the file is probably truncated or corrupt");
  }

 private:
  const std::filesystem::path& path_;
  const TiffFile& file_;
};

std::string photometric_name(std::uint16_t photometric) {
  switch (photometric) {
    case PHOTOMETRIC_PALETTE:
      return "palette (colour-mapped) images";
    case PHOTOMETRIC_SEPARATED:
      return "CMYK (separated) images";
    case PHOTOMETRIC_YCBCR:
      return "YCbCr images";
    case PHOTOMETRIC_MASK:
      return "transparency masks";
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
    case PHOTOMETRIC_ITULAB:
      return "CIE L*a*b* images";
    case PHOTOMETRIC_LOGL:
    case PHOTOMETRIC_LOGLUV:
      return "LogLuv images";
    case 32803:
      return "colour filter array (CFA, DNG-style RAW) images";
    case 34892:
      return "linear raw (DNG) images";
    default:
      return "photometric interpretation " + std::to_string(photometric);
  }
}

std::string sample_format_text(std::uint16_t sample_format, int bits) {
  const std::string size = std::to_string(bits) + "-bit ";
  switch (sample_format) {
    case SAMPLEFORMAT_UINT:
      return size + "unsigned integer samples";
    case SAMPLEFORMAT_INT:
      return size + "signed integer samples";
    case SAMPLEFORMAT_IEEEFP:
      return size + "floating-point samples";
    case SAMPLEFORMAT_VOID:
      return size + "samples of undefined format";
    default:
      return size + "complex samples";
  }
}

Layout read_layout(const TiffReadFailure& failure, TIFF* tiff) {
  Layout layout;
  std::uint16_t photometric = 0;
  if (TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric) != 1) {
    failure.fail("the TIFF has no PhotometricInterpretation tag, so its colours cannot be known");
  }
  if (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE) {
    layout.colours = 1;
  } else if (photometric == PHOTOMETRIC_RGB) {
    layout.colours = 3;
  } else {
    failure.fail("TIFF " + photometric_name(photometric) +
                 " are not supported (gray and RGB are); convert the file to RGB or gray");
  }
  layout.min_is_white = photometric == PHOTOMETRIC_MINISWHITE;

  std::uint16_t bits = 0;
  std::uint16_t sample_format = 0;
  std::uint16_t samples_per_pixel = 0;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples_per_pixel);
  const bool integer = sample_format == SAMPLEFORMAT_UINT && (bits == 8 || bits == 16);
  const bool floating = sample_format == SAMPLEFORMAT_IEEEFP && bits == 32;
  if (!integer && !floating) {
    failure.fail("TIFF with " + sample_format_text(sample_format, bits) +
                 " is not supported (8/16-bit unsigned integer and 32-bit float are)");
  }
  layout.bits = bits;
  layout.is_float = floating;
  if (floating && layout.min_is_white) {
    failure.fail("TIFF with floating-point samples and MINISWHITE is not supported");
  }
  if (samples_per_pixel < layout.colours) {
    failure.fail("the TIFF header says RGB with " + std::to_string(samples_per_pixel) +
                 " samples per pixel; the file is corrupt");
  }
  layout.samples_per_pixel = samples_per_pixel;

  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
  if (orientation != ORIENTATION_TOPLEFT && orientation != ORIENTATION_BOTLEFT) {
    failure.fail("TIFF orientation " + std::to_string(orientation) +
                 " is not supported (1, top-left, and 4, bottom-left, are); rotate the image upright in "
                 "an editor first");
  }
  layout.bottom_up = orientation == ORIENTATION_BOTLEFT;

  std::uint16_t planar = PLANARCONFIG_CONTIG;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
  layout.separate_planes = planar == PLANARCONFIG_SEPARATE;

  TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &layout.width);
  TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &layout.height);
  const std::uint64_t samples = std::uint64_t{layout.width} * layout.height * samples_per_pixel;
  const std::uint32_t largest_side = std::numeric_limits<int>::max();
  if (layout.width == 0 || layout.height == 0 || layout.width > largest_side ||
      layout.height > largest_side || samples > maximum_samples) {
    failure.fail("the TIFF header claims " + std::to_string(layout.width) + " x " +
                 std::to_string(layout.height) + " pixels of " + std::to_string(samples_per_pixel) +
                 " samples; nightstack reads images of 1 to " + std::to_string(maximum_samples) + " samples");
  }

  layout.tiled = TIFFIsTiled(tiff) != 0;
  if (layout.tiled) {
    TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &layout.tile_width);
    TIFFGetField(tiff, TIFFTAG_TILELENGTH, &layout.tile_length);
    const std::uint64_t tile_pixels = std::uint64_t{layout.tile_width} * layout.tile_length;
    const std::uint64_t image_pixels = std::uint64_t{layout.width} * layout.height;
    if (tile_pixels == 0 || (tile_pixels > image_pixels && tile_pixels > maximum_oversized_tile_pixels)) {
      failure.fail("the TIFF header claims tiles of " + std::to_string(layout.tile_width) + " x " +
                   std::to_string(layout.tile_length) + " pixels for an image of " +
                   std::to_string(layout.width) + " x " + std::to_string(layout.height) +
                   "; the file is corrupt");
    }
  } else {
    TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &layout.rows_per_strip);
    if (layout.rows_per_strip == 0)
      failure.fail("the TIFF header claims 0 rows per strip; the file is corrupt");
    layout.rows_per_strip = std::min(layout.rows_per_strip, layout.height);
  }
  return layout;
}

// How many decoded bytes one stored byte can become, at most, under each compression: PackBits
// 128 from 2; Deflate 1032 (zlib's documented limit); LZW about 2730 (a 12-bit code for a string of
// up to 4096 bytes); JPEG 512 (a bit per 8x8 block). Schemes without a small bound (ZSTD, LZMA,
// ...) get 32768 (a ZSTD run-length block). Uncompressed data must be all there.
std::uint64_t maximum_expansion(std::uint16_t compression) {
  switch (compression) {
    case COMPRESSION_NONE:
      return 1;
    case COMPRESSION_PACKBITS:
      return 64;
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE:
      return 1032;
    case COMPRESSION_LZW:
      return 2731;
    case COMPRESSION_JPEG:
    case COMPRESSION_OJPEG:
      return 512;
    default:
      return 32768;
  }
}

// Every strip or tile must lie inside the file, so a lying header cannot make libtiff allocate and
// read far beyond it; and all of them together must be able to hold the image the header claims,
// so a small file cannot make the reader allocate gigabytes for pixels it does not have.
void check_data_locations(const TiffReadFailure& failure, TIFF* tiff, const Layout& layout,
                          std::uint64_t file_size) {
  const char* kind = layout.tiled ? "tile" : "strip";
  const std::uint32_t count = layout.tiled ? TIFFNumberOfTiles(tiff) : TIFFNumberOfStrips(tiff);
  std::uint64_t stored_bytes = 0;
  for (std::uint32_t index = 0; index < count; ++index) {
    const std::uint64_t offset = TIFFGetStrileOffset(tiff, index);
    const std::uint64_t bytes = TIFFGetStrileByteCount(tiff, index);
    if (bytes == 0) {
      failure.fail(std::string("TIFF ") + kind + " " + std::to_string(index) +
                   " has no data (byte count 0); the file is corrupt");
    }
    if (offset > file_size || bytes > file_size - offset) {
      failure.fail(std::string("TIFF ") + kind + " " + std::to_string(index) + " claims bytes " +
                   std::to_string(offset) + " to " + std::to_string(offset + bytes) +
                   ", beyond the end of the file (" + std::to_string(file_size) +
                   " bytes); the file is truncated or corrupt");
    }
    stored_bytes += bytes;
  }
  std::uint16_t compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &compression);
  // Extra samples (alpha, or 65535 claimed ones, found by fuzz_tiff) are decoded with the colours
  // and sized the strip buffer, so they count: every sample the header claims must be stored.
  const std::uint64_t decoded_bytes =
      std::uint64_t{layout.width} * layout.height * layout.samples_per_pixel * layout.bytes_per_sample();
  if (decoded_bytes > stored_bytes * maximum_expansion(compression)) {
    failure.fail("the TIFF header claims " + std::to_string(layout.width) + " x " +
                 std::to_string(layout.height) + " pixels of " + std::to_string(layout.samples_per_pixel) +
                 (layout.samples_per_pixel == 1 ? " sample" : " samples") + ", but its " +
                 std::to_string(count) + " " + kind + (count == 1 ? " holds" : "s hold") + " only " +
                 std::to_string(stored_bytes) + " bytes, too few for that even compressed (compression " +
                 std::to_string(compression) + "); the file is truncated or corrupt");
  }
}

// Puts one block's valid pixels into the frame: skips extra samples, flips bottom-up rows and
// inverts MINISWHITE.
template <class Sample>
void store_block(const Block& block, const Layout& layout, float white_level, ImageF& pixels) {
  const int stride = layout.samples_per_block_pixel();
  const int first_channel = layout.separate_planes ? block.plane : 0;
  const int last_channel = layout.separate_planes ? block.plane + 1 : layout.colours;
  for (std::uint32_t block_row = 0; block_row < block.rows; ++block_row) {
    const std::uint32_t file_row = block.first_row + block_row;
    const auto row = static_cast<int>(layout.bottom_up ? layout.height - 1 - file_row : file_row);
    const unsigned char* source = block.data + block_row * block.row_bytes;
    for (std::uint32_t column = 0; column < block.columns; ++column) {
      for (int channel = first_channel; channel < last_channel; ++channel) {
        Sample value;
        const std::size_t sample = std::size_t{column} * stride + (channel - first_channel);
        std::memcpy(&value, source + sample * sizeof(Sample), sizeof(Sample));
        auto stored = static_cast<float>(value);
        if (layout.min_is_white) stored = white_level - stored;
        pixels.at(channel, row, static_cast<int>(block.first_column + column)) = stored;
      }
    }
  }
}

void store(const Block& block, const Layout& layout, float white_level, ImageF& pixels) {
  if (layout.is_float) {
    store_block<float>(block, layout, white_level, pixels);
  } else if (layout.bits == 16) {
    store_block<std::uint16_t>(block, layout, white_level, pixels);
  } else {
    store_block<std::uint8_t>(block, layout, white_level, pixels);
  }
}

// Planes to decode: one pass over interleaved samples, or one per colour plane (extra planes such
// as alpha are never decoded).
int plane_passes(const Layout& layout) { return layout.separate_planes ? layout.colours : 1; }

void read_strips(const TiffReadFailure& failure, TIFF* tiff, const Layout& layout, float white_level,
                 std::vector<unsigned char>& buffer, ImageF& pixels) {
  const std::size_t row_bytes =
      std::size_t{layout.width} * layout.samples_per_block_pixel() * layout.bytes_per_sample();
  buffer.resize(row_bytes * layout.rows_per_strip);
  for (int plane = 0; plane < plane_passes(layout); ++plane) {
    for (std::uint32_t first_row = 0; first_row < layout.height; first_row += layout.rows_per_strip) {
      const std::uint32_t rows = std::min(layout.rows_per_strip, layout.height - first_row);
      const std::uint32_t strip = TIFFComputeStrip(tiff, first_row, static_cast<std::uint16_t>(plane));
      const auto expected = static_cast<tmsize_t>(row_bytes * rows);
      if (TIFFReadEncodedStrip(tiff, strip, buffer.data(), expected) != expected) {
        failure.fail_libtiff("cannot decode TIFF strip " + std::to_string(strip));
      }
      store({buffer.data(), row_bytes, first_row, rows, 0, layout.width, plane}, layout, white_level, pixels);
    }
  }
}

void read_tiles(const TiffReadFailure& failure, TIFF* tiff, const Layout& layout, float white_level,
                std::vector<unsigned char>& buffer, ImageF& pixels) {
  const std::size_t row_bytes =
      std::size_t{layout.tile_width} * layout.samples_per_block_pixel() * layout.bytes_per_sample();
  const auto tile_bytes = static_cast<tmsize_t>(row_bytes * layout.tile_length);
  buffer.resize(static_cast<std::size_t>(tile_bytes));
  for (int plane = 0; plane < plane_passes(layout); ++plane) {
    for (std::uint32_t y = 0; y < layout.height; y += layout.tile_length) {
      for (std::uint32_t x = 0; x < layout.width; x += layout.tile_width) {
        const std::uint32_t tile = TIFFComputeTile(tiff, x, y, 0, static_cast<std::uint16_t>(plane));
        if (TIFFReadEncodedTile(tiff, tile, buffer.data(), tile_bytes) != tile_bytes) {
          failure.fail_libtiff("cannot decode TIFF tile " + std::to_string(tile));
        }
        const Block block{buffer.data(),
                          row_bytes,
                          y,
                          std::min(layout.tile_length, layout.height - y),
                          x,
                          std::min(layout.tile_width, layout.width - x),
                          plane};
        store(block, layout, white_level, pixels);
      }
    }
  }
}

FrameInfo info_for(const std::filesystem::path& path, const Layout& layout) {
  FrameInfo info;
  info.path = path;
  info.format = "TIFF";
  info.encoding = layout.is_float ? Encoding::linear : Encoding::srgb;
  info.white_level = layout.is_float ? 1.0 : (layout.bits == 16 ? 65535.0 : 255.0);
  info.bits_per_sample = layout.is_float ? -32 : layout.bits;
  return info;
}

}  // namespace

TiffReader::TiffReader(const ReadOptions&) {}

FrameInfo TiffReader::read_info(const std::filesystem::path& path) {
  TiffFile file(path, "r");
  const TiffReadFailure failure(path, file);
  if (file.get() == nullptr) failure.fail("not a readable TIFF: " + file.error());
  return info_for(path, read_layout(failure, file.get()));
}

Frame TiffReader::read(const std::filesystem::path& path) {
  std::error_code error;
  const std::uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) throw InputError(path, "cannot read the file: " + error.message());

  TiffFile file(path, "r");  // "r" opens the file read-only
  return read_opened(path, file, file_size);
}

Frame TiffReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  TiffFile file(name, bytes);
  return read_opened(name, file, bytes.size());
}

Frame TiffReader::read_opened(const std::filesystem::path& path, const TiffFile& file,
                              std::uint64_t file_size) {
  const TiffReadFailure failure(path, file);
  if (file.get() == nullptr) failure.fail("not a readable TIFF: " + file.error());
  TIFF* tiff = file.get();
  const Layout layout = read_layout(failure, tiff);
  check_data_locations(failure, tiff, layout, file_size);

  Frame frame;
  frame.info = info_for(path, layout);
  frame.pixels =
      take_frame_pixels(static_cast<int>(layout.width), static_cast<int>(layout.height), layout.colours);
  const auto white_level = static_cast<float>(frame.info.white_level);
  if (layout.tiled) {
    read_tiles(failure, tiff, layout, white_level, buffer_, frame.pixels);
  } else {
    read_strips(failure, tiff, layout, white_level, buffer_, frame.pixels);
  }
  return frame;
}

}  // namespace nightstack
