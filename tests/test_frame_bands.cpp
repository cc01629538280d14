// Every reader's bands: concatenated, for any band height, they are exactly what read() gives, in
// the stored sample type each format promises; damage is reported by the band that reaches it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fitsio.h>
#include <png.h>
#include <tiffio.h>
#include <turbojpeg.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/fits_reader.hpp"
#include "io/jpeg_reader.hpp"
#include "io/png_reader.hpp"
#include "io/png_writer.hpp"
#include "io/raw_reader.hpp"
#include "io/tiff_reader.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_bands.hpp"
#include "tests/support/dng_writer.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;
namespace fs = std::filesystem;

namespace {

const fs::path source_directory = NIGHTSTACK_SOURCE_DIR;

// A pattern with edges and gradients, different in every channel.
int pattern_value(int channel, int row, int column, int modulus) {
  return (column * 17 + row * 31 + channel * 80 + (row / 4 % 2) * 60 + (column / 3 % 2) * 7) % modulus;
}

// Reads every band of `frame` with bands of at most `max_rows` rows, checks their bookkeeping and
// returns them assembled into a planar float image.
ImageF assemble(OpenFrame& frame, int max_rows) {
  const StoredShape shape = frame.shape();
  ImageF pixels(shape.width, shape.height, shape.channels);
  int next_row = 0;
  while (true) {
    const FrameBand band = frame.next_band(max_rows);
    BOOST_TEST(band.first_row == next_row);
    BOOST_TEST((band.shape == shape));
    if (band.rows == 0) break;
    BOOST_TEST(band.rows <= max_rows);
    BOOST_TEST(band.samples != nullptr);
    store_band(band, pixels);
    next_row += band.rows;
    BOOST_TEST(frame.rows_read() == next_row);
  }
  BOOST_TEST(next_row == shape.height);
  BOOST_TEST(frame.finished());
  BOOST_TEST(frame.next_band(max_rows).rows == 0);
  return pixels;
}

bool identical(const ImageF& left, const ImageF& right) {
  return left.width() == right.width() && left.height() == right.height() &&
         left.channels() == right.channels() &&
         std::memcmp(left.samples().data(), right.samples().data(), left.samples().size() * sizeof(float)) ==
             0;
}

// The bands of `path`, for several band heights, equal read() exactly, in the expected type.
void check_bands(ImageReader& reader, const fs::path& path, SampleType type, int channels) {
  const Frame whole = reader.read(path);
  BOOST_TEST_CONTEXT(path.filename()) {
    for (const int max_rows : {1, 7, 16, whole.pixels.height() + 5}) {
      BOOST_TEST_CONTEXT("max_rows " << max_rows) {
        const auto frame = reader.open(path);
        BOOST_TEST(frame->shape().width == whole.pixels.width());
        BOOST_TEST(frame->shape().height == whole.pixels.height());
        BOOST_TEST(frame->shape().channels == channels);
        BOOST_TEST(to_string(frame->shape().type) == to_string(type));
        BOOST_TEST(frame->info().format == whole.info.format);
        BOOST_TEST(frame->info().white_level == whole.info.white_level);
        BOOST_TEST(identical(assemble(*frame, max_rows), whole.pixels));
      }
    }
  }
}

std::string file_bytes(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// ---- JPEG

PlanarImage<std::uint8_t> jpeg_pattern(int width, int height, int channels) {
  PlanarImage<std::uint8_t> image(width, height, channels);
  for (int channel = 0; channel < channels; ++channel)
    for (int row = 0; row < height; ++row)
      for (int column = 0; column < width; ++column)
        image.at(channel, row, column) = static_cast<std::uint8_t>(pattern_value(channel, row, column, 256));
  return image;
}

// Chroma-subsampled colour (4:2:0 or 4:2:2), written with TurboJPEG, so fancy upsampling is used.
void write_subsampled_jpeg(const fs::path& path, int width, int height, int subsampling, bool progressive) {
  const PlanarImage<std::uint8_t> image = jpeg_pattern(width, height, 3);
  std::vector<unsigned char> interleaved(static_cast<std::size_t>(width) * height * 3);
  for (int row = 0; row < height; ++row)
    for (int column = 0; column < width; ++column)
      for (int channel = 0; channel < 3; ++channel)
        interleaved[(static_cast<std::size_t>(row) * width + column) * 3 + channel] =
            image.at(channel, row, column);
  tjhandle handle = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int flags = progressive ? TJFLAG_PROGRESSIVE : 0;
  BOOST_REQUIRE(tjCompress2(handle, interleaved.data(), width, 0, height, TJPF_RGB, &jpeg, &size, subsampling,
                            90, flags) == 0);
  write_bytes(path, std::string(reinterpret_cast<const char*>(jpeg), size));
  tjFree(jpeg);
  tjDestroy(handle);
}

void check_equal_to_turbojpeg(JpegReader& reader, const fs::path& path) {
  const Frame frame = reader.read(path);
  const PlanarImage<std::uint8_t> reference = nightstack::testing::decode_reference_jpeg(path);
  BOOST_REQUIRE(frame.pixels.samples().size() == reference.samples().size());
  std::size_t differences = 0;
  for (std::size_t index = 0; index < reference.samples().size(); ++index)
    if (frame.pixels.samples()[index] != static_cast<float>(reference.samples()[index])) ++differences;
  BOOST_TEST(differences == 0u);
}

// ---- TIFF

struct TiffCase {
  int width = 21;
  int height = 19;
  int channels = 1;
  int bits = 8;                      // 8, 16 or 32 (float)
  std::uint32_t rows_per_strip = 0;  // 0: one strip
  std::uint32_t tile_size = 0;       // non-zero: tiles of that many pixels square
  bool separate_planes = false;
  bool bottom_up = false;
  bool min_is_white = false;
};

double tiff_value(const TiffCase& test, int channel, int row, int column) {
  if (test.bits == 32) return pattern_value(channel, row, column, 1000) / 997.0;
  if (test.bits == 16) return pattern_value(channel, row, column, 1771) * 37 % 65536;
  return pattern_value(channel, row, column, 256);
}

template <class Sample>
void put_sample(std::vector<unsigned char>& bytes, std::size_t index, double value) {
  const auto sample = static_cast<Sample>(value);
  std::memcpy(bytes.data() + index * sizeof(Sample), &sample, sizeof(Sample));
}

// The samples of rows [first_row, first_row + rows) x columns [first_column, +columns) of one plane
// (separate planes) or all channels, as libtiff expects them in a strip or tile of `block_width`.
std::vector<unsigned char> tiff_block(const TiffCase& test, int plane, int first_row, int rows,
                                      int first_column, int columns, int block_width, int block_height) {
  const int per_pixel = test.separate_planes ? 1 : test.channels;
  const int sample_bytes = test.bits / 8;
  std::vector<unsigned char> bytes(
      static_cast<std::size_t>(block_width) * block_height * per_pixel * sample_bytes, 0);
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      for (int sample = 0; sample < per_pixel; ++sample) {
        const int channel = test.separate_planes ? plane : sample;
        const std::size_t index = (static_cast<std::size_t>(row) * block_width + column) * per_pixel + sample;
        const double value = tiff_value(test, channel, first_row + row, first_column + column);
        if (test.bits == 8) put_sample<std::uint8_t>(bytes, index, value);
        if (test.bits == 16) put_sample<std::uint16_t>(bytes, index, value);
        if (test.bits == 32) put_sample<float>(bytes, index, value);
      }
    }
  }
  return bytes;
}

void write_tiff(const fs::path& path, const TiffCase& test) {
  TIFF* tiff = TIFFOpen(path.c_str(), "w");
  BOOST_REQUIRE(tiff != nullptr);
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, test.width);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, test.height);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, test.channels);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, test.bits);
  TIFFSetField(tiff, TIFFTAG_SAMPLEFORMAT, test.bits == 32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC,
               test.channels == 3 ? PHOTOMETRIC_RGB
                                  : (test.min_is_white ? PHOTOMETRIC_MINISWHITE : PHOTOMETRIC_MINISBLACK));
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG,
               test.separate_planes ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  if (test.bottom_up) TIFFSetField(tiff, TIFFTAG_ORIENTATION, ORIENTATION_BOTLEFT);
  const int planes = test.separate_planes ? test.channels : 1;
  if (test.tile_size != 0) {
    TIFFSetField(tiff, TIFFTAG_TILEWIDTH, test.tile_size);
    TIFFSetField(tiff, TIFFTAG_TILELENGTH, test.tile_size);
    const int size = static_cast<int>(test.tile_size);
    for (int plane = 0; plane < planes; ++plane) {
      for (int y = 0; y < test.height; y += size) {
        for (int x = 0; x < test.width; x += size) {
          auto block = tiff_block(test, plane, y, std::min(size, test.height - y), x,
                                  std::min(size, test.width - x), size, size);
          const auto tile = TIFFComputeTile(tiff, x, y, 0, static_cast<std::uint16_t>(plane));
          BOOST_REQUIRE(TIFFWriteEncodedTile(tiff, tile, block.data(), static_cast<tmsize_t>(block.size())) >=
                        0);
        }
      }
    }
  } else {
    const int rows_per_strip = test.rows_per_strip == 0 ? test.height : static_cast<int>(test.rows_per_strip);
    TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    for (int plane = 0; plane < planes; ++plane) {
      for (int row = 0; row < test.height; row += rows_per_strip) {
        const int rows = std::min(rows_per_strip, test.height - row);
        auto block = tiff_block(test, plane, row, rows, 0, test.width, test.width, rows);
        const auto strip = TIFFComputeStrip(tiff, row, static_cast<std::uint16_t>(plane));
        BOOST_REQUIRE(TIFFWriteEncodedStrip(tiff, strip, block.data(), static_cast<tmsize_t>(block.size())) >=
                      0);
      }
    }
  }
  TIFFClose(tiff);
}

// ---- PNG

// 8- or 16-bit samples of `colour_type` (alpha included when it has one), optionally Adam7
// interlaced, written straight through libpng.
void write_png_directly(const fs::path& path, int colour_type, int bit_depth, bool interlaced) {
  const int width = 19;
  const int height = 13;
  FILE* file = std::fopen(path.c_str(), "wb");
  BOOST_REQUIRE(file != nullptr);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, bit_depth, colour_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const int samples = png_get_channels(png, info);
  const int sample_bytes = bit_depth / 8;
  std::vector<unsigned char> image(static_cast<std::size_t>(width) * height * samples * sample_bytes);
  std::vector<png_bytep> rows(height);
  for (int row = 0; row < height; ++row) {
    rows[row] = image.data() + static_cast<std::size_t>(row) * width * samples * sample_bytes;
    for (int column = 0; column < width; ++column) {
      for (int sample = 0; sample < samples; ++sample) {
        const int value = pattern_value(sample, row, column, bit_depth == 16 ? 65536 : 256) *
                          (bit_depth == 16 ? 29 : 1) % (bit_depth == 16 ? 65536 : 256);
        unsigned char* at = rows[row] + (static_cast<std::size_t>(column) * samples + sample) * sample_bytes;
        if (sample_bytes == 2) {
          at[0] = static_cast<unsigned char>(value >> 8);  // PNG is big-endian
          at[1] = static_cast<unsigned char>(value & 0xFF);
        } else {
          at[0] = static_cast<unsigned char>(value);
        }
      }
    }
  }
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(file);
}

// ---- FITS

// BITPIX 8, 16 (with BZERO 32768 when `unsigned_16`) or -32; rows stored bottom-up unless
// `top_down`, which writes ROWORDER = 'TOP-DOWN'.
void write_fits(const fs::path& path, int bitpix, int channels, bool top_down,
                const std::string& bayer = "") {
  const long width = 13;
  const long height = 11;
  fitsfile* file = nullptr;
  int status = 0;
  fits_create_file(&file, ("!" + path.string()).c_str(), &status);
  long axes[3] = {width, height, channels};
  const int image_type = bitpix == 16 ? USHORT_IMG : bitpix;
  fits_create_img(file, image_type, channels == 1 ? 2 : 3, axes, &status);
  if (top_down) fits_write_key(file, TSTRING, "ROWORDER", const_cast<char*>("TOP-DOWN"), nullptr, &status);
  if (!bayer.empty())
    fits_write_key(file, TSTRING, "BAYERPAT", const_cast<char*>(bayer.c_str()), nullptr, &status);
  std::vector<double> values(static_cast<std::size_t>(width * height * channels));
  for (std::size_t index = 0; index < values.size(); ++index) {
    const int modulus = bitpix == 8 ? 256 : 65536;
    values[index] = bitpix == FLOAT_IMG ? (static_cast<double>(index) * 0.37 - 20.0)
                                        : static_cast<double>((index * 4099 + 7) % modulus);
  }
  fits_write_img(file, TDOUBLE, 1, static_cast<LONGLONG>(values.size()), values.data(), &status);
  fits_close_file(file, &status);
  BOOST_REQUIRE(status == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_bands)

BOOST_AUTO_TEST_CASE(jpeg_bands_are_8_bit_codes_equal_to_read_and_to_turbojpeg) {
  TemporaryDirectory directory;
  JpegReader reader;
  const auto gray = directory.path() / "gray.jpg";
  nightstack::testing::write_reference_jpeg(gray, jpeg_pattern(37, 29, 1));
  check_bands(reader, gray, SampleType::uint8, 1);
  const auto colour = directory.path() / "colour.jpg";
  nightstack::testing::write_reference_jpeg(colour, jpeg_pattern(37, 29, 3));
  check_bands(reader, colour, SampleType::uint8, 3);
  // Subsampled chroma goes through fancy upsampling, which must match TurboJPEG's to the byte.
  for (const int subsampling : {TJSAMP_420, TJSAMP_422}) {
    for (const bool progressive : {false, true}) {
      const auto path = directory.path() /
                        ("sub" + std::to_string(subsampling) + (progressive ? "-progressive" : "") + ".jpg");
      write_subsampled_jpeg(path, 53, 41, subsampling, progressive);
      check_bands(reader, path, SampleType::uint8, 3);
      check_equal_to_turbojpeg(reader, path);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_jpeg_truncated_in_its_last_rows_delivers_its_first_bands_then_fails) {
  TemporaryDirectory directory;
  const auto whole = directory.path() / "whole.jpg";
  nightstack::testing::write_reference_jpeg(whole, jpeg_pattern(64, 256, 3), 95);
  const std::string bytes = file_bytes(whole);
  const auto truncated = directory.path() / "truncated.jpg";
  write_bytes(truncated, bytes.substr(0, bytes.size() * 7 / 10));

  JpegReader reader;
  const Frame reference = reader.read(whole);
  const auto frame = reader.open(truncated);  // the header is intact: opening succeeds
  int rows = 0;
  bool failed = false;
  try {
    while (true) {
      const FrameBand band = frame->next_band(16);
      if (band.rows == 0) break;
      // Delivered rows are the file's true rows.
      for (int row = 0; row < band.rows; ++row)
        for (int column = 0; column < 64; ++column)
          for (int channel = 0; channel < 3; ++channel)
            BOOST_REQUIRE(
                band.as<std::uint8_t>()[(static_cast<std::size_t>(row) * 64 + column) * 3 + channel] ==
                reference.pixels.at(channel, band.first_row + row, column));
      rows += band.rows;
    }
  } catch (const InputError& error) {
    failed = true;
    BOOST_TEST(error.path() == truncated);
    BOOST_TEST(contains(error.what(), truncated.string()));
    BOOST_TEST(contains(error.what(), "truncated"), error.what());
  }
  BOOST_TEST(failed);
  BOOST_TEST(rows >= 64);
  BOOST_TEST(rows < 256);
  // read() refuses the file, and the reader still decodes good files after that.
  BOOST_CHECK_THROW(reader.read(truncated), InputError);
  BOOST_TEST(identical(reader.read(whole).pixels, reference.pixels));
}

BOOST_AUTO_TEST_CASE(two_frames_open_at_once_from_one_reader_do_not_share_buffers) {
  TemporaryDirectory directory;
  const auto first = directory.path() / "first.jpg";
  const auto second = directory.path() / "second.jpg";
  nightstack::testing::write_reference_jpeg(first, jpeg_pattern(40, 30, 3));
  write_subsampled_jpeg(second, 40, 30, TJSAMP_420, false);
  JpegReader reader;
  const Frame first_whole = reader.read(first);
  const Frame second_whole = reader.read(second);
  const auto first_frame = reader.open(first);
  const auto second_frame = reader.open(second);
  ImageF first_pixels(40, 30, 3);
  ImageF second_pixels(40, 30, 3);
  while (!first_frame->finished() || !second_frame->finished()) {
    const FrameBand first_band = first_frame->next_band(4);
    const FrameBand second_band = second_frame->next_band(4);
    if (first_band.rows > 0) store_band(first_band, first_pixels);
    if (second_band.rows > 0) store_band(second_band, second_pixels);
  }
  BOOST_TEST(identical(first_pixels, first_whole.pixels));
  BOOST_TEST(identical(second_pixels, second_whole.pixels));
}

BOOST_AUTO_TEST_CASE(tiff_bands_keep_the_stored_type_for_strips_tiles_and_planes) {
  TemporaryDirectory directory;
  TiffReader reader;
  struct Named {
    std::string name;
    TiffCase test;
    SampleType type;
  };
  const std::vector<Named> cases = {
      {"one-strip-8", {.channels = 1, .bits = 8}, SampleType::uint8},
      {"two-strips-8", {.channels = 3, .bits = 8, .rows_per_strip = 10}, SampleType::uint8},
      {"strips-16", {.channels = 3, .bits = 16, .rows_per_strip = 4}, SampleType::uint16},
      {"float", {.channels = 1, .bits = 32, .rows_per_strip = 5}, SampleType::float32},
      {"tiled-8", {.channels = 3, .bits = 8, .tile_size = 16}, SampleType::uint8},
      {"one-tile-longer-than-the-image", {.channels = 1, .bits = 16, .tile_size = 32}, SampleType::uint16},
      {"tiled-16-separate",
       {.channels = 3, .bits = 16, .tile_size = 16, .separate_planes = true},
       SampleType::uint16},
      {"separate-planes",
       {.channels = 3, .bits = 8, .rows_per_strip = 6, .separate_planes = true},
       SampleType::uint8},
      {"bottom-up", {.channels = 3, .bits = 16, .rows_per_strip = 4, .bottom_up = true}, SampleType::uint16},
      {"min-is-white",
       {.channels = 1, .bits = 16, .rows_per_strip = 7, .min_is_white = true},
       SampleType::uint16},
  };
  for (const auto& [name, test, type] : cases) {
    const auto path = directory.path() / (name + ".tif");
    write_tiff(path, test);
    check_bands(reader, path, type, test.channels);
    // And read() holds the values written (flipped, inverted as the tags say).
    const Frame frame = reader.read(path);
    const int row = 3;
    const int column = 17;
    const int stored_row = test.bottom_up ? test.height - 1 - row : row;
    double expected = tiff_value(test, test.channels - 1, stored_row, column);
    if (test.min_is_white) expected = 65535 - expected;
    BOOST_TEST(frame.pixels.at(test.channels - 1, row, column) == static_cast<float>(expected), name);
  }
}

BOOST_AUTO_TEST_CASE(png_bands_are_8_or_16_bit_codes) {
  TemporaryDirectory directory;
  PngReader reader;
  for (const int channels : {1, 3}) {
    PlanarImage<std::uint8_t> eight(23, 17, channels);
    PlanarImage<std::uint16_t> sixteen(23, 17, channels);
    for (int channel = 0; channel < channels; ++channel) {
      for (int row = 0; row < 17; ++row) {
        for (int column = 0; column < 23; ++column) {
          eight.at(channel, row, column) =
              static_cast<std::uint8_t>(pattern_value(channel, row, column, 256));
          sixteen.at(channel, row, column) =
              static_cast<std::uint16_t>(pattern_value(channel, row, column, 65536) * 263 % 65536);
        }
      }
    }
    const auto eight_path = directory.path() / ("eight-" + std::to_string(channels) + ".png");
    const auto sixteen_path = directory.path() / ("sixteen-" + std::to_string(channels) + ".png");
    write_png(eight_path, eight);
    write_png(sixteen_path, sixteen);
    check_bands(reader, eight_path, SampleType::uint8, channels);
    check_bands(reader, sixteen_path, SampleType::uint16, channels);
    // 16-bit samples come in the machine's order, with the values written.
    const auto frame = reader.open(sixteen_path);
    const FrameBand band = frame->next_band(1);
    BOOST_TEST(band.as<std::uint16_t>()[channels * 5] == sixteen.at(0, 0, 5));
  }
  // Interlaced (decoded whole at the first band) and with an alpha that is dropped.
  const auto interlaced = directory.path() / "interlaced.png";
  write_png_directly(interlaced, PNG_COLOR_TYPE_RGB, 16, true);
  check_bands(reader, interlaced, SampleType::uint16, 3);
  const auto gray_alpha = directory.path() / "gray-alpha.png";
  write_png_directly(gray_alpha, PNG_COLOR_TYPE_GRAY_ALPHA, 8, false);
  check_bands(reader, gray_alpha, SampleType::uint8, 1);
  const auto rgba = directory.path() / "rgba-interlaced.png";
  write_png_directly(rgba, PNG_COLOR_TYPE_RGB_ALPHA, 8, true);
  check_bands(reader, rgba, SampleType::uint8, 3);
  BOOST_TEST(reader.read(rgba).pixels.at(2, 4, 7) == static_cast<float>(pattern_value(2, 4, 7, 256)));
}

BOOST_AUTO_TEST_CASE(fits_bands_are_codes_where_exact_and_float_otherwise) {
  TemporaryDirectory directory;
  FitsReader reader;
  struct Case {
    std::string name;
    int bitpix;
    int channels;
    bool top_down;
    SampleType type;
  };
  const std::vector<Case> cases = {
      {"byte", BYTE_IMG, 1, false, SampleType::uint8},
      {"unsigned-16", 16, 1, false, SampleType::uint16},
      {"unsigned-16-colour", 16, 3, false, SampleType::uint16},
      {"float", FLOAT_IMG, 1, false, SampleType::float32},
      {"float-colour-top-down", FLOAT_IMG, 3, true, SampleType::float32},
      {"unsigned-16-top-down", 16, 1, true, SampleType::uint16},
  };
  for (const auto& test : cases) {
    const auto path = directory.path() / (test.name + ".fits");
    write_fits(path, test.bitpix, test.channels, test.top_down);
    check_bands(reader, path, test.type, test.channels);
  }
  // ROWORDER decides which stored row is the top one.
  const auto bottom_up = directory.path() / "bottom-up.fits";
  const auto top_down = directory.path() / "top-down.fits";
  write_fits(bottom_up, 16, 1, false);
  write_fits(top_down, 16, 1, true);
  const Frame flipped = reader.read(bottom_up);
  const Frame straight = reader.read(top_down);
  BOOST_TEST(flipped.pixels.at(0, 0, 4) == straight.pixels.at(0, 10, 4));
  BOOST_TEST(flipped.pixels.at(0, 10, 4) == straight.pixels.at(0, 0, 4));
  BOOST_TEST(straight.pixels.at(0, 0, 1) == static_cast<float>((1 * 4099 + 7) % 65536));
}

BOOST_AUTO_TEST_CASE(bayer_fits_streams_as_cfa_and_is_demosaiced_whole_otherwise) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "mosaic.fits";
  write_fits(path, 16, 1, false, "RGGB");
  FitsReader cfa(ReadOptions{.bayer = "cfa"});
  check_bands(cfa, path, SampleType::uint16, 1);
  BOOST_TEST(cfa.open(path)->info().cfa_pattern.size() == 4u);
  FitsReader demosaic;
  check_bands(demosaic, path, SampleType::float32, 3);
}

BOOST_AUTO_TEST_CASE(raw_bands_are_16_bit_codes_unless_black_is_subtracted) {
  TemporaryDirectory directory;
  nightstack::testing::DngSettings settings;
  settings.mosaic = PlanarImage<std::uint16_t>(32, 24, 1);
  for (int row = 0; row < 24; ++row)
    for (int column = 0; column < 32; ++column)
      settings.mosaic.at(0, row, column) =
          static_cast<std::uint16_t>(200 + pattern_value(0, row, column, 3000));
  const auto no_black = directory.path() / "no-black.dng";
  nightstack::testing::write_test_dng(no_black, settings);
  settings.black_level = {256.0F};
  const auto with_black = directory.path() / "with-black.dng";
  nightstack::testing::write_test_dng(with_black, settings);

  RawReader cfa(ReadOptions{.raw_mode = "cfa"});
  check_bands(cfa, no_black, SampleType::uint16, 1);
  // Below black stays negative, so float.
  check_bands(cfa, with_black, SampleType::float32, 1);
  BOOST_TEST(cfa.read(with_black).pixels.at(0, 0, 0) < 0.0F);
  RawReader rgb(ReadOptions{.demosaic = "linear"});
  check_bands(rgb, with_black, SampleType::uint16, 3);
}

BOOST_AUTO_TEST_CASE(real_frames_bands_equal_read) {
  JpegReader jpeg;
  const auto night = source_directory / "data" / "night-jpeg" / "DXM_8338.JPG";
  check_bands(jpeg, night, SampleType::uint8, 1);
  check_equal_to_turbojpeg(jpeg, night);
  FitsReader fits;
  check_bands(fits, source_directory / "data" / "m13-mono-fits" / "M13_blue_0001.fits",
              fits.open(source_directory / "data" / "m13-mono-fits" / "M13_blue_0001.fits")->shape().type, 1);
}

BOOST_AUTO_TEST_CASE(in_memory_decoding_equals_reading_the_file) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "colour.jpg";
  write_subsampled_jpeg(path, 30, 20, TJSAMP_420, false);
  const std::string bytes = file_bytes(path);
  const std::span<const unsigned char> memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                              bytes.size());
  JpegReader jpeg;
  BOOST_TEST(identical(jpeg.decode(path, memory).pixels, jpeg.read(path).pixels));

  const auto tiff_path = directory.path() / "strips.tif";
  write_tiff(tiff_path, {.channels = 3, .bits = 16, .rows_per_strip = 4});
  const std::string tiff_bytes = file_bytes(tiff_path);
  TiffReader tiff;
  BOOST_TEST(identical(
      tiff.decode(tiff_path, {reinterpret_cast<const unsigned char*>(tiff_bytes.data()), tiff_bytes.size()})
          .pixels,
      tiff.read(tiff_path).pixels));
}

BOOST_AUTO_TEST_SUITE_END()
