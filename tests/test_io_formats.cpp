// Format sniffing: every magic number in the table, near misses, and files that are not images.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "io/formats.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::TemporaryDirectory;

namespace {

std::filesystem::path write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// A plausible file start: the magic bytes followed by enough filler to exceed the sniffed head.
std::string with_filler(const std::string& magic) { return magic + std::string(200, '\x01'); }

// The 80-character card "SIMPLE  =                    T" padded with spaces.
std::string fits_card(const std::string& start) { return start + std::string(80 - start.size(), ' '); }

std::string identified_name(const std::filesystem::path& path) {
  const InputFormat* format = identify_format(path);
  return format != nullptr ? format->name : "(none)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(real_jpeg_and_fits_files_are_identified_and_readable) {
  TemporaryDirectory directory;
  const auto jpeg = directory.path() / "frame.jpg";
  nightstack::testing::write_reference_jpeg(jpeg, PlanarImage<std::uint8_t>(8, 8, 3, 100));
  const auto fits = directory.path() / "frame.fits";
  nightstack::testing::write_reference_fits(fits, ImageD(4, 3, 1, 7.0), -32);

  const InputFormat* jpeg_format = identify_format(jpeg);
  BOOST_REQUIRE(jpeg_format != nullptr);
  BOOST_TEST(jpeg_format->name == "JPEG");
  BOOST_TEST(jpeg_format->make_reader != nullptr);
  const InputFormat* fits_format = identify_format(fits);
  BOOST_REQUIRE(fits_format != nullptr);
  BOOST_TEST(fits_format->name == "FITS");
  BOOST_TEST(fits_format->make_reader != nullptr);
}

BOOST_AUTO_TEST_CASE(extension_does_not_decide) {
  TemporaryDirectory directory;
  const auto misnamed = directory.path() / "really_a_jpeg.fits";
  nightstack::testing::write_reference_jpeg(misnamed, PlanarImage<std::uint8_t>(8, 8, 1, 50));
  BOOST_TEST(identified_name(misnamed) == "JPEG");
}

BOOST_AUTO_TEST_CASE(every_magic_number_in_the_table) {
  using namespace std::string_literals;
  TemporaryDirectory directory;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xFF\xD8\xFF\xE0"s, "JPEG"},
      {fits_card("SIMPLE  =                    T / conforms"), "FITS"},
      {"II*\0"s, "TIFF"},  // not openable as camera RAW, so plain TIFF
      {"MM\0*"s, "TIFF"},
      {"II+\0"s, "TIFF"},
      {"\x89PNG\r\n\x1A\n"s, "PNG"},
      {"\0\0\0\x18"
       "ftypcrx "s,
       "Canon CR3"},
      {"FUJIFILMCCD-RAW 0201"s, "Fujifilm RAF"},
      {"IIRO\x08\0\0\0"s, "Olympus ORF"},
      {"IIRS\x08\0\0\0"s, "Olympus ORF"},
      {"MMOR\0\0\0\x08"s, "Olympus ORF"},
      {"IIU\0\x08\0\0\0"s, "Panasonic RW2"},
  };
  int number = 0;
  for (const auto& [magic, name] : cases) {
    const auto path = write_bytes(directory.path() / ("file" + std::to_string(number++)), with_filler(magic));
    BOOST_TEST(identified_name(path) == name, "magic for " << name);
    const InputFormat* format = identify_format(path);
    // Every recognised format has a reader now.
    BOOST_TEST((format != nullptr && format->make_reader != nullptr));
  }
}

BOOST_AUTO_TEST_CASE(fits_card_must_be_exact) {
  TemporaryDirectory directory;
  const std::vector<std::string> near_misses = {
      fits_card("SIMPLE  =                    F"),  // not a conforming file
      fits_card("SIMPLE = T"),                      // free format
      fits_card("SIMPLE  =                   T"),   // T in column 29
      fits_card("SIMPLEX =                    T"),
      "SIMPLE  =                    T",  // shorter than one card
  };
  int number = 0;
  for (const auto& bytes : near_misses) {
    const auto path = write_bytes(directory.path() / ("near" + std::to_string(number++)), bytes);
    BOOST_TEST(identify_format(path) == nullptr, "near miss: " << bytes);
  }
}

BOOST_AUTO_TEST_CASE(text_empty_and_short_files_match_nothing) {
  TemporaryDirectory directory;
  BOOST_TEST(identify_format(write_bytes(directory.path() / "notes.jpg", "just some text\n")) == nullptr);
  // An empty file named like an image is an error instead (tests/test_bad_input.cpp).
  BOOST_TEST(identify_format(write_bytes(directory.path() / "empty.dat", "")) == nullptr);
  BOOST_TEST(identify_format(write_bytes(directory.path() / "short.jpg", "\xFF\xD8")) == nullptr);
}

BOOST_AUTO_TEST_CASE(directory_is_an_input_error) {
  TemporaryDirectory directory;
  const auto folder = directory.path() / "frames.jpg";
  std::filesystem::create_directory(folder);
  try {
    identify_format(folder);
    BOOST_FAIL("a directory was accepted");
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == folder);
    BOOST_TEST(std::string(error.what()).find(folder.string()) != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("directory") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(missing_file_names_the_operating_system_reason) {
  TemporaryDirectory directory;
  const auto missing = directory.path() / "missing.jpg";
  try {
    identify_format(missing);
    BOOST_FAIL("a missing file was accepted");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()).find(missing.string()) != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("No such file or directory") != std::string::npos);
  }
}
