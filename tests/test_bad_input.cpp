// Broken and hostile input files: each must give an InputError naming the file (reader API) and exit
// code 4 with a one-line message naming it (the nightstack binary, default fail policy), never a
// crash or a giant allocation. Files the fuzzers found are kept in tests/fixtures/.
#include <boost/test/unit_test.hpp>

#include <fitsio.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "io/fits_reader.hpp"
#include "io/formats.hpp"
#include "io/jpeg_reader.hpp"
#include "io/png_reader.hpp"
#include "io/raw_reader.hpp"
#include "io/tiff_reader.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::run_nightstack;
using nightstack::testing::TemporaryDirectory;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = fs::path(NIGHTSTACK_SOURCE_DIR) / "tests" / "fixtures";

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

fs::path write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The InputError's message; fails the test if `read` returns or throws anything else, or if the
// error names another file.
std::string input_error(const std::function<void()>& read, const fs::path& path) {
  try {
    read();
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == path);
    BOOST_TEST(contains(error.what(), path.string()), error.what());
    return error.what();
  }
  BOOST_FAIL("no InputError for " << path);
  return "";
}

// Runs `nightstack stack` on the inputs; expects exit code 4 and a one-line message naming `named`.
std::string binary_error(const std::vector<std::string>& inputs, const fs::path& output_directory,
                         const fs::path& named) {
  std::vector<std::string> arguments = {
      "stack",   "--method", "mean", "--fits", (output_directory / "out.fits").string(),
      "--quiet", "--report", "none"};
  arguments.insert(arguments.end(), inputs.begin(), inputs.end());
  const auto result = run_nightstack(arguments);
  BOOST_TEST(result.exit_code == 4, result.err);
  BOOST_TEST(contains(result.err, "error: " + named.string()), result.err);
  BOOST_TEST(!fs::exists(output_directory / "out.fits"));
  return result.err;
}

PlanarImage<std::uint8_t> noise_image(int width, int height, int channels) {
  PlanarImage<std::uint8_t> image(width, height, channels);
  std::uint32_t state = 12345;
  for (auto& sample : image.samples()) {
    state = state * 1664525U + 1013904223U;
    sample = static_cast<std::uint8_t>(state >> 24);
  }
  return image;
}

// A little-endian baseline TIFF written byte by byte, so a test controls every field: 8-bit gray
// samples in one PackBits strip (each row one literal run), the strip's byte count as given. PackBits
// because libtiff quietly recomputes an impossible byte count of an uncompressed strip itself.
struct HandMadeTiff {
  std::uint16_t photometric = 1;                          // MINISBLACK; 32803 = CFA
  std::uint32_t strip_byte_count = rows * (1 + columns);  // the truth
  static constexpr std::uint32_t columns = 16;
  static constexpr std::uint32_t rows = 8;
};

std::uint8_t hand_made_pixel(std::uint32_t row, std::uint32_t column) {
  return static_cast<std::uint8_t>((row * HandMadeTiff::columns + column) * 7);
}

std::string tiff_bytes(const HandMadeTiff& tiff) {
  std::string bytes = std::string("II*\0", 4);
  auto put16 = [&](std::uint16_t value) {
    bytes += {static_cast<char>(value & 0xFF), static_cast<char>(value >> 8)};
  };
  auto put32 = [&](std::uint32_t value) {
    put16(static_cast<std::uint16_t>(value & 0xFFFF));
    put16(static_cast<std::uint16_t>(value >> 16));
  };
  const std::uint32_t strip_bytes = HandMadeTiff::rows * (1 + HandMadeTiff::columns);
  put32(8 + strip_bytes);  // the directory follows the strip
  for (std::uint32_t row = 0; row < HandMadeTiff::rows; ++row) {
    bytes += static_cast<char>(HandMadeTiff::columns - 1);  // a literal run of 16 bytes
    for (std::uint32_t column = 0; column < HandMadeTiff::columns; ++column) {
      bytes += static_cast<char>(hand_made_pixel(row, column));
    }
  }
  // tag, type (3 SHORT, 4 LONG), value; in ascending tag order as TIFF requires.
  const std::vector<std::array<std::uint32_t, 3>> entries = {{256, 4, HandMadeTiff::columns},
                                                             {257, 4, HandMadeTiff::rows},
                                                             {258, 3, 8},
                                                             {259, 3, 32773},
                                                             {262, 3, tiff.photometric},
                                                             {273, 4, 8},
                                                             {277, 3, 1},
                                                             {278, 4, HandMadeTiff::rows},
                                                             {279, 4, tiff.strip_byte_count}};
  put16(static_cast<std::uint16_t>(entries.size()));
  for (const auto& [tag, type, value] : entries) {
    put16(static_cast<std::uint16_t>(tag));
    put16(static_cast<std::uint16_t>(type));
    put32(1);
    if (type == 3) {
      put16(static_cast<std::uint16_t>(value));
      put16(0);
    } else {
      put32(value);
    }
  }
  put32(0);  // no next directory
  return bytes;
}

// A valid FITS written by the test's reference writer, with one header value replaced.
std::string fits_with_value(const fs::path& scratch, const std::string& keyword, const std::string& value) {
  ImageD image(6, 4, 1, 0.5);
  fs::remove(scratch);
  nightstack::testing::write_reference_fits(scratch, image, -32);
  std::string bytes = read_bytes(scratch);
  const std::string key = (keyword + "        ").substr(0, 8) + "= ";
  for (std::size_t card = 0; card + 80 <= bytes.size(); card += 80) {
    if (bytes.compare(card, key.size(), key) == 0) {
      const std::string field = std::string(20 - std::min<std::size_t>(20, value.size()), ' ') + value;
      bytes.replace(card + 10, 20, field);
      return bytes;
    }
  }
  BOOST_FAIL("no " << keyword << " card");
  return bytes;
}

using ReaderFactory = std::function<std::unique_ptr<ImageReader>()>;

const std::vector<std::pair<std::string, ReaderFactory>>& every_reader() {
  static const std::vector<std::pair<std::string, ReaderFactory>> readers = {
      {"JPEG", [] { return std::make_unique<JpegReader>(); }},
      {"FITS", [] { return std::make_unique<FitsReader>(); }},
      {"TIFF", [] { return std::make_unique<TiffReader>(); }},
      {"PNG", [] { return std::make_unique<PngReader>(); }},
      {"RAW", [] { return std::make_unique<RawReader>(); }},
  };
  return readers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(a_truncated_jpeg_is_refused) {
  TemporaryDirectory directory;
  const auto whole = directory.path() / "1-whole.jpg";
  nightstack::testing::write_reference_jpeg(whole, noise_image(64, 48, 3), 95);
  const std::string bytes = read_bytes(whole);
  const auto truncated =
      write_bytes(directory.path() / "2-truncated.jpg", bytes.substr(0, bytes.size() * 3 / 5));
  const std::string message = input_error([&] { JpegReader().read(truncated); }, truncated);
  BOOST_TEST(contains(message, "truncated"), message);
  const std::string err = binary_error({whole.string(), truncated.string()}, directory.path(), truncated);
  BOOST_TEST(contains(err, "frame 1"), err);
}

// Known before fuzzing (and fixed with it, so fuzz_jpeg never met it): a 484-byte file whose header claims
// 30000 x 30000 gray pixels made the reader allocate 4.5 GB before the decoder noticed the data was missing.
BOOST_AUTO_TEST_CASE(a_jpeg_claiming_more_pixels_than_its_size_allows_is_refused_before_allocating) {
  TemporaryDirectory directory;
  const auto path = fixtures / "jpeg-claims-30000x30000.jpg";
  const std::string message = input_error([&] { JpegReader().read(path); }, path);
  BOOST_TEST(contains(message, "30000 x 30000 pixels, more than a file of 484 bytes can hold"), message);
  binary_error({path.string()}, directory.path(), path);
}

BOOST_AUTO_TEST_CASE(a_fits_with_absurd_axis_lengths_is_refused) {
  TemporaryDirectory directory;
  for (const std::string width : {"999999999", "-6", "0"}) {
    const auto path = write_bytes(directory.path() / ("naxis1-" + width + ".fits"),
                                  fits_with_value(directory.path() / "scratch.fits", "NAXIS1", width));
    const std::string message = input_error([&] { FitsReader().read(path); }, path);
    // nightstack's own check or CFITSIO's (which refuses negative lengths itself): both name the value.
    BOOST_TEST((contains(message, "NAXIS1 = " + width) || contains(message, "NAXIS1 with value " + width)),
               message);
    binary_error({path.string()}, directory.path(), path);
  }
  // More axes than FITS allows (999 at most), and more than the image holds.
  for (const std::string axes : {"1000", "-1", "7"}) {
    const auto path = write_bytes(directory.path() / ("naxis-" + axes + ".fits"),
                                  fits_with_value(directory.path() / "scratch.fits", "NAXIS", axes));
    input_error([&] { FitsReader().read(path); }, path);
    binary_error({path.string()}, directory.path(), path);
  }
}

// A tile-compressed FITS (RICE) whose ZNAXIS1 claims 10^8 columns: 1.6 GB of frame from a
// 9 KB file, refused before the frame is allocated.
BOOST_AUTO_TEST_CASE(a_compressed_fits_claiming_more_than_its_size_allows_is_refused) {
  TemporaryDirectory directory;
  const auto compressed = directory.path() / "compressed.fits";
  fitsfile* file = nullptr;
  int status = 0;
  long axes[2] = {6, 4};
  std::vector<float> values(24, 100.0F);
  fits_create_file(&file, compressed.c_str(), &status);
  fits_set_compression_type(file, RICE_1, &status);
  fits_create_img(file, FLOAT_IMG, 2, axes, &status);
  fits_write_img(file, TFLOAT, 1, 24, values.data(), &status);
  fits_close_file(file, &status);
  BOOST_REQUIRE(status == 0);
  BOOST_TEST(FitsReader().read(compressed).pixels.at(0, 3, 5) == 100.0F);

  std::string bytes = read_bytes(compressed);
  const auto card = bytes.find("ZNAXIS1 = ");
  BOOST_REQUIRE(card != std::string::npos);
  bytes.replace(card + 10, 20, "           100000000");
  const auto huge = write_bytes(directory.path() / "huge.fits", bytes);
  const std::string message = input_error([&] { FitsReader().read(huge); }, huge);
  BOOST_TEST(contains(message, "pixels, more than a file of"), message);
  binary_error({huge.string()}, directory.path(), huge);
}

BOOST_AUTO_TEST_CASE(a_tiff_whose_strip_sizes_lie_is_refused) {
  TemporaryDirectory directory;
  const auto honest = write_bytes(directory.path() / "honest.tif", tiff_bytes({}));
  const Frame frame = TiffReader().read(honest);
  BOOST_TEST(frame.pixels.at(0, 7, 15) == static_cast<float>(hand_made_pixel(7, 15)));
  BOOST_TEST(frame.pixels.at(0, 2, 3) == static_cast<float>(hand_made_pixel(2, 3)));

  // Claims far more bytes than the file has: refused before libtiff allocates for it.
  const auto too_long =
      write_bytes(directory.path() / "too-long.tif", tiff_bytes({.strip_byte_count = 4000000000U}));
  const std::string message = input_error([&] { TiffReader().read(too_long); }, too_long);
  BOOST_TEST(contains(message, "strip 0 claims bytes 8 to 4000000008, beyond the end of the file"), message);
  binary_error({too_long.string()}, directory.path(), too_long);

  // Claims fewer bytes than the pixels need: libtiff's short read is reported, naming the strip.
  const auto too_short =
      write_bytes(directory.path() / "too-short.tif", tiff_bytes({.strip_byte_count = 100}));
  const std::string short_message = input_error([&] { TiffReader().read(too_short); }, too_short);
  BOOST_TEST(contains(short_message, "cannot decode TIFF strip 0"), short_message);
  binary_error({too_short.string()}, directory.path(), too_short);

  // Claims so few bytes that no PackBits data (at most 128 bytes from 2) could hold the pixels:
  // refused before the frame is allocated, so a small file cannot claim gigabytes of pixels.
  const auto far_too_short =
      write_bytes(directory.path() / "far-too-short.tif", tiff_bytes({.strip_byte_count = 1}));
  const std::string far_message = input_error([&] { TiffReader().read(far_too_short); }, far_too_short);
  BOOST_TEST(contains(far_message, "16 x 8 pixels of 1 sample, more than its 1 strip of 1 bytes"),
             far_message);
}

BOOST_AUTO_TEST_CASE(raw_files_libraw_cannot_identify_are_refused) {
  TemporaryDirectory directory;
  // Olympus ORF magic followed by nothing a camera wrote: sent to LibRaw, which cannot place it.
  std::string orf = "IIRO";
  orf += std::string("\x08\x00\x00\x00", 4);
  for (int index = 0; index < 400; ++index) orf += static_cast<char>(index * 31);
  const auto unknown = write_bytes(directory.path() / "unknown-camera.orf", orf);
  const std::string message = input_error([&] { RawReader().read(unknown); }, unknown);
  BOOST_TEST(contains(message, "LibRaw cannot open this file"), message);
  binary_error({unknown.string()}, directory.path(), unknown);

  // A TIFF holding a colour filter mosaic but no camera or DNG tags: LibRaw does not take it, and
  // the TIFF reader says what it is instead of decoding a mosaic as a gray image.
  const auto mosaic = write_bytes(directory.path() / "mosaic.dng", tiff_bytes({.photometric = 32803}));
  BOOST_TEST(!is_camera_raw(mosaic));
  const InputFormat* format = identify_format(mosaic);
  BOOST_REQUIRE(format != nullptr);
  BOOST_TEST(format->name == "TIFF");
  const std::string mosaic_message = input_error([&] { TiffReader().read(mosaic); }, mosaic);
  BOOST_TEST(contains(mosaic_message, "colour filter array"), mosaic_message);
  binary_error({mosaic.string()}, directory.path(), mosaic);
}

BOOST_AUTO_TEST_CASE(a_zero_byte_file_is_refused_by_every_reader) {
  TemporaryDirectory directory;
  const auto empty = write_bytes(directory.path() / "frame_2.jpg", "");
  for (const auto& [name, make_reader] : every_reader()) {
    BOOST_TEST_CONTEXT(name) {
      input_error([&] { make_reader()->read(empty); }, empty);
    }
  }
  const std::string message = input_error([&] { identify_format(empty); }, empty);
  BOOST_TEST(contains(message, "empty (0 bytes)"), message);
  // Named like an image among frames: an error, not a file passed over.
  const auto good = directory.path() / "frame_1.jpg";
  nightstack::testing::write_reference_jpeg(good, noise_image(8, 8, 1));
  binary_error({(directory.path() / "frame_*.jpg").string()}, directory.path(), empty);
  // An empty file with another name is still passed over, as any other non-image file.
  fs::rename(empty, directory.path() / "frame_2.txt");
  BOOST_TEST(identify_format(directory.path() / "frame_2.txt") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_directory_named_like_an_image_is_refused) {
  TemporaryDirectory directory;
  const auto folder = directory.path() / "frame_2.jpg";
  fs::create_directory(folder);
  for (const auto& [name, make_reader] : every_reader()) {
    BOOST_TEST_CONTEXT(name) {
      const std::string message = input_error([&] { make_reader()->read(folder); }, folder);
      BOOST_TEST(contains(message, "directory"), message);
    }
  }
  nightstack::testing::write_reference_jpeg(directory.path() / "frame_1.jpg", noise_image(8, 8, 1));
  const std::string err =
      binary_error({(directory.path() / "frame_*.jpg").string()}, directory.path(), folder);
  BOOST_TEST(contains(err, "is a directory"), err);
}

BOOST_AUTO_TEST_CASE(frames_of_different_sizes_are_refused_naming_both) {
  TemporaryDirectory directory;
  const auto first = directory.path() / "a.fits";
  const auto second = directory.path() / "b.fits";
  nightstack::testing::write_reference_fits(first, ImageD(6, 4, 1, 0.25), -32);
  nightstack::testing::write_reference_fits(second, ImageD(6, 5, 1, 0.25), -32);
  const std::string err = binary_error({first.string(), second.string()}, directory.path(), second);
  BOOST_TEST(contains(err, "6x5"), err);
  BOOST_TEST(contains(err, "6x4"), err);
  BOOST_TEST(contains(err, first.string()), err);
  BOOST_TEST(contains(err, "frame 1"), err);
}

// Found by fuzz_fits: CFITSIO reads memory files in whole 2880-byte records and read past the end of
// a file whose last record is not padded out (ASan: heap-buffer-overflow in mem_read). Such files
// are complete as far as their data goes, so they are read, exactly.
BOOST_AUTO_TEST_CASE(a_fits_file_without_its_final_padding_is_read_exactly) {
  TemporaryDirectory directory;
  ImageD image(6, 4, 1);
  for (int row = 0; row < 4; ++row) {
    for (int column = 0; column < 6; ++column) image.at(0, row, column) = row * 10 + column;
  }
  const auto padded = directory.path() / "padded.fits";
  nightstack::testing::write_reference_fits(padded, image, -32);
  const std::string bytes = read_bytes(padded);
  BOOST_REQUIRE(bytes.size() == 2 * 2880);  // one header record, one data record
  const auto unpadded = write_bytes(directory.path() / "unpadded.fits", bytes.substr(0, 2880 + 6 * 4 * 4));
  const Frame frame = FitsReader().read(unpadded);
  for (int row = 0; row < 4; ++row) {
    for (int column = 0; column < 6; ++column) {
      BOOST_TEST(frame.pixels.at(0, row, column) == row * 10 + column);
    }
  }
  // One byte short of the data is refused, naming the file.
  const auto short_data = write_bytes(directory.path() / "short.fits", bytes.substr(0, 2880 + 6 * 4 * 4 - 1));
  const std::string message = input_error([&] { FitsReader().read(short_data); }, short_data);
  BOOST_TEST(
      contains(message,
               "claims 96 bytes of data after 2880 bytes of header, more than a file of 2975 bytes can hold"),
      message);
}

// Every input a fuzz target ever reported, kept in tests/fixtures/fuzz/TARGET/: each reader must give
// a frame or an InputError naming the file.
BOOST_AUTO_TEST_CASE(every_fuzz_finding_gives_a_frame_or_an_input_error) {
  const std::vector<std::pair<std::string, ReaderFactory>> readers = {
      {"jpeg", [] { return std::make_unique<JpegReader>(); }},
      {"fits", [] { return std::make_unique<FitsReader>(); }},
      {"tiff", [] { return std::make_unique<TiffReader>(); }},
      {"png", [] { return std::make_unique<PngReader>(); }},
      {"raw", [] { return std::make_unique<RawReader>(); }},
  };
  int files = 0;
  for (const auto& [target, make_reader] : readers) {
    const auto folder = fixtures / "fuzz" / target;
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::directory_iterator(folder)) {
      BOOST_TEST_CONTEXT(entry.path()) {
        ++files;
        try {
          const Frame frame = make_reader()->read(entry.path());
          BOOST_TEST(frame.pixels.width() > 0);
        } catch (const InputError& error) {
          BOOST_TEST(error.path() == entry.path());
        }
      }
    }
  }
  BOOST_TEST(files > 0);
  // The TIFF one claims 64268 pixels of 26727 samples in 279 bytes of LZW: a 3.4 GB strip buffer
  // was allocated before libtiff found the data missing.
  const auto samples = fixtures / "fuzz" / "tiff" / "extra-samples-4gb-strip.tif";
  const std::string message = input_error([&] { TiffReader().read(samples); }, samples);
  BOOST_TEST(contains(message, "64268 x 1 pixels of 26727 samples, more than its 1 strip of 279 bytes"),
             message);
  // The FITS one holds a complete 10 x 8 x 3 image.
  const Frame frame = FitsReader().read(fixtures / "fuzz" / "fits" / "unpadded-last-record.fits");
  BOOST_TEST(frame.pixels.width() == 10);
  BOOST_TEST(frame.pixels.height() == 8);
  BOOST_TEST(frame.pixels.channels() == 3);
}

// Found by fuzz_config: yaml-cpp 0.7's LoadAll never returned on two of these (7 bytes suffice),
// allocating until the machine ran out of memory; on cycle-into-a-sink.yaml the check for image
// sequences recursed forever around a cycle (stack overflow). Run in a child with a memory cap and a
// time limit, so a regression fails the test instead of the machine.
BOOST_AUTO_TEST_CASE(configs_that_sent_yaml_cpp_into_an_endless_loop_are_config_errors) {
#if defined(__SANITIZE_ADDRESS__)
  const std::string limit = "export ASAN_OPTIONS=hard_rss_limit_mb=1024; ";
#else
  const std::string limit = "ulimit -v 2097152; ";
#endif
  for (const auto& entry : fs::directory_iterator(fixtures / "fuzz" / "config")) {
    BOOST_TEST_CONTEXT(entry.path()) {
      const auto result =
          nightstack::testing::run_command({"sh", "-c", limit + "exec timeout 30 \"$0\" validate \"$1\"",
                                            NIGHTSTACK_BINARY, entry.path().string()});
      BOOST_TEST(result.exit_code == 3, result.err);
      BOOST_TEST(contains(result.err, "error: " + entry.path().string() + ":"), result.err);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
