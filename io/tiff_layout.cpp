// The TIFF header checks: what nightstack supports, and what the file can hold.
#include "io/tiff_layout.hpp"

#include <algorithm>
#include <limits>

#include "io/header_checks.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// A tile may be larger than the image it tiles (writers use fixed sizes such as 256 x 256), but a
// tile that is larger than the image and than 4096 x 4096 pixels is not believed.
constexpr std::uint64_t maximum_oversized_tile_pixels = std::uint64_t{1} << 24;

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

}  // namespace

TiffLayout read_layout(const TiffReadFailure& failure, TIFF* tiff) {
  TiffLayout layout;
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
namespace {

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

}  // namespace

// Every strip or tile must lie inside the file, so a lying header cannot make libtiff allocate and
// read far beyond it; and all of them together must be able to hold the image the header claims,
// so a small file cannot make the reader allocate gigabytes for pixels it does not have.
void check_data_locations(const TiffReadFailure& failure, TIFF* tiff, const TiffLayout& layout,
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
  const std::string claim = "the TIFF header claims " + std::to_string(layout.width) + " x " +
                            std::to_string(layout.height) + " pixels of " +
                            std::to_string(layout.samples_per_pixel) +
                            (layout.samples_per_pixel == 1 ? " sample" : " samples");
  const std::string store = "its " + std::to_string(count) + " " + kind + (count == 1 ? "" : "s") + " of " +
                            std::to_string(stored_bytes) + " bytes (compression " +
                            std::to_string(compression) + ")";
  check_header_claim(failure.path(), claim, decoded_bytes, maximum_expansion(compression), stored_bytes,
                     store);
}

FrameInfo info_for(const std::filesystem::path& path, const TiffLayout& layout) {
  FrameInfo info;
  info.path = path;
  info.format = "TIFF";
  info.encoding = layout.is_float ? Encoding::linear : Encoding::srgb;
  info.white_level = layout.is_float ? 1.0 : (layout.bits == 16 ? 65535.0 : 255.0);
  info.bits_per_sample = layout.is_float ? -32 : layout.bits;
  return info;
}

}  // namespace nightstack
