// PNG in and out: the reader against files written here straight through libpng (bit depths,
// palettes, alpha, interlacing, gAMA), broken files, and the writer against libpng's own reader.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>

#include "io/png_reader.hpp"
#include "io/png_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;

namespace {

std::uint64_t position_hash(std::uint64_t index) {
  std::uint64_t hash = (index + 1) * 0x9E3779B97F4A7C15ull;
  hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9ull;
  return hash ^ (hash >> 31);
}

// What write_test_png writes; plain data, because it lives across libpng's setjmp.
struct TestPngFile {
  std::uint32_t width;
  std::uint32_t height;
  int bit_depth;
  int colour_type;
  const unsigned char* rows;  // packed as the file stores them
  std::size_t row_bytes;
  const png_color* palette;
  int palette_size;
  const png_byte* palette_alpha;  // tRNS for the first palette_alpha_size entries
  int palette_alpha_size;
  bool linear_gamma;  // a gAMA chunk of 1.0
  bool interlaced;    // Adam7
};

bool write_test_png(const char* path, const TestPngFile& spec) {
  std::FILE* file = std::fopen(path, "wb");
  if (file == nullptr) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.colour_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (spec.palette != nullptr) png_set_PLTE(png, info, spec.palette, spec.palette_size);
  if (spec.palette_alpha != nullptr) {
    png_set_tRNS(png, info, spec.palette_alpha, spec.palette_alpha_size, nullptr);
  }
  if (spec.linear_gamma) png_set_gAMA_fixed(png, info, PNG_FP_1);
  png_write_info(png, info);
  const int passes = png_set_interlace_handling(png);
  for (int pass = 0; pass < passes; ++pass) {
    for (std::uint32_t row = 0; row < spec.height; ++row)
      png_write_row(png, spec.rows + row * spec.row_bytes);
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return std::fclose(file) == 0;
}

struct PngCase {
  std::string name;
  int width = 13;
  int height = 7;
  int bit_depth = 8;
  int colour_type = PNG_COLOR_TYPE_GRAY;
  bool interlaced = false;
  bool linear_gamma = false;
  bool palette_alpha = false;
};

int file_channels(int colour_type) {
  switch (colour_type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return 2;
    case PNG_COLOR_TYPE_RGB:
      return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA:
      return 4;
    default:
      return 1;  // gray, palette index
  }
}

// A palette of 2^depth colours, no two alike.
std::vector<png_color> make_palette(int depth) {
  std::vector<png_color> palette(std::size_t{1} << depth);
  for (std::size_t entry = 0; entry < palette.size(); ++entry) {
    palette[entry] = {static_cast<png_byte>(entry * 7 + 3), static_cast<png_byte>(255 - entry),
                      static_cast<png_byte>(entry * 131 % 256)};
  }
  return palette;
}

// Writes the case's file and returns what the reader must give: colour samples only, low gray
// depths scaled to 8 bits, palette entries looked up.
ImageF write_case(const std::filesystem::path& path, const PngCase& test) {
  const int channels = file_channels(test.colour_type);
  const int maximum = (1 << test.bit_depth) - 1;
  const bool palette = test.colour_type == PNG_COLOR_TYPE_PALETTE;
  const auto colours = palette || (test.colour_type & PNG_COLOR_MASK_COLOR) != 0 ? 3 : 1;
  const std::vector<png_color> entries = palette ? make_palette(test.bit_depth) : std::vector<png_color>{};
  const std::vector<png_byte> alpha(entries.size() / 2, 128);
  const std::size_t row_bytes =
      (std::size_t{static_cast<std::size_t>(test.width)} * channels * test.bit_depth + 7) / 8;
  std::vector<unsigned char> rows(row_bytes * test.height, 0);
  ImageF expected(test.width, test.height, colours);
  for (int row = 0; row < test.height; ++row) {
    for (int column = 0; column < test.width; ++column) {
      for (int sample = 0; sample < channels; ++sample) {
        const std::size_t index =
            (std::size_t{static_cast<std::size_t>(row)} * test.width + column) * channels + sample;
        unsigned value = static_cast<unsigned>(position_hash(index) % (maximum + 1u));
        if (index == 0) value = 0;
        if (index + 1 == rows.size() * 8 / test.bit_depth ||
            (row == test.height - 1 && column == test.width - 1)) {
          value = maximum;
        }
        // Pack most significant bits first; 16-bit samples big-endian.
        const std::size_t bit =
            (std::size_t{static_cast<std::size_t>(column)} * channels + sample) * test.bit_depth;
        unsigned char* at = rows.data() + row_bytes * row + bit / 8;
        if (test.bit_depth == 16) {
          at[0] = static_cast<unsigned char>(value >> 8);
          at[1] = static_cast<unsigned char>(value & 0xFF);
        } else {
          at[0] |= static_cast<unsigned char>(value << (8 - test.bit_depth - bit % 8));
        }
        if (palette) {
          expected.at(0, row, column) = entries[value].red;
          expected.at(1, row, column) = entries[value].green;
          expected.at(2, row, column) = entries[value].blue;
        } else if (sample < colours) {
          // 1/2/4-bit gray is expanded by replicating its bits: maximum becomes 255.
          expected.at(sample, row, column) =
              static_cast<float>(test.bit_depth < 8 ? value * (255 / maximum) : value);
        }
      }
    }
  }
  const TestPngFile file{static_cast<std::uint32_t>(test.width),
                         static_cast<std::uint32_t>(test.height),
                         test.bit_depth,
                         test.colour_type,
                         rows.data(),
                         row_bytes,
                         palette ? entries.data() : nullptr,
                         static_cast<int>(entries.size()),
                         test.palette_alpha ? alpha.data() : nullptr,
                         static_cast<int>(alpha.size()),
                         test.linear_gamma,
                         test.interlaced};
  BOOST_REQUIRE(write_test_png(path.c_str(), file));
  return expected;
}

std::vector<PngCase> readable_cases() {
  std::vector<PngCase> cases;
  auto add = [&](std::string name, const std::function<void(PngCase&)>& change) {
    PngCase test;
    test.name = std::move(name);
    change(test);
    cases.push_back(test);
  };
  add("8-bit gray", [](PngCase&) {});
  add("16-bit gray", [](PngCase& test) { test.bit_depth = 16; });
  add("1-bit gray", [](PngCase& test) { test.bit_depth = 1; });
  add("2-bit gray", [](PngCase& test) { test.bit_depth = 2; });
  add("4-bit gray", [](PngCase& test) { test.bit_depth = 4; });
  add("8-bit RGB", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_RGB; });
  add("16-bit RGB", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_RGB, test.bit_depth = 16; });
  add("16-bit RGB interlaced", [](PngCase& test) {
    test.colour_type = PNG_COLOR_TYPE_RGB, test.bit_depth = 16, test.interlaced = true;
  });
  add("2-bit gray interlaced", [](PngCase& test) { test.bit_depth = 2, test.interlaced = true; });
  add("8-bit gray + alpha", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_GRAY_ALPHA; });
  add("16-bit RGBA", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_RGB_ALPHA, test.bit_depth = 16; });
  add("8-bit palette", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_PALETTE; });
  add("4-bit palette", [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_PALETTE, test.bit_depth = 4; });
  add("8-bit palette with transparency",
      [](PngCase& test) { test.colour_type = PNG_COLOR_TYPE_PALETTE, test.palette_alpha = true; });
  add("16-bit gray, gAMA 1.0", [](PngCase& test) { test.bit_depth = 16, test.linear_gamma = true; });
  return cases;
}

bool throws_input_error(PngReader& reader, const std::filesystem::path& path, const std::string& part) {
  try {
    reader.read(path);
  } catch (const InputError& error) {
    BOOST_TEST_MESSAGE(error.what());
    BOOST_TEST(contains(error.what(), path.string()));
    BOOST_TEST(contains(error.what(), part), error.what() << " lacks '" << part << "'");
    return true;
  }
  return false;
}

std::vector<unsigned char> file_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void put_file_bytes(const std::filesystem::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// PNG's CRC-32 (ISO 3309), bit by bit: slow and obviously right.
std::uint32_t crc32(const unsigned char* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t index = 0; index < size; ++index) {
    crc ^= data[index];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

void put_big_endian(unsigned char* at, std::uint32_t value) {
  for (int byte = 0; byte < 4; ++byte) at[byte] = static_cast<unsigned char>(value >> (24 - 8 * byte));
}

template <class Sample>
PlanarImage<Sample> pattern(int width, int height, int channels) {
  PlanarImage<Sample> image(width, height, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    image.samples()[index] = static_cast<Sample>(position_hash(index));
  }
  image.samples().front() = 0;
  image.samples().back() = static_cast<Sample>(~Sample{0});
  return image;
}

// libpng's simplified reader, as an independent check of the writer's 8-bit files.
std::vector<unsigned char> read_with_libpng(const std::filesystem::path& path, int channels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  BOOST_REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  BOOST_REQUIRE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0);
  return pixels;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reader_returns_every_kind_exactly) {
  TemporaryDirectory directory;
  PngReader reader;  // one reader for every file, as a decoding thread uses it
  for (const auto& test : readable_cases()) {
    BOOST_TEST_CONTEXT(test.name) {
      const auto path = directory.path() / "case.png";
      const ImageF expected = write_case(path, test);
      const Frame frame = reader.read(path);
      BOOST_TEST(frame.pixels.width() == expected.width());
      BOOST_TEST(frame.pixels.height() == expected.height());
      BOOST_TEST(frame.pixels.channels() == expected.channels());
      BOOST_TEST(frame.pixels.samples() == expected.samples(), boost::test_tools::per_element());
      BOOST_TEST(frame.info.path == path);
      BOOST_TEST(frame.info.format == "PNG");
      // The header alone says the same.
      const FrameInfo info = reader.read_info(path);
      BOOST_TEST(info.format == frame.info.format);
      BOOST_TEST((info.encoding == frame.info.encoding));
      BOOST_TEST(info.white_level == frame.info.white_level);
      BOOST_TEST(info.bits_per_sample == frame.info.bits_per_sample);
      BOOST_TEST((frame.info.encoding == (test.linear_gamma ? Encoding::linear : Encoding::srgb)));
      BOOST_TEST(frame.info.white_level == (test.bit_depth == 16 ? 65535.0 : 255.0));
      BOOST_TEST(frame.info.bits_per_sample == (test.bit_depth == 16 ? 16 : 8));
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_and_damaged_pngs_are_input_errors) {
  TemporaryDirectory directory;
  PngCase test;
  test.width = 64, test.height = 64, test.colour_type = PNG_COLOR_TYPE_RGB;
  const auto good = directory.path() / "good.png";
  write_case(good, test);
  const std::vector<unsigned char> bytes = file_bytes(good);
  PngReader reader;

  const auto half = directory.path() / "half.png";
  put_file_bytes(half, {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2)});
  BOOST_TEST(throws_input_error(reader, half, "truncated"));

  // Every pixel is there; the IEND chunk is not.
  const auto no_end = directory.path() / "no_end.png";
  put_file_bytes(no_end, {bytes.begin(), bytes.end() - 12});
  BOOST_TEST(throws_input_error(reader, no_end, "truncated"));

  const auto damaged = directory.path() / "damaged.png";
  std::vector<unsigned char> flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;  // inside the image data: its CRC no longer matches
  put_file_bytes(damaged, flipped);
  BOOST_TEST(throws_input_error(reader, damaged, "cannot decode the PNG"));

  const auto signature_only = directory.path() / "signature.png";
  put_file_bytes(signature_only, {bytes.begin(), bytes.begin() + 8});
  BOOST_TEST(throws_input_error(reader, signature_only, "truncated"));

  const auto text = directory.path() / "text.png";
  std::ofstream(text) << "not a PNG";
  BOOST_TEST(throws_input_error(reader, text, "not a PNG"));

  // The reader still works after all those errors.
  BOOST_TEST(reader.read(good).pixels.width() == 64);
}

BOOST_AUTO_TEST_CASE(header_claiming_more_than_the_file_holds_is_refused_before_allocating) {
  TemporaryDirectory directory;
  PngCase test;
  const auto path = directory.path() / "huge.png";
  write_case(path, test);
  std::vector<unsigned char> bytes = file_bytes(path);
  // IHDR starts at byte 8: length, "IHDR", width, height, ..., CRC over type and data.
  put_big_endian(bytes.data() + 16, 100000);
  put_big_endian(bytes.data() + 20, 100000);
  put_big_endian(bytes.data() + 29, crc32(bytes.data() + 12, 17));
  put_file_bytes(path, bytes);
  PngReader reader;
  BOOST_TEST(throws_input_error(reader, path, "100000 x 100000 pixels, more than a file of"));
}

BOOST_AUTO_TEST_CASE(writer_round_trips_8_and_16_bits) {
  TemporaryDirectory directory;
  PngReader reader;
  for (const int channels : {1, 3}) {
    BOOST_TEST_CONTEXT(channels << " channels") {
      const auto eight = pattern<std::uint8_t>(23, 11, channels);
      const auto path8 = directory.path() / "eight.png";
      write_png(path8, eight);
      const Frame frame8 = reader.read(path8);
      BOOST_TEST(frame8.pixels.channels() == channels);
      BOOST_TEST(
          std::vector<float>(eight.samples().begin(), eight.samples().end()) == frame8.pixels.samples(),
          boost::test_tools::per_element());
      BOOST_TEST((frame8.info.encoding == Encoding::srgb));
      BOOST_TEST(frame8.info.white_level == 255.0);

      // libpng's own reader sees the same values (interleaved).
      const std::vector<unsigned char> interleaved = read_with_libpng(path8, channels);
      std::vector<unsigned char> expected;
      for (int row = 0; row < eight.height(); ++row) {
        for (int column = 0; column < eight.width(); ++column) {
          for (int channel = 0; channel < channels; ++channel)
            expected.push_back(eight.at(channel, row, column));
        }
      }
      BOOST_TEST(interleaved == expected, boost::test_tools::per_element());

      const auto sixteen = pattern<std::uint16_t>(23, 11, channels);
      const auto path16 = directory.path() / "sixteen.png";
      write_png(path16, sixteen);
      const Frame frame16 = reader.read(path16);
      BOOST_TEST(
          std::vector<float>(sixteen.samples().begin(), sixteen.samples().end()) == frame16.pixels.samples(),
          boost::test_tools::per_element());
      BOOST_TEST(frame16.info.white_level == 65535.0);
      BOOST_TEST(frame16.info.bits_per_sample == 16);
    }
  }
}

BOOST_AUTO_TEST_CASE(writer_marks_the_file_as_srgb) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "marked.png";
  write_png(path, pattern<std::uint8_t>(4, 4, 3));
  const std::vector<unsigned char> bytes = file_bytes(path);
  const std::string text(bytes.begin(), bytes.end());
  const auto ihdr = text.find("IHDR");
  const auto srgb = text.find("sRGB");
  const auto idat = text.find("IDAT");
  BOOST_TEST(ihdr != std::string::npos);
  BOOST_TEST((srgb != std::string::npos && srgb < idat));
  BOOST_TEST((text.find("gAMA") < idat));
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()) ==
             std::vector<std::string>{"marked.png"});
}

BOOST_AUTO_TEST_CASE(writer_refuses_bad_images_before_writing) {
  TemporaryDirectory directory;
  BOOST_CHECK_THROW(write_png(directory.path() / "two.png", pattern<std::uint8_t>(4, 4, 2)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(write_png(directory.path() / "empty.png", PlanarImage<std::uint16_t>()),
                    std::invalid_argument);
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(writer_failures_are_output_errors_and_leave_nothing) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "plain_file") << "x";
  const auto impossible = directory.path() / "plain_file" / "out" / "stack.png";
  try {
    write_png(impossible, pattern<std::uint8_t>(4, 4, 1));
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST(error.path() == impossible);
  }

  const auto destination = directory.path() / "full.png";
  try {
    nightstack::testing::FileSizeLimit limit(2000);
    write_png(destination, pattern<std::uint16_t>(200, 200, 3));
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST_MESSAGE("full disk: " << error.what());
    BOOST_TEST(contains(error.what(), destination.string()));
    BOOST_TEST(contains(error.what(), "cannot write PNG"));
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()) ==
             std::vector<std::string>{"plain_file"});
}
