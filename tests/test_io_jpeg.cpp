// JPEG reading and writing against direct TurboJPEG calls, plus broken and unsupported files.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <turbojpeg.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "io/jpeg_reader.hpp"
#include "io/jpeg_writer.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::TemporaryDirectory;

namespace {

// A pattern with edges and gradients, so a decoder difference would show in many pixels.
PlanarImage<std::uint8_t> pattern(int width, int height, int channels) {
  PlanarImage<std::uint8_t> image(width, height, channels);
  for (int channel = 0; channel < channels; ++channel) {
    for (int row = 0; row < height; ++row) {
      for (int column = 0; column < width; ++column) {
        image.at(channel, row, column) =
            static_cast<std::uint8_t>((column * 17 + row * 31 + channel * 80 + (row / 4 % 2) * 60) % 256);
      }
    }
  }
  return image;
}

void check_equal(const ImageF& decoded, const PlanarImage<std::uint8_t>& reference) {
  BOOST_REQUIRE_EQUAL(decoded.width(), reference.width());
  BOOST_REQUIRE_EQUAL(decoded.height(), reference.height());
  BOOST_REQUIRE_EQUAL(decoded.channels(), reference.channels());
  std::size_t differences = 0;
  for (std::size_t index = 0; index < reference.samples().size(); ++index) {
    if (decoded.samples()[index] != static_cast<float>(reference.samples()[index])) ++differences;
  }
  BOOST_TEST(differences == 0u);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

std::string message_of(JpegReader& reader, const std::filesystem::path& path) {
  try {
    reader.read(path);
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == path);
    return error.what();
  }
  BOOST_FAIL("no InputError for " << path);
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(gray_decodes_like_turbojpeg) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "gray.jpg";
  nightstack::testing::write_reference_jpeg(path, pattern(13, 9, 1));
  JpegReader reader;
  Frame frame = reader.read(path);
  check_equal(frame.pixels, nightstack::testing::decode_reference_jpeg(path));
  BOOST_TEST(frame.pixels.channels() == 1);
  BOOST_TEST(frame.info.path == path);
  BOOST_TEST(frame.info.format == "JPEG");
  BOOST_TEST((frame.info.encoding == Encoding::srgb));
  BOOST_TEST(frame.info.white_level == 255.0);
}

BOOST_AUTO_TEST_CASE(colour_decodes_to_rgb_planes_like_turbojpeg) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "colour.jpg";
  nightstack::testing::write_reference_jpeg(path, pattern(21, 10, 3));
  JpegReader reader;
  Frame frame = reader.read(path);
  BOOST_TEST(frame.pixels.width() == 21);
  BOOST_TEST(frame.pixels.height() == 10);
  check_equal(frame.pixels, nightstack::testing::decode_reference_jpeg(path));
}

BOOST_AUTO_TEST_CASE(one_reader_decodes_a_sequence_of_different_sizes) {
  TemporaryDirectory directory;
  const auto large = directory.path() / "large.jpg";
  const auto small = directory.path() / "small.jpg";
  nightstack::testing::write_reference_jpeg(large, pattern(40, 30, 3));
  nightstack::testing::write_reference_jpeg(small, pattern(5, 3, 1));
  JpegReader reader;
  for (const auto& path : {large, small, large}) {
    check_equal(reader.read(path).pixels, nightstack::testing::decode_reference_jpeg(path));
  }
}

BOOST_AUTO_TEST_CASE(truncated_file_is_an_input_error) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "truncated.jpg";
  nightstack::testing::write_reference_jpeg(path, pattern(64, 64, 3));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  JpegReader reader;
  const std::string message = message_of(reader, path);
  BOOST_TEST(contains(message, path.string()));
  BOOST_TEST(contains(message, "Premature end of JPEG file"));
  // The reader stays usable after an error.
  const auto good = directory.path() / "good.jpg";
  nightstack::testing::write_reference_jpeg(good, pattern(8, 8, 1));
  BOOST_TEST(reader.read(good).pixels.width() == 8);
}

BOOST_AUTO_TEST_CASE(garbage_and_empty_files_are_input_errors) {
  TemporaryDirectory directory;
  const auto garbage = directory.path() / "garbage.jpg";
  std::ofstream(garbage, std::ios::binary) << "\xFF\xD8\xFF this is not really a JPEG";
  const auto empty = directory.path() / "empty.jpg";
  std::ofstream(empty, std::ios::binary).flush();
  JpegReader reader;
  BOOST_TEST(contains(message_of(reader, garbage), garbage.string()));
  BOOST_TEST(contains(message_of(reader, empty), "empty"));
}

BOOST_AUTO_TEST_CASE(cmyk_is_rejected) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "cmyk.jpg";
  std::vector<unsigned char> cmyk(8 * 8 * 4, 90);
  tjhandle compressor = tjInitCompress();
  unsigned char* compressed = nullptr;
  unsigned long size = 0;
  BOOST_REQUIRE(
      tjCompress2(compressor, cmyk.data(), 8, 0, 8, TJPF_CMYK, &compressed, &size, TJSAMP_444, 90, 0) == 0);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(compressed), static_cast<std::streamsize>(size));
  tjFree(compressed);
  tjDestroy(compressor);
  JpegReader reader;
  BOOST_TEST(contains(message_of(reader, path), "CMYK JPEG is not supported"));
}

BOOST_AUTO_TEST_CASE(writer_output_decodes_with_the_right_size) {
  TemporaryDirectory directory;
  for (int channels : {1, 3}) {
    for (int quality : {75, 95}) {
      const auto path =
          directory.path() / ("preview" + std::to_string(channels) + "_" + std::to_string(quality) + ".jpg");
      const auto image = pattern(33, 17, channels);
      write_jpeg(path, image, quality);
      const auto decoded = nightstack::testing::decode_reference_jpeg(path);
      BOOST_TEST(decoded.width() == 33);
      BOOST_TEST(decoded.height() == 17);
      BOOST_TEST(decoded.channels() == channels);
    }
  }
  // A flat image survives JPEG within the rounding of the colour conversion, which checks the
  // plane order.
  PlanarImage<std::uint8_t> flat(16, 16, 3);
  for (int channel = 0; channel < 3; ++channel) {
    for (auto& sample : flat.plane(channel)) sample = static_cast<std::uint8_t>(40 + 80 * channel);
  }
  write_jpeg(directory.path() / "flat.jpg", flat, 100);
  const auto decoded = nightstack::testing::decode_reference_jpeg(directory.path() / "flat.jpg");
  BOOST_TEST(std::abs(decoded.at(0, 5, 5) - 40) <= 1);
  BOOST_TEST(std::abs(decoded.at(1, 5, 5) - 120) <= 1);
  BOOST_TEST(std::abs(decoded.at(2, 5, 5) - 200) <= 1);
  PlanarImage<std::uint8_t> flat_gray(16, 16, 1, 77);
  write_jpeg(directory.path() / "flat_gray.jpg", flat_gray, 100);
  BOOST_TEST(nightstack::testing::decode_reference_jpeg(directory.path() / "flat_gray.jpg").at(0, 9, 9) ==
             77);
}

BOOST_AUTO_TEST_CASE(writer_chooses_chroma_subsampling_from_quality) {
  TemporaryDirectory directory;
  const auto subsampling_of = [](const std::filesystem::path& path) {
    std::string bytes = file_bytes(path);
    tjhandle decompressor = tjInitDecompress();
    int width = 0, height = 0, subsampling = -1, colorspace = 0;
    tjDecompressHeader3(decompressor, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                        &width, &height, &subsampling, &colorspace);
    tjDestroy(decompressor);
    return subsampling;
  };
  write_jpeg(directory.path() / "high.jpg", pattern(16, 16, 3), 90);
  write_jpeg(directory.path() / "low.jpg", pattern(16, 16, 3), 89);
  BOOST_TEST(subsampling_of(directory.path() / "high.jpg") == TJSAMP_444);
  BOOST_TEST(subsampling_of(directory.path() / "low.jpg") == TJSAMP_420);
}

BOOST_AUTO_TEST_CASE(writer_rejects_bad_arguments_before_creating_anything) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "bad.jpg";
  BOOST_CHECK_THROW(write_jpeg(path, pattern(4, 4, 3), 0), std::invalid_argument);
  BOOST_CHECK_THROW(write_jpeg(path, pattern(4, 4, 3), 101), std::invalid_argument);
  BOOST_CHECK_THROW(write_jpeg(path, pattern(4, 4, 2), 90), std::invalid_argument);
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}

BOOST_AUTO_TEST_CASE(writer_reports_an_uncreatable_directory) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "plain_file") << "x";
  const auto destination = directory.path() / "plain_file" / "sub" / "preview.jpg";
  BOOST_CHECK_THROW(write_jpeg(destination, pattern(4, 4, 1), 90), OutputError);
}

BOOST_AUTO_TEST_CASE(writer_leaves_nothing_behind_when_the_disk_is_full) {
  TemporaryDirectory directory;
  const auto destination = directory.path() / "preview.jpg";
  try {
    nightstack::testing::FileSizeLimit limit(1000);
    write_jpeg(destination, pattern(200, 200, 3), 100);
    BOOST_FAIL("the write should have failed");
  } catch (const OutputError& error) {
    BOOST_TEST(contains(error.what(), destination.string()));
    BOOST_TEST(contains(error.what(), "too large"));
  }
  BOOST_TEST(nightstack::testing::directory_entries(directory.path()).empty());
}
