// The scan that keeps files LibRaw 0.20 crashes on away from it (io/libraw_hazards.hpp): the file
// fuzz_raw found is refused by every way into LibRaw with a message naming it; real layouts pass.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/formats.hpp"
#include "io/libraw_hazards.hpp"
#include "io/raw_reader.hpp"
#include "pipeline/errors.hpp"
#include "tests/support/dng_writer.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::contains;
using nightstack::testing::run_nightstack;
using nightstack::testing::TemporaryDirectory;
namespace fs = std::filesystem;

namespace {

const fs::path crash_fixture =
    fs::path(NIGHTSTACK_SOURCE_DIR) / "tests" / "fixtures" / "libraw-crash" / "parse-tiff-ifd-segv.dng";

std::vector<unsigned char> read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// One 12-byte TIFF directory entry in the given byte order.
void put_entry(std::vector<unsigned char>& bytes, std::size_t at, std::uint16_t tag, std::uint16_t type,
               std::uint32_t count, std::uint32_t value, bool big_endian) {
  const auto put = [&](std::size_t offset, std::uint64_t number, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = 8 * (big_endian ? width - 1 - i : i);
      bytes[at + offset + static_cast<std::size_t>(i)] = static_cast<unsigned char>(number >> shift);
    }
  };
  put(0, tag, 2);
  put(2, type, 2);
  put(4, count, 4);
  put(8, value, 4);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_fixture_is_found_in_memory_and_on_disk) {
  const auto bytes = read_bytes(crash_fixture);
  if (!libraw_has_cfa_pattern_defect()) {  // a later LibRaw: the guard stands aside
    BOOST_TEST(!libraw_crash_hazard(bytes));
    return;
  }
  const auto in_memory = libraw_crash_hazard(bytes);
  const auto on_disk = libraw_crash_hazard(crash_fixture);
  BOOST_REQUIRE(in_memory);
  BOOST_REQUIRE(on_disk);
  BOOST_TEST(*in_memory == *on_disk);
  BOOST_TEST(contains(*in_memory, "at byte 262"), *in_memory);
  BOOST_TEST(contains(*in_memory, "tag 33422"), *in_memory);
}

// The remaining cases are about LibRaw 0.20, Debian 12's (the first case checks the guard is off for
// later versions).
BOOST_AUTO_TEST_CASE(entries_are_found_in_both_byte_orders_anywhere) {
  BOOST_REQUIRE(libraw_has_cfa_pattern_defect());
  for (const bool big_endian : {false, true}) {
    for (const std::uint16_t tag : {std::uint16_t{33422}, std::uint16_t{64777}}) {
      // Odd positions, the very end of the buffer and past the first megabyte are all scanned.
      for (const std::size_t at :
           {std::size_t{0}, std::size_t{7}, std::size_t{1'500'001}, std::size_t{2'999'988}}) {
        BOOST_TEST_CONTEXT("big endian " << big_endian << ", tag " << tag << ", at " << at) {
          std::vector<unsigned char> bytes(3'000'000, 0x82);  // the tags' high byte everywhere
          put_entry(bytes, at, tag, 1, 36, 8, big_endian);
          const auto hazard = libraw_crash_hazard(bytes);
          BOOST_REQUIRE(hazard);
          BOOST_TEST(contains(*hazard, "at byte " + std::to_string(at) + " "), *hazard);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(real_layouts_pass) {
  for (const bool big_endian : {false, true}) {
    std::vector<unsigned char> bytes(4096, 0);
    // An X-Trans DNG: CFARepeatPatternDim 6 x 6 (two SHORTs held in the entry) just before the
    // 36-value CFAPattern, as LibRaw needs it.
    const std::uint32_t six_six = big_endian ? (6U << 16 | 6U) : (6U | 6U << 16);
    put_entry(bytes, 100, 33421, 3, 2, six_six, big_endian);
    put_entry(bytes, 112, 33422, 1, 36, 2000, big_endian);
    // A Bayer DNG: a 2 x 2 pattern of 4 values.
    put_entry(bytes, 500, 33421, 3, 2, 0, big_endian);
    put_entry(bytes, 512, 33422, 1, 4, 0x01000201, big_endian);
    BOOST_TEST(!libraw_crash_hazard(bytes));
  }
  BOOST_TEST(!libraw_crash_hazard(std::vector<unsigned char>{}));
  BOOST_TEST(!libraw_crash_hazard(std::vector<unsigned char>(11, 0x82)));
}

BOOST_AUTO_TEST_CASE(the_raw_reader_refuses_the_fixture_every_way_and_still_reads_dngs) {
  BOOST_REQUIRE(libraw_has_cfa_pattern_defect());
  const auto bytes = read_bytes(crash_fixture);
  for (int way = 0; way < 3; ++way) {
    BOOST_TEST_CONTEXT("way " << way) {
      RawReader reader;
      try {
        if (way == 0) reader.read(crash_fixture);
        if (way == 1) reader.read_info(crash_fixture);
        if (way == 2) reader.decode(crash_fixture, bytes);
        BOOST_FAIL("no error");
      } catch (const InputError& error) {
        BOOST_TEST(error.path() == crash_fixture);
        BOOST_TEST(contains(error.what(), "LibRaw 0.20 crashes on such a header"), error.what());
      }
    }
  }
  // Taken for a camera file (a TIFF with a CFA pattern), so the RAW reader's reason reaches the user.
  const InputFormat* format = identify_format(crash_fixture);
  BOOST_REQUIRE(format);
  BOOST_TEST(format->name == "RAW");

  TemporaryDirectory directory;
  const fs::path dng = directory.path() / "bayer.dng";
  nightstack::testing::DngSettings settings;
  settings.mosaic = nightstack::testing::flat_mosaic(64, 48, "RGGB", 1000, 2000, 3000);
  nightstack::testing::write_test_dng(dng, settings);
  BOOST_TEST(!libraw_crash_hazard(dng));
  BOOST_TEST(RawReader().read(dng).pixels.width() > 0);
}

BOOST_AUTO_TEST_CASE(the_binary_names_the_file_and_exits_with_the_input_error_code) {
  BOOST_REQUIRE(libraw_has_cfa_pattern_defect());
  TemporaryDirectory directory;
  const auto result = run_nightstack({"stack", "--quiet", "--method", "mean", "--fits",
                                      (directory.path() / "out.fits").string(), crash_fixture.string()});
  BOOST_TEST(result.exit_code == 4);
  BOOST_TEST(contains(result.err, crash_fixture.string()), result.err);
  BOOST_TEST(contains(result.err, "36-value CFA pattern"), result.err);
  BOOST_TEST(!fs::exists(directory.path() / "out.fits"));
}
