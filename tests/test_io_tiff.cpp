// TIFF in and out: the reader against files written here straight through libtiff (every layout,
// exact values, broken headers), the 16-bit and float writers against libtiff reads, tiffinfo and
// the reader, their ICC profiles through lcms2, and failure clean-up.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <lcms2.h>
#include <tiffio.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>

#include "io/tiff_reader.hpp"
#include "io/tiff_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/outside_tools.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;

namespace {

// Pseudo-random values over the whole 16-bit range (a hash of the position), so neither the
// predictor nor Deflate can shrink the file much and a misplaced sample cannot go unnoticed.
PlanarImage<std::uint16_t> pattern(int width, int height, int channels) {
  PlanarImage<std::uint16_t> image(width, height, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    std::uint64_t hash = (index + 1) * 0x9E3779B97F4A7C15ull;
    hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ull;
    hash ^= hash >> 31;
    image.samples()[index] = static_cast<std::uint16_t>(hash >> 48);
  }
  image.at(0, 0, 0) = 0;
  image.at(channels - 1, height - 1, width - 1) = 65535;
  return image;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gray_and_rgb_round_trip_exactly) {
  TemporaryDirectory directory;
  // 300 RGB pixels make 1800-byte rows, so 100 rows span several 64 KiB strips.
  for (auto [width, height, channels] : {std::tuple{7, 5, 1}, std::tuple{9, 4, 3}, std::tuple{300, 100, 3}}) {
    const auto path =
        directory.path() / ("out" + std::to_string(width) + "_" + std::to_string(channels) + ".tif");
    const auto image = pattern(width, height, channels);
    write_tiff16(path, image, "stacked by a test", "nightstack test", false);
    std::string description;
    const auto read = nightstack::testing::read_reference_tiff16(path, &description);
    BOOST_TEST(read.width() == width);
    BOOST_TEST(read.height() == height);
    BOOST_TEST(read.channels() == channels);
    BOOST_TEST(read.samples() == image.samples(), boost::test_tools::per_element());
    BOOST_TEST(description == "stacked by a test");
  }
}

BOOST_AUTO_TEST_CASE(tiffinfo_sees_16_bit_deflate_with_predictor, *nightstack::testing::NeedsOutsideTool()) {
  nightstack::testing::require_program("tiffinfo", "libtiff-tools");
  TemporaryDirectory directory;
  const auto path = directory.path() / "stack.tif";
  write_tiff16(path, pattern(40, 30, 3), "M13, 40 frames, caf\xC3\xA9", "nightstack 0.1.0", false);
  const auto result = nightstack::testing::run_command({"tiffinfo", path.string()});
  BOOST_TEST_MESSAGE("tiffinfo: " << result.out << result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "Bits/Sample: 16"));
  BOOST_TEST(contains(result.out, "Samples/Pixel: 3"));
  BOOST_TEST(contains(result.out, "Compression Scheme: AdobeDeflate"));
  BOOST_TEST(contains(result.out, "Predictor: horizontal differencing"));
  BOOST_TEST(contains(result.out, "Photometric Interpretation: RGB color"));
  BOOST_TEST(contains(result.out, "Planar Configuration: single image plane"));
  BOOST_TEST(contains(result.out, "Software: nightstack 0.1.0"));
  BOOST_TEST(contains(result.out, "M13, 40 frames, caf??"));
  BOOST_TEST(result.err.empty());
}

BOOST_AUTO_TEST_CASE(gray_is_min_is_black, *nightstack::testing::NeedsOutsideTool()) {
  nightstack::testing::require_program("tiffinfo", "libtiff-tools");
  TemporaryDirectory directory;
  const auto path = directory.path() / "gray.tif";
  write_tiff16(path, pattern(8, 8, 1), "", "", false);
  const auto result = nightstack::testing::run_command({"tiffinfo", path.string()});
  BOOST_TEST(contains(result.out, "min-is-black"));
  BOOST_TEST(contains(result.out, "Bits/Sample: 16"));
}

BOOST_AUTO_TEST_CASE(bad_channel_count_is_refused_before_anything_is_written) {
  TemporaryDirectory directory;
  BOOST_CHECK_THROW(write_tiff16(directory.path() / "x.tif", pattern(4, 4, 2), "", "", false),
                    std::invalid_argument);
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(uncreatable_directory_is_an_output_error) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "plain_file") << "x";
  const auto destination = directory.path() / "plain_file" / "out" / "stack.tif";
  try {
    write_tiff16(destination, pattern(4, 4, 1), "", "", false);
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST(error.path() == destination);
    BOOST_TEST(contains(error.what(), destination.string()));
  }
}

BOOST_AUTO_TEST_CASE(full_disk_leaves_no_file_and_no_temporary) {
  TemporaryDirectory directory;
  const auto destination = directory.path() / "stack.tif";
  try {
    nightstack::testing::FileSizeLimit limit(20000);
    write_tiff16(destination, pattern(300, 200, 3), "", "", false);
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST_MESSAGE("full disk: " << error.what());
    BOOST_TEST(contains(error.what(), destination.string()));
    BOOST_TEST(contains(error.what(), "cannot write TIFF"));
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

namespace {

// ---- TIFF files written straight through libtiff, for the reader ----

struct TiffCloser {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};

struct TiffSpec {
  std::string name;
  int width = 13;
  int height = 7;
  int samples = 1;  // per pixel, extra (alpha) samples included
  int bits = 8;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t predictor = PREDICTOR_NONE;
  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  std::uint32_t rows_per_strip = 3;  // 7 rows: the last strip is short
  std::uint32_t tile_size = 0;       // 0: strips; otherwise square tiles of this size
};

std::uint64_t position_hash(std::uint64_t index) {
  std::uint64_t hash = (index + 1) * 0x9E3779B97F4A7C15ull;
  hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ull;
  return hash ^ (hash >> 31);
}

// The stored value of a sample at a position in file order: the whole integer range (with 0 and
// the maximum at the first and last sample), and for floats exact binary fractions of both signs.
double stored_value(const TiffSpec& spec, int row, int column, int sample) {
  const auto index = (static_cast<std::uint64_t>(row) * spec.width + column) * spec.samples + sample;
  if (index == 0) return 0;
  const std::uint64_t hash = position_hash(index);
  if (spec.sample_format == SAMPLEFORMAT_IEEEFP) return (static_cast<double>(hash % 4001) - 2000.0) / 256.0;
  const double maximum = std::ldexp(1.0, spec.bits) - 1;
  if (index + 1 == static_cast<std::uint64_t>(spec.width) * spec.height * spec.samples) return maximum;
  return static_cast<double>(hash % static_cast<std::uint64_t>(maximum + 1));
}

void append_sample(std::vector<unsigned char>& bytes, int bits, double value) {
  unsigned char raw[4];
  if (bits == 8) {
    raw[0] = static_cast<unsigned char>(value);
  } else if (bits == 16) {
    const auto sample = static_cast<std::uint16_t>(value);
    std::memcpy(raw, &sample, 2);
  } else {
    const auto sample = static_cast<float>(value);
    std::memcpy(raw, &sample, 4);
  }
  bytes.insert(bytes.end(), raw, raw + bits / 8);
}

// The bytes of a block of `rows` x `columns` pixels at (first_row, first_column); positions outside
// the image (tile padding) hold zeros.
std::vector<unsigned char> block_bytes(const TiffSpec& spec, int first_row, int first_column, int rows,
                                       int columns, int plane) {
  std::vector<unsigned char> bytes;
  const bool separate = spec.planar == PLANARCONFIG_SEPARATE;
  for (int row = first_row; row < first_row + rows; ++row) {
    for (int column = first_column; column < first_column + columns; ++column) {
      for (int sample = separate ? plane : 0; sample < (separate ? plane + 1 : spec.samples); ++sample) {
        const bool inside = row < spec.height && column < spec.width;
        append_sample(bytes, spec.bits, inside ? stored_value(spec, row, column, sample) : 0.0);
      }
    }
  }
  return bytes;
}

void write_test_tiff(const std::filesystem::path& path, const TiffSpec& spec) {
  std::unique_ptr<TIFF, TiffCloser> tiff(TIFFOpen(path.c_str(), "w"));
  BOOST_REQUIRE(tiff != nullptr);
  TIFF* handle = tiff.get();
  TIFFSetField(handle, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(spec.width));
  TIFFSetField(handle, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(spec.height));
  TIFFSetField(handle, TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(spec.samples));
  TIFFSetField(handle, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(spec.bits));
  TIFFSetField(handle, TIFFTAG_SAMPLEFORMAT, spec.sample_format);
  TIFFSetField(handle, TIFFTAG_PHOTOMETRIC, spec.photometric);
  TIFFSetField(handle, TIFFTAG_PLANARCONFIG, spec.planar);
  TIFFSetField(handle, TIFFTAG_COMPRESSION, spec.compression);
  if (spec.predictor != PREDICTOR_NONE) TIFFSetField(handle, TIFFTAG_PREDICTOR, spec.predictor);
  TIFFSetField(handle, TIFFTAG_ORIENTATION, spec.orientation);
  const int colours = spec.photometric == PHOTOMETRIC_RGB ? 3 : 1;
  if (spec.samples > colours) {
    const std::vector<std::uint16_t> extra(spec.samples - colours, EXTRASAMPLE_UNASSALPHA);
    TIFFSetField(handle, TIFFTAG_EXTRASAMPLES, static_cast<std::uint16_t>(extra.size()), extra.data());
  }
  if (spec.photometric == PHOTOMETRIC_PALETTE) {
    const std::vector<std::uint16_t> colour_map(std::size_t{1} << spec.bits);
    TIFFSetField(handle, TIFFTAG_COLORMAP, colour_map.data(), colour_map.data(), colour_map.data());
  }
  const int planes = spec.planar == PLANARCONFIG_SEPARATE ? spec.samples : 1;
  if (spec.tile_size == 0) {
    TIFFSetField(handle, TIFFTAG_ROWSPERSTRIP, spec.rows_per_strip);
    const int step = static_cast<int>(spec.rows_per_strip);
    for (int plane = 0; plane < planes; ++plane) {
      for (int row = 0; row < spec.height; row += step) {
        auto bytes = block_bytes(spec, row, 0, std::min(step, spec.height - row), spec.width, plane);
        const std::uint32_t strip = TIFFComputeStrip(handle, static_cast<std::uint32_t>(row), plane);
        BOOST_REQUIRE(
            TIFFWriteEncodedStrip(handle, strip, bytes.data(), static_cast<tmsize_t>(bytes.size())) ==
            static_cast<tmsize_t>(bytes.size()));
      }
    }
  } else {
    TIFFSetField(handle, TIFFTAG_TILEWIDTH, spec.tile_size);
    TIFFSetField(handle, TIFFTAG_TILELENGTH, spec.tile_size);
    const int step = static_cast<int>(spec.tile_size);
    for (int plane = 0; plane < planes; ++plane) {
      for (int y = 0; y < spec.height; y += step) {
        for (int x = 0; x < spec.width; x += step) {
          auto bytes = block_bytes(spec, y, x, step, step, plane);
          const std::uint32_t tile = TIFFComputeTile(handle, x, y, 0, plane);
          BOOST_REQUIRE(
              TIFFWriteEncodedTile(handle, tile, bytes.data(), static_cast<tmsize_t>(bytes.size())) ==
              static_cast<tmsize_t>(bytes.size()));
        }
      }
    }
  }
  BOOST_REQUIRE(TIFFWriteDirectory(handle) == 1);
}

// What the reader must return: colour samples only, rows top to bottom, MINISWHITE inverted.
ImageF expected_frame(const TiffSpec& spec) {
  const int colours = spec.photometric == PHOTOMETRIC_RGB ? 3 : 1;
  const double white = std::ldexp(1.0, spec.bits) - 1;
  ImageF image(spec.width, spec.height, colours);
  for (int row = 0; row < spec.height; ++row) {
    const int image_row = spec.orientation == ORIENTATION_BOTLEFT ? spec.height - 1 - row : row;
    for (int column = 0; column < spec.width; ++column) {
      for (int channel = 0; channel < colours; ++channel) {
        double value = stored_value(spec, row, column, channel);
        if (spec.photometric == PHOTOMETRIC_MINISWHITE) value = white - value;
        image.at(channel, image_row, column) = static_cast<float>(value);
      }
    }
  }
  return image;
}

std::vector<TiffSpec> readable_layouts() {
  std::vector<TiffSpec> specs;
  auto add = [&](std::string name, const std::function<void(TiffSpec&)>& change) {
    TiffSpec spec;
    spec.name = std::move(name);
    change(spec);
    specs.push_back(spec);
  };
  add("8-bit gray strips", [](TiffSpec&) {});
  add("16-bit gray strips", [](TiffSpec& spec) { spec.bits = 16; });
  add("8-bit RGB strips", [](TiffSpec& spec) { spec.samples = 3, spec.photometric = PHOTOMETRIC_RGB; });
  add("16-bit RGB strips",
      [](TiffSpec& spec) { spec.samples = 3, spec.bits = 16, spec.photometric = PHOTOMETRIC_RGB; });
  add("16-bit RGB separate planes", [](TiffSpec& spec) {
    spec.samples = 3, spec.bits = 16, spec.photometric = PHOTOMETRIC_RGB, spec.planar = PLANARCONFIG_SEPARATE;
  });
  add("8-bit RGBA: alpha ignored",
      [](TiffSpec& spec) { spec.samples = 4, spec.photometric = PHOTOMETRIC_RGB; });
  add("16-bit gray + alpha, separate planes",
      [](TiffSpec& spec) { spec.samples = 2, spec.bits = 16, spec.planar = PLANARCONFIG_SEPARATE; });
  add("float gray strips", [](TiffSpec& spec) { spec.bits = 32, spec.sample_format = SAMPLEFORMAT_IEEEFP; });
  add("float RGB, one strip", [](TiffSpec& spec) {
    spec.samples = 3, spec.bits = 32, spec.sample_format = SAMPLEFORMAT_IEEEFP;
    spec.photometric = PHOTOMETRIC_RGB, spec.rows_per_strip = 100;
  });
  // 37 x 21 in 16 x 16 tiles: partial tiles on the right and at the bottom.
  add("8-bit gray tiles", [](TiffSpec& spec) { spec.width = 37, spec.height = 21, spec.tile_size = 16; });
  add("16-bit RGBA tiles", [](TiffSpec& spec) {
    spec.width = 37, spec.height = 21, spec.tile_size = 16, spec.samples = 4, spec.bits = 16;
    spec.photometric = PHOTOMETRIC_RGB;
  });
  add("float RGB tiles, separate planes", [](TiffSpec& spec) {
    spec.width = 37, spec.height = 21, spec.tile_size = 16, spec.samples = 3, spec.bits = 32;
    spec.sample_format = SAMPLEFORMAT_IEEEFP, spec.photometric = PHOTOMETRIC_RGB;
    spec.planar = PLANARCONFIG_SEPARATE;
  });
  add("16-bit RGB LZW with predictor", [](TiffSpec& spec) {
    spec.samples = 3, spec.bits = 16, spec.photometric = PHOTOMETRIC_RGB, spec.compression = COMPRESSION_LZW;
    spec.predictor = PREDICTOR_HORIZONTAL;
  });
  add("8-bit gray LZW tiles", [](TiffSpec& spec) {
    spec.width = 37, spec.height = 21, spec.tile_size = 16, spec.compression = COMPRESSION_LZW;
  });
  add("float Deflate with floating-point predictor", [](TiffSpec& spec) {
    spec.bits = 32, spec.sample_format = SAMPLEFORMAT_IEEEFP, spec.compression = COMPRESSION_ADOBE_DEFLATE;
    spec.predictor = PREDICTOR_FLOATINGPOINT;
  });
  add("8-bit RGB PackBits", [](TiffSpec& spec) {
    spec.samples = 3, spec.photometric = PHOTOMETRIC_RGB, spec.compression = COMPRESSION_PACKBITS;
  });
  add("16-bit RGB bottom-left orientation", [](TiffSpec& spec) {
    spec.samples = 3, spec.bits = 16, spec.photometric = PHOTOMETRIC_RGB,
    spec.orientation = ORIENTATION_BOTLEFT;
  });
  add("8-bit gray bottom-left tiles", [](TiffSpec& spec) {
    spec.width = 37, spec.height = 21, spec.tile_size = 16, spec.orientation = ORIENTATION_BOTLEFT;
  });
  add("8-bit MINISWHITE", [](TiffSpec& spec) { spec.photometric = PHOTOMETRIC_MINISWHITE; });
  add("16-bit MINISWHITE", [](TiffSpec& spec) { spec.bits = 16, spec.photometric = PHOTOMETRIC_MINISWHITE; });
  return specs;
}

// ---- ICC profiles through lcms2 ----

struct ProfileCloser {
  void operator()(void* profile) const { cmsCloseProfile(profile); }
};
using LcmsProfile = std::unique_ptr<void, ProfileCloser>;

LcmsProfile embedded_profile(const std::filesystem::path& path) {
  std::unique_ptr<TIFF, TiffCloser> tiff(TIFFOpen(path.c_str(), "r"));
  BOOST_REQUIRE(tiff != nullptr);
  std::uint32_t size = 0;
  void* data = nullptr;
  BOOST_REQUIRE(TIFFGetField(tiff.get(), TIFFTAG_ICCPROFILE, &size, &data) == 1);
  BOOST_REQUIRE(size > 128);
  LcmsProfile profile(cmsOpenProfileFromMem(data, size));
  BOOST_REQUIRE(profile != nullptr);
  return profile;
}

std::string profile_description(cmsHPROFILE profile) {
  char text[256] = {};
  cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", text, sizeof text);
  return text;
}

// The device-to-linear curve of the first channel, evaluated at half scale.
double tone_curve_at_half(cmsHPROFILE profile) {
  const bool gray = cmsGetColorSpace(profile) == cmsSigGrayData;
  const auto* curve =
      static_cast<const cmsToneCurve*>(cmsReadTag(profile, gray ? cmsSigGrayTRCTag : cmsSigRedTRCTag));
  BOOST_REQUIRE(curve != nullptr);
  return cmsEvalToneCurveFloat(curve, 0.5f);
}

bool throws_input_error(const std::filesystem::path& path, const std::string& expected_part) {
  try {
    TiffReader().read(path);
  } catch (const InputError& error) {
    BOOST_TEST_MESSAGE(error.what());
    BOOST_TEST(contains(error.what(), path.string()));
    BOOST_TEST(contains(error.what(), expected_part), error.what() << " lacks '" << expected_part << "'");
    return true;
  }
  return false;
}

// Sets a one-value SHORT or LONG entry of the first directory of a little-endian classic TIFF.
void patch_tag(const std::filesystem::path& path, std::uint16_t tag, std::uint32_t value) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  auto read_bytes = [&](std::uint64_t offset, void* destination, std::size_t count) {
    file.seekg(static_cast<std::streamoff>(offset));
    file.read(static_cast<char*>(destination), static_cast<std::streamsize>(count));
  };
  char order[2];
  read_bytes(0, order, 2);
  BOOST_REQUIRE(order[0] == 'I');  // the tests run on little-endian machines
  std::uint32_t directory = 0;
  read_bytes(4, &directory, 4);
  std::uint16_t entries = 0;
  read_bytes(directory, &entries, 2);
  for (std::uint16_t entry = 0; entry < entries; ++entry) {
    const std::uint64_t at = directory + 2 + 12 * std::uint64_t{entry};
    std::uint16_t entry_tag = 0, type = 0;
    std::uint32_t count = 0;
    read_bytes(at, &entry_tag, 2);
    read_bytes(at + 2, &type, 2);
    read_bytes(at + 4, &count, 4);
    if (entry_tag != tag) continue;
    BOOST_REQUIRE(count == 1);
    file.seekp(static_cast<std::streamoff>(at + 8));
    if (type == TIFF_SHORT) {
      const auto short_value = static_cast<std::uint16_t>(value);
      file.write(reinterpret_cast<const char*>(&short_value), 2);
    } else {
      BOOST_REQUIRE(type == TIFF_LONG);
      file.write(reinterpret_cast<const char*>(&value), 4);
    }
    return;
  }
  BOOST_FAIL("tag " << tag << " not found");
}

}  // namespace

BOOST_AUTO_TEST_CASE(reader_returns_every_layout_exactly) {
  TemporaryDirectory directory;
  TiffReader reader;  // one reader for every file, as a decoding thread uses it
  for (const auto& spec : readable_layouts()) {
    BOOST_TEST_CONTEXT(spec.name) {
      const auto path = directory.path() / "layout.tif";
      write_test_tiff(path, spec);
      const Frame frame = reader.read(path);
      const ImageF expected = expected_frame(spec);
      BOOST_TEST(frame.pixels.width() == expected.width());
      BOOST_TEST(frame.pixels.height() == expected.height());
      BOOST_TEST(frame.pixels.channels() == expected.channels());
      BOOST_TEST(frame.pixels.samples() == expected.samples(), boost::test_tools::per_element());
      const bool is_float = spec.sample_format == SAMPLEFORMAT_IEEEFP;
      BOOST_TEST(frame.info.path == path);
      BOOST_TEST(frame.info.format == "TIFF");
      // The header alone says the same.
      const FrameInfo info = reader.read_info(path);
      BOOST_TEST(info.format == frame.info.format);
      BOOST_TEST((info.encoding == frame.info.encoding));
      BOOST_TEST(info.white_level == frame.info.white_level);
      BOOST_TEST(info.bits_per_sample == frame.info.bits_per_sample);
      BOOST_TEST((frame.info.encoding == (is_float ? Encoding::linear : Encoding::srgb)));
      BOOST_TEST(frame.info.white_level == (is_float ? 1.0 : std::ldexp(1.0, spec.bits) - 1));
      BOOST_TEST(frame.info.bits_per_sample == (is_float ? -32 : spec.bits));
    }
  }
}

BOOST_AUTO_TEST_CASE(reader_names_what_it_does_not_support) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "unsupported.tif";
  const std::vector<std::pair<std::function<void(TiffSpec&)>, std::string>> cases = {
      {[](TiffSpec& spec) { spec.photometric = PHOTOMETRIC_PALETTE; }, "palette"},
      {[](TiffSpec& spec) { spec.photometric = PHOTOMETRIC_SEPARATED, spec.samples = 4; }, "CMYK"},
      // 3 x 2 pixels of 8 bits hold the same bytes as 2 x 2 of 12 bits; the header is relabelled below.
      {[](TiffSpec& spec) { spec.width = 3, spec.height = 2; }, "12-bit unsigned integer"},
      {[](TiffSpec& spec) { spec.bits = 32; }, "32-bit unsigned integer"},
      {[](TiffSpec& spec) { spec.bits = 16, spec.sample_format = SAMPLEFORMAT_INT; },
       "16-bit signed integer"},
      {[](TiffSpec& spec) { spec.orientation = ORIENTATION_BOTRIGHT; }, "orientation 3"},
  };
  for (const auto& [change, expected_part] : cases) {
    BOOST_TEST_CONTEXT(expected_part) {
      TiffSpec spec;
      change(spec);
      write_test_tiff(path, spec);
      if (expected_part.rfind("12-bit", 0) == 0) {
        patch_tag(path, TIFFTAG_BITSPERSAMPLE, 12);
        patch_tag(path, TIFFTAG_IMAGEWIDTH, 2);
      }
      BOOST_TEST(throws_input_error(path, expected_part));
    }
  }
}

BOOST_AUTO_TEST_CASE(strip_beyond_the_end_of_the_file_is_an_input_error) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "lying.tif";
  TiffSpec spec;
  // libtiff itself repairs the byte count of a single uncompressed strip that runs past the end of
  // the file (it recomputes it from the image size), so the lie is told about a compressed one.
  spec.rows_per_strip = 100;
  spec.compression = COMPRESSION_ADOBE_DEFLATE;
  write_test_tiff(path, spec);
  patch_tag(path, TIFFTAG_STRIPBYTECOUNTS, 60000);
  BOOST_TEST(throws_input_error(path, "beyond the end of the file"));
}

BOOST_AUTO_TEST_CASE(truncated_tiff_is_an_input_error) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "truncated.tif";
  TiffSpec spec;
  spec.width = 64, spec.height = 64;
  write_test_tiff(path, spec);
  // libtiff writes the directory after the pixels, so cutting the file loses it.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  BOOST_TEST(throws_input_error(path, "not a readable TIFF"));
}

BOOST_AUTO_TEST_CASE(damaged_compressed_strip_is_an_input_error) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "damaged.tif";
  TiffSpec spec;
  spec.width = 64, spec.height = 64, spec.rows_per_strip = 64, spec.bits = 16;
  spec.compression = COMPRESSION_ADOBE_DEFLATE;
  write_test_tiff(path, spec);
  patch_tag(path, TIFFTAG_STRIPBYTECOUNTS, 100);  // the Deflate stream now ends early
  BOOST_TEST(throws_input_error(path, "cannot decode TIFF strip 0"));
}

BOOST_AUTO_TEST_CASE(missing_and_non_tiff_files_are_input_errors) {
  TemporaryDirectory directory;
  BOOST_TEST(throws_input_error(directory.path() / "absent.tif", "absent.tif"));
  const auto text = directory.path() / "text.tif";
  std::ofstream(text) << "not a TIFF at all";
  BOOST_TEST(throws_input_error(text, "not a readable TIFF"));
}

BOOST_AUTO_TEST_CASE(writers_round_trip_through_the_reader) {
  TemporaryDirectory directory;
  TiffReader reader;
  const auto integers = pattern(31, 9, 3);
  write_tiff16(directory.path() / "sixteen.tif", integers, "", "", false);
  const Frame sixteen = reader.read(directory.path() / "sixteen.tif");
  std::vector<float> expected(integers.samples().begin(), integers.samples().end());
  BOOST_TEST(sixteen.pixels.samples() == expected, boost::test_tools::per_element());
  BOOST_TEST(sixteen.info.white_level == 65535.0);

  // Values a float holds exactly, of both signs and far beyond 0..1, round trip exactly; a double
  // beyond the float range becomes an infinity.
  for (const int channels : {1, 3}) {
    ImageD values(300, 70, channels);  // several strips of 64 KiB
    for (std::size_t index = 0; index < values.samples().size(); ++index) {
      values.samples()[index] = (static_cast<double>(position_hash(index) % 200001) - 100000.0) / 1024.0;
    }
    values.at(0, 0, 1) = 1e30;
    values.at(0, 0, 2) = -std::numeric_limits<float>::denorm_min();
    values.at(channels - 1, 69, 299) = 1e300;
    const auto path = directory.path() / ("float" + std::to_string(channels) + ".tif");
    write_tiff_float(path, values, "float test", "nightstack test", true);
    const Frame frame = reader.read(path);
    std::vector<float> expected_floats(values.samples().begin(), values.samples().end() - 1);
    expected_floats.push_back(std::numeric_limits<float>::infinity());
    BOOST_TEST(frame.pixels.channels() == channels);
    BOOST_TEST(frame.pixels.samples() == expected_floats, boost::test_tools::per_element());
    BOOST_TEST((frame.info.encoding == Encoding::linear));
  }
}

BOOST_AUTO_TEST_CASE(tiffinfo_sees_float_with_floating_point_predictor,
                     *nightstack::testing::NeedsOutsideTool()) {
  nightstack::testing::require_program("tiffinfo", "libtiff-tools");
  TemporaryDirectory directory;
  const auto path = directory.path() / "float.tif";
  write_tiff_float(path, ImageD(40, 30, 3, 0.25), "float stack", "nightstack 0.1.0", true);
  const auto result = nightstack::testing::run_command({"tiffinfo", path.string()});
  BOOST_TEST_MESSAGE("tiffinfo: " << result.out << result.err);
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(contains(result.out, "Bits/Sample: 32"));
  BOOST_TEST(contains(result.out, "Sample Format: IEEE floating point"));
  BOOST_TEST(contains(result.out, "Predictor: floating point predictor"));
  BOOST_TEST(contains(result.out, "ICC Profile: <present>"));
  BOOST_TEST(result.err.empty());
}

BOOST_AUTO_TEST_CASE(both_writers_embed_the_profile_of_their_encoding) {
  TemporaryDirectory directory;
  // sRGB decodes 0.5 to ((0.5 + 0.055) / 1.055)^2.4.
  const double srgb_half = std::pow(0.555 / 1.055, 2.4);
  for (const int channels : {1, 3}) {
    for (const bool linear : {false, true}) {
      for (const bool floating : {false, true}) {
        BOOST_TEST_CONTEXT(channels << " channels, linear " << linear << ", float " << floating) {
          const auto path = directory.path() / "profiled.tif";
          if (floating) {
            write_tiff_float(path, ImageD(4, 3, channels, 0.5), "", "", linear);
          } else {
            write_tiff16(path, pattern(4, 3, channels), "", "", linear);
          }
          const LcmsProfile profile = embedded_profile(path);
          BOOST_TEST((cmsGetColorSpace(profile.get()) == (channels == 1 ? cmsSigGrayData : cmsSigRgbData)));
          const std::string description = profile_description(profile.get());
          BOOST_TEST_MESSAGE("profile: " << description);
          BOOST_TEST(contains(description, linear ? "Linear" : (channels == 1 ? "sRGB curve" : "sRGB")));
          struct tm created {};
          BOOST_TEST(cmsGetHeaderCreationDateTime(profile.get(), &created) != 0);
          BOOST_TEST(created.tm_year == 100);  // 2000, fixed so outputs are reproducible
          const double half = tone_curve_at_half(profile.get());
          BOOST_TEST(std::abs(half - (linear ? 0.5 : srgb_half)) < 1e-4, "curve(0.5) = " << half);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(linear_profile_has_the_srgb_colorants) {
  TemporaryDirectory directory;
  write_tiff16(directory.path() / "srgb.tif", pattern(4, 3, 3), "", "", false);
  write_tiff16(directory.path() / "linear.tif", pattern(4, 3, 3), "", "", true);
  const LcmsProfile srgb = embedded_profile(directory.path() / "srgb.tif");
  const LcmsProfile linear = embedded_profile(directory.path() / "linear.tif");
  for (const auto tag : {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag}) {
    const auto* expected = static_cast<const cmsCIEXYZ*>(cmsReadTag(srgb.get(), tag));
    const auto* actual = static_cast<const cmsCIEXYZ*>(cmsReadTag(linear.get(), tag));
    BOOST_REQUIRE(expected != nullptr);
    BOOST_REQUIRE(actual != nullptr);
    BOOST_TEST(std::abs(actual->X - expected->X) < 1e-6);
    BOOST_TEST(std::abs(actual->Y - expected->Y) < 1e-6);
    BOOST_TEST(std::abs(actual->Z - expected->Z) < 1e-6);
  }
}

BOOST_AUTO_TEST_CASE(same_image_gives_the_same_file) {
  TemporaryDirectory directory;
  const auto first = directory.path() / "first.tif";
  const auto second = directory.path() / "second.tif";
  write_tiff16(first, pattern(20, 10, 3), "same", "nightstack test", false);
  write_tiff16(second, pattern(20, 10, 3), "same", "nightstack test", false);
  auto bytes = [](const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
  };
  BOOST_TEST((bytes(first) == bytes(second)));
}
