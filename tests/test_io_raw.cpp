// The LibRaw reader on DNGs written with known raw values (exact CFA values, linearity and scale of
// the RGB output, white balance, metadata), on a real camera DNG, and on broken files.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "io/formats.hpp"
#include "io/raw_reader.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/timestamp.hpp"
#include "tests/support/dng_writer.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::DngSettings;
using nightstack::testing::flat_mosaic;
using nightstack::testing::TemporaryDirectory;
using nightstack::testing::write_test_dng;

namespace {

// white - black = 4369 = 65535 / 15, so LibRaw's scale to 65535 is exactly 15.
constexpr std::uint16_t black = 512;
constexpr std::uint32_t white = 512 + 4369;
constexpr float scale = 15.0F;

const std::filesystem::path real_dng =
    std::filesystem::path(NIGHTSTACK_SOURCE_DIR) / "data/raw/colorchart.dng";

DngSettings flat_settings(std::uint16_t red, std::uint16_t green, std::uint16_t blue,
                          const std::string& pattern = "RGGB") {
  DngSettings settings;
  settings.mosaic = flat_mosaic(64, 48, pattern, red, green, blue);
  settings.cfa_pattern = pattern;
  settings.black_level = {black};
  settings.white_level = white;
  return settings;
}

std::filesystem::path write_dng(const TemporaryDirectory& directory, const std::string& name,
                                const DngSettings& settings) {
  const auto path = directory.path() / name;
  write_test_dng(path, settings);
  return path;
}

ReadOptions linear_options(const std::string& white_balance = "none") {
  ReadOptions options;
  options.raw_mode = "rgb";
  options.demosaic = "linear";
  options.white_balance = white_balance;
  options.colour_space = "raw";
  return options;
}

ReadOptions cfa_options() {
  ReadOptions options;
  options.raw_mode = "cfa";
  return options;
}

float plane_minimum(const ImageF& image, int channel) {
  const auto plane = image.plane(channel);
  return *std::min_element(plane.begin(), plane.end());
}

float plane_maximum(const ImageF& image, int channel) {
  const auto plane = image.plane(channel);
  return *std::max_element(plane.begin(), plane.end());
}

// Every pixel of the plane has the value (a flat field stays flat through demosaicing).
void check_flat(const ImageF& image, int channel, float value) {
  BOOST_TEST(plane_minimum(image, channel) == value, "channel " << channel);
  BOOST_TEST(plane_maximum(image, channel) == value, "channel " << channel);
}

std::string input_error_message(RawReader& reader, const std::filesystem::path& path) {
  try {
    reader.read(path);
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == path);
    BOOST_TEST(std::string(error.what()).find(path.string()) != std::string::npos);
    return error.what();
  }
  BOOST_FAIL("no InputError for " << path);
  return "";
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

std::string identified_name(const std::filesystem::path& path) {
  const InputFormat* format = identify_format(path);
  return format != nullptr ? format->name : "(none)";
}

// Sets TZ for the life of the object, so local-time conversions are tested away from UTC.
class TimeZone {
 public:
  explicit TimeZone(const char* zone) {
    if (const char* previous = std::getenv("TZ")) previous_ = previous;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~TimeZone() {
    if (previous_) {
      ::setenv("TZ", previous_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  TimeZone(const TimeZone&) = delete;
  TimeZone& operator=(const TimeZone&) = delete;

 private:
  std::optional<std::string> previous_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cfa_mode)

BOOST_AUTO_TEST_CASE(returns_the_mosaic_minus_black_exactly) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(0, 0, 0);
  // Every pixel different, some below black (noise around the black level stays negative).
  for (int row = 0; row < 48; ++row) {
    for (int column = 0; column < 64; ++column) {
      settings.mosaic.at(0, row, column) = static_cast<std::uint16_t>(500 + (row * 64 + column) % 4381);
    }
  }
  RawReader reader(cfa_options());
  const Frame frame = reader.read(write_dng(directory, "mosaic.dng", settings));
  BOOST_REQUIRE_EQUAL(frame.pixels.channels(), 1);
  BOOST_REQUIRE_EQUAL(frame.pixels.width(), 64);
  BOOST_REQUIRE_EQUAL(frame.pixels.height(), 48);
  std::size_t differences = 0;
  for (int row = 0; row < 48; ++row) {
    for (int column = 0; column < 64; ++column) {
      const float expected = static_cast<float>(settings.mosaic.at(0, row, column)) - black;
      if (frame.pixels.at(0, row, column) != expected) ++differences;
    }
  }
  BOOST_TEST(differences == 0u);
  BOOST_TEST(frame.pixels.at(0, 0, 0) == -12.0F);
  BOOST_TEST(frame.info.cfa_pattern == "RGGB");
  BOOST_TEST(frame.info.black_level == black);
  BOOST_TEST(frame.info.white_level == 4369.0);
  BOOST_TEST(frame.info.bits_per_sample == 13);  // 4881 needs 13 bits
  BOOST_TEST(frame.info.format == "RAW");
  BOOST_TEST((frame.info.encoding == Encoding::linear));
  BOOST_TEST(frame.info.path == directory.path() / "mosaic.dng");
}

BOOST_AUTO_TEST_CASE(reports_each_bayer_pattern) {
  TemporaryDirectory directory;
  RawReader reader(cfa_options());
  for (const std::string pattern : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
    const auto path = write_dng(directory, pattern + ".dng", flat_settings(1000, 2000, 3000, pattern));
    const Frame frame = reader.read(path);
    BOOST_TEST(frame.info.cfa_pattern == pattern);
    // The top-left cell holds the values of the colours the pattern names.
    for (int index = 0; index < 4; ++index) {
      const char letter = pattern[static_cast<std::size_t>(index)];
      const float expected = (letter == 'R' ? 1000.0F : letter == 'G' ? 2000.0F : 3000.0F) - black;
      BOOST_TEST(frame.pixels.at(0, index / 2, index % 2) == expected, pattern << " position " << index);
    }
  }
}

BOOST_AUTO_TEST_CASE(subtracts_a_black_level_per_cell_position) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(1000, 1000, 1000);
  settings.black_level = {100.0F, 101.0F, 102.0F, 103.0F};
  RawReader reader(cfa_options());
  const Frame frame = reader.read(write_dng(directory, "cell_black.dng", settings));
  BOOST_TEST(frame.pixels.at(0, 0, 0) == 900.0F);
  BOOST_TEST(frame.pixels.at(0, 0, 1) == 899.0F);
  BOOST_TEST(frame.pixels.at(0, 1, 0) == 898.0F);
  BOOST_TEST(frame.pixels.at(0, 1, 1) == 897.0F);
  BOOST_TEST(frame.pixels.at(0, 46, 62) == 900.0F);
  BOOST_TEST(frame.pixels.at(0, 47, 63) == 897.0F);
  BOOST_TEST(frame.info.black_level == 101.5);
}

BOOST_AUTO_TEST_CASE(both_dng_layouts_read_alike) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(700, 800, 900, "GRBG");
  settings.mosaic.at(0, 5, 7) = 4000;
  const auto with_thumbnail = write_dng(directory, "subifd.dng", settings);
  settings.thumbnail = false;
  const auto raw_in_ifd0 = write_dng(directory, "ifd0.dng", settings);
  RawReader reader(cfa_options());
  const Frame first = reader.read(with_thumbnail);
  const Frame second = reader.read(raw_in_ifd0);
  BOOST_TEST(first.pixels.samples() == second.pixels.samples());
  BOOST_TEST(first.info.cfa_pattern == "GRBG");
  BOOST_TEST(second.info.cfa_pattern == "GRBG");
}

BOOST_AUTO_TEST_CASE(needs_a_bayer_sensor) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(0, 0, 0);
  settings.mosaic = PlanarImage<std::uint16_t>(64, 48, 3, 1000);  // LinearRaw: already RGB
  const auto path = write_dng(directory, "linear_raw.dng", settings);
  RawReader cfa_reader(cfa_options());
  const std::string message = input_error_message(cfa_reader, path);
  BOOST_TEST(message.find("cfa mode needs a Bayer sensor") != std::string::npos, message);
  // rgb mode reads it.
  RawReader rgb_reader(linear_options());
  const Frame frame = rgb_reader.read(path);
  BOOST_TEST(frame.pixels.channels() == 3);
  check_flat(frame.pixels, 1, (1000.0F - black) * scale);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rgb_mode)

// Flat colour fields, so that demosaicing is exact; white balance none, raw colour.
BOOST_AUTO_TEST_CASE(is_linear_and_maps_the_white_level_to_65535) {
  TemporaryDirectory directory;
  const auto single =
      write_dng(directory, "single.dng", flat_settings(black + 100, black + 200, black + 300));
  const auto twice = write_dng(directory, "twice.dng", flat_settings(black + 200, black + 400, black + 600));
  const auto full = write_dng(directory, "full.dng", flat_settings(white, white, white));
  RawReader reader(linear_options());
  const Frame one = reader.read(single);
  const Frame two = reader.read(twice);
  const Frame saturated = reader.read(full);
  BOOST_REQUIRE_EQUAL(one.pixels.channels(), 3);
  BOOST_REQUIRE_EQUAL(one.pixels.width(), 64);
  BOOST_REQUIRE_EQUAL(one.pixels.height(), 48);
  check_flat(one.pixels, 0, 100 * scale);
  check_flat(one.pixels, 1, 200 * scale);
  check_flat(one.pixels, 2, 300 * scale);
  check_flat(two.pixels, 0, 200 * scale);
  check_flat(two.pixels, 1, 400 * scale);
  check_flat(two.pixels, 2, 600 * scale);
  for (int channel = 0; channel < 3; ++channel) check_flat(saturated.pixels, channel, 65535.0F);
  BOOST_TEST(one.info.white_level == 65535.0);
  BOOST_TEST(one.info.black_level == black);
  BOOST_TEST((one.info.encoding == Encoding::linear));
  BOOST_TEST(one.info.cfa_pattern.empty());
  BOOST_TEST(one.info.colour_processing == "raw: linear demosaic, white balance none, colour raw");
}

// LibRaw by default lowers its white level to the brightest pixel of the frame when that is above
// 75% of it, which would scale bright frames differently from dark ones.
BOOST_AUTO_TEST_CASE(scale_does_not_depend_on_the_brightest_pixel) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(black + 100, black + 100, black + 100);
  const auto dark = write_dng(directory, "dark.dng", settings);
  for (int row = 0; row < 8; ++row) {
    for (int column = 0; column < 8; ++column)
      settings.mosaic.at(0, row, column) = black + 4000;  // 92% of white
  }
  const auto bright = write_dng(directory, "bright.dng", settings);
  RawReader reader(linear_options());
  const Frame dark_frame = reader.read(dark);
  const Frame bright_frame = reader.read(bright);
  BOOST_TEST(dark_frame.pixels.at(1, 40, 50) == 100 * scale);
  BOOST_TEST(bright_frame.pixels.at(1, 40, 50) == 100 * scale);
  BOOST_TEST(bright_frame.pixels.at(1, 2, 2) == 4000 * scale);
}

BOOST_AUTO_TEST_CASE(white_balance_choices) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(black + 1000, black + 1000, black + 1000);
  settings.as_shot_neutral = {0.5, 1.0, 0.8};  // camera multipliers 2, 1, 1.25
  const auto path = write_dng(directory, "balance.dng", settings);

  RawReader none(linear_options("none"));
  const Frame unbalanced = none.read(path);
  for (int channel = 0; channel < 3; ++channel) check_flat(unbalanced.pixels, channel, 15000.0F);

  RawReader camera(linear_options("camera"));
  const Frame balanced = camera.read(path);
  check_flat(balanced.pixels, 0, 30000.0F);
  check_flat(balanced.pixels, 1, 15000.0F);
  check_flat(balanced.pixels, 2, 18750.0F);
  BOOST_TEST(balanced.info.colour_processing == "raw: linear demosaic, white balance camera, colour raw");

  // The test camera's colour matrix is sRGB's, so its daylight multipliers are all 1.
  RawReader daylight(linear_options("daylight"));
  const Frame daylight_frame = daylight.read(path);
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST(std::abs(daylight_frame.pixels.at(channel, 20, 20) - 15000.0F) <= 15.0F,
               "channel " << channel);
  }
}

BOOST_AUTO_TEST_CASE(srgb_colour_space_of_an_srgb_camera_changes_little) {
  TemporaryDirectory directory;
  const auto path =
      write_dng(directory, "colour.dng", flat_settings(black + 1000, black + 2000, black + 3000));
  ReadOptions options = linear_options();
  options.colour_space = "srgb";
  RawReader reader(options);
  const Frame frame = reader.read(path);
  BOOST_TEST(std::abs(frame.pixels.at(0, 20, 20) - 15000.0F) <= 150.0F);
  BOOST_TEST(std::abs(frame.pixels.at(1, 20, 20) - 30000.0F) <= 300.0F);
  BOOST_TEST(std::abs(frame.pixels.at(2, 20, 20) - 45000.0F) <= 450.0F);
  BOOST_TEST(frame.info.colour_processing == "raw: linear demosaic, white balance none, colour srgb");
}

BOOST_AUTO_TEST_CASE(every_demosaic_method_keeps_a_flat_field) {
  TemporaryDirectory directory;
  const auto path = write_dng(directory, "flat.dng", flat_settings(black + 1000, black + 2000, black + 3000));
  for (const std::string method : {"linear", "vng", "ppg", "ahd", "dcb", "dht", "aahd"}) {
    ReadOptions options = linear_options();
    options.demosaic = method;
    RawReader reader(options);
    const Frame frame = reader.read(path);
    BOOST_REQUIRE_EQUAL(frame.pixels.channels(), 3);
    // Away from the borders, which some methods treat roughly.
    for (int channel = 0; channel < 3; ++channel) {
      const float expected = 15000.0F * static_cast<float>(channel + 1);
      const float value = frame.pixels.at(channel, 24, 32);
      BOOST_TEST(std::abs(value - expected) <= expected * 0.01F,
                 method << " channel " << channel << ": " << value);
    }
    BOOST_TEST(frame.info.colour_processing.find("demosaic") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(half_size_halves_the_dimensions) {
  TemporaryDirectory directory;
  const auto path = write_dng(directory, "half.dng", flat_settings(black + 100, black + 200, black + 300));
  ReadOptions options = linear_options();
  options.half_size = true;
  RawReader reader(options);
  const Frame frame = reader.read(path);
  BOOST_TEST(frame.pixels.width() == 32);
  BOOST_TEST(frame.pixels.height() == 24);
  check_flat(frame.pixels, 0, 100 * scale);
  check_flat(frame.pixels, 1, 200 * scale);
  check_flat(frame.pixels, 2, 300 * scale);
  BOOST_TEST(frame.info.colour_processing.find("half size") != std::string::npos);
}

// A camera's orientation sensor can flip between frames when it points at the zenith; frames stay
// in the sensor's orientation so that such a sequence still stacks.
BOOST_AUTO_TEST_CASE(ignores_the_orientation_flag) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(black + 100, black + 200, black + 300);
  settings.mosaic.at(0, 0, 0) = black + 1000;
  settings.orientation = 6;
  const auto path = write_dng(directory, "portrait.dng", settings);
  for (const std::string mode : {"cfa", "rgb"}) {
    ReadOptions options = linear_options();
    options.raw_mode = mode;
    RawReader reader(options);
    const Frame frame = reader.read(path);
    BOOST_TEST(frame.pixels.width() == 64, mode);
    BOOST_TEST(frame.pixels.height() == 48, mode);
    BOOST_TEST(frame.pixels.at(0, 0, 0) == (mode == "cfa" ? 1000.0F : 1000.0F * scale), mode);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(capture_metadata_is_read_back) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(1000, 1000, 1000);
  settings.exposure_seconds = 1.0 / 30.0;
  settings.iso = 1600;
  settings.make = "Nightstack";
  settings.model = "Star Camera 1";
  settings.date_time_original = "2024:03:15 22:30:45";
  const auto path = write_dng(directory, "metadata.dng", settings);
  // LibRaw reads the EXIF date as local time; the reader must give back the camera's wall clock
  // whatever this machine's time zone.
  for (const char* zone : {"UTC0", "XST-5:30", "EST5EDT,M3.2.0,M11.1.0"}) {
    TimeZone time_zone(zone);
    for (const std::string mode : {"cfa", "rgb"}) {
      ReadOptions options = linear_options();
      options.raw_mode = mode;
      RawReader reader(options);
      const CaptureInfo capture = reader.read(path).info.capture;
      BOOST_REQUIRE(capture.exposure_seconds.has_value());
      BOOST_TEST(*capture.exposure_seconds == 1.0 / 30.0, boost::test_tools::tolerance(1e-6));
      BOOST_REQUIRE(capture.iso.has_value());
      BOOST_TEST(*capture.iso == 1600.0);
      BOOST_TEST(capture.camera_make == "Nightstack");
      BOOST_TEST(capture.camera_model == "Star Camera 1");
      BOOST_TEST(capture.instrument.empty());
      BOOST_REQUIRE(capture.start_time.has_value());
      BOOST_TEST(format_timestamp(*capture.start_time, 0) == "2024-03-15T22:30:45", zone << " " << mode);
      BOOST_TEST(!capture.start_time_is_utc);
    }
  }
}

BOOST_AUTO_TEST_CASE(read_info_matches_read_without_unpacking) {
  TemporaryDirectory directory;
  DngSettings settings = flat_settings(1000, 1000, 1000, "GBRG");
  settings.exposure_seconds = 30.0;
  settings.iso = 800;
  settings.date_time_original = "2022:12:31 23:00:00";
  settings.as_shot_neutral = {0.5, 1.0, 0.8};
  const auto path = write_dng(directory, "info.dng", settings);
  for (const std::string mode : {"cfa", "rgb"}) {
    ReadOptions options;
    options.raw_mode = mode;
    RawReader reader(options);
    const FrameInfo info = reader.read_info(path);
    const FrameInfo expected = reader.read(path).info;
    BOOST_TEST(info.path == expected.path);
    BOOST_TEST(info.format == expected.format);
    BOOST_TEST(info.white_level == expected.white_level, mode);
    BOOST_TEST(info.black_level == expected.black_level, mode);
    BOOST_TEST(info.bits_per_sample == expected.bits_per_sample);
    BOOST_TEST(info.cfa_pattern == expected.cfa_pattern, mode);
    BOOST_TEST(info.colour_processing == expected.colour_processing, mode);
    BOOST_TEST((info.capture.exposure_seconds == expected.capture.exposure_seconds));
    BOOST_TEST((info.capture.iso == expected.capture.iso));
    BOOST_TEST((info.capture.start_time == expected.capture.start_time));
    BOOST_TEST(info.capture.start_time.has_value());
    BOOST_TEST(info.capture.camera_model == expected.capture.camera_model);
  }
}

BOOST_AUTO_TEST_CASE(missing_metadata_stays_unknown) {
  TemporaryDirectory directory;
  const auto path = write_dng(directory, "bare.dng", flat_settings(1000, 1000, 1000));
  RawReader reader(cfa_options());
  const CaptureInfo capture = reader.read(path).info.capture;
  BOOST_TEST(!capture.exposure_seconds.has_value());
  BOOST_TEST(!capture.iso.has_value());
  BOOST_TEST(!capture.start_time.has_value());
}

BOOST_AUTO_TEST_SUITE(real_camera_dng)

// data/raw/colorchart.dng: Canon EOS 550D (Kiss X4) via Magic Lantern, 14-bit, RGGB (PROVENANCE.txt).
BOOST_AUTO_TEST_CASE(reads_in_cfa_mode) {
  RawReader reader(cfa_options());
  const Frame frame = reader.read(real_dng);
  BOOST_TEST_MESSAGE("colorchart.dng cfa: " << frame.pixels.width() << " x " << frame.pixels.height() << ", "
                                            << frame.info.cfa_pattern << ", black " << frame.info.black_level
                                            << ", white " << frame.info.white_level);
  BOOST_TEST(frame.pixels.width() == 1734);
  BOOST_TEST(frame.pixels.height() == 1156);
  BOOST_TEST(frame.pixels.channels() == 1);
  BOOST_TEST(frame.info.cfa_pattern == "RGGB");
  BOOST_TEST(frame.info.black_level == 2056.0);
  BOOST_TEST(frame.info.white_level == 15000.0 - 2056.0);
  BOOST_TEST(frame.info.bits_per_sample == 14);
  BOOST_TEST(plane_maximum(frame.pixels, 0) <= frame.info.white_level);
  BOOST_TEST(plane_minimum(frame.pixels, 0) >= -frame.info.black_level);
  // A lit chart: the mean is well above black.
  double sum = 0;
  for (float value : frame.pixels.samples()) sum += value;
  BOOST_TEST(sum / static_cast<double>(frame.pixels.samples().size()) > 100.0);

  const CaptureInfo& capture = frame.info.capture;
  BOOST_TEST_MESSAGE("colorchart.dng metadata: make '" << capture.camera_make << "', model '"
                                                       << capture.camera_model << "'");
  BOOST_TEST(capture.camera_make == "Canon");
  BOOST_TEST(capture.camera_model == "EOS Kiss X4");  // LibRaw's name; the 550D's Japanese name
  // The file's EXIF leaves ISO and the date empty (zero); they stay unknown.
  BOOST_TEST(!capture.iso.has_value());
  BOOST_TEST(!capture.start_time.has_value());
  // Its ExposureTime is 0 too, but ShutterSpeedValue is 0, which is APEX for 1 s; LibRaw says 1 s.
  BOOST_TEST((capture.exposure_seconds == std::optional<double>(1.0)));
}

BOOST_AUTO_TEST_CASE(reads_in_rgb_mode) {
  ReadOptions options;  // the defaults: AHD, camera white balance, raw colour
  RawReader reader(options);
  const Frame frame = reader.read(real_dng);
  BOOST_TEST(frame.pixels.width() == 1734);
  BOOST_TEST(frame.pixels.height() == 1156);
  BOOST_TEST(frame.pixels.channels() == 3);
  BOOST_TEST(frame.info.white_level == 65535.0);
  BOOST_TEST(frame.info.colour_processing == "raw: AHD demosaic, white balance camera, colour raw");
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST(plane_minimum(frame.pixels, channel) >= 0.0F);
    BOOST_TEST(plane_maximum(frame.pixels, channel) <= 65535.0F);
    BOOST_TEST(plane_maximum(frame.pixels, channel) > 1000.0F);
  }
}

BOOST_AUTO_TEST_CASE(is_identified_as_raw) {
  const InputFormat* format = identify_format(real_dng);
  BOOST_REQUIRE(format != nullptr);
  BOOST_TEST(format->name == "RAW");
  BOOST_TEST(format->make_reader != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(broken_and_other_files)

BOOST_AUTO_TEST_CASE(a_written_dng_is_raw_and_a_plain_tiff_is_tiff) {
  TemporaryDirectory directory;
  const auto dng = write_dng(directory, "frame.dng", flat_settings(1000, 1000, 1000));
  BOOST_TEST(identified_name(dng) == "RAW");

  // A plain 8-bit RGB TIFF, even one whose Make tag names a camera maker.
  for (const bool with_make : {false, true}) {
    const auto tiff_path = directory.path() / (with_make ? "canon.tif" : "plain.tif");
    {
      std::unique_ptr<TIFF, void (*)(TIFF*)> tiff(TIFFOpen(tiff_path.c_str(), "w"), TIFFClose);
      BOOST_REQUIRE(tiff);
      TIFFSetField(tiff.get(), TIFFTAG_IMAGEWIDTH, 32);
      TIFFSetField(tiff.get(), TIFFTAG_IMAGELENGTH, 24);
      TIFFSetField(tiff.get(), TIFFTAG_BITSPERSAMPLE, 8);
      TIFFSetField(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, 3);
      TIFFSetField(tiff.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
      TIFFSetField(tiff.get(), TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      if (with_make) {
        TIFFSetField(tiff.get(), TIFFTAG_MAKE, "Canon");
        TIFFSetField(tiff.get(), TIFFTAG_MODEL, "Canon EOS 550D");
      }
      std::vector<unsigned char> row(32 * 3, 90);
      for (std::uint32_t y = 0; y < 24; ++y)
        BOOST_REQUIRE(TIFFWriteScanline(tiff.get(), row.data(), y, 0) == 1);
    }
    const InputFormat* format = identify_format(tiff_path);
    BOOST_REQUIRE(format != nullptr);
    BOOST_TEST(format->name == "TIFF", tiff_path);
    BOOST_TEST(!is_camera_raw(tiff_path));
    RawReader reader;
    const std::string message = input_error_message(reader, tiff_path);
    BOOST_TEST(message.find("LibRaw cannot open this file: Unsupported file format or not RAW file") !=
                   std::string::npos,
               message);
  }
}

BOOST_AUTO_TEST_CASE(a_truncated_dng_is_an_input_error) {
  TemporaryDirectory directory;
  // colorchart.dng has its directory first, so a cut keeps the header and loses pixel rows.
  const std::string bytes = file_bytes(real_dng);
  const auto short_real = directory.path() / "short_real.dng";
  std::ofstream(short_real, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  for (const std::string mode : {"cfa", "rgb"}) {
    ReadOptions options;
    options.raw_mode = mode;
    RawReader reader(options);
    const std::string message = input_error_message(reader, short_real);
    BOOST_TEST(message.find("the file is truncated") != std::string::npos, message);
  }

  // libtiff writes its directories after the pixels, so a cut loses the directory.
  const std::string written = file_bytes(write_dng(directory, "whole.dng", flat_settings(1000, 1000, 1000)));
  const auto short_written = directory.path() / "short_written.dng";
  std::ofstream(short_written, std::ios::binary) << written.substr(0, written.size() / 2);
  RawReader reader(cfa_options());
  const std::string message = input_error_message(reader, short_written);
  BOOST_TEST(message.find("LibRaw cannot open this file") != std::string::npos, message);
}

// The dimensions in IFD0 of a copy of colorchart.dng raised to 60000 x 60000 (7.2 GB of 16-bit
// samples in a 4 MB file): LibRaw's memory limit refuses it before anything is allocated.
BOOST_AUTO_TEST_CASE(a_header_claiming_a_huge_image_is_refused) {
  TemporaryDirectory directory;
  std::string bytes = file_bytes(real_dng);
  BOOST_REQUIRE(bytes.compare(0, 4, std::string("II*\0", 4)) == 0);
  const auto little_endian = [&bytes](std::size_t offset, int size) {
    std::uint32_t value = 0;
    for (int index = size - 1; index >= 0; --index)
      value = value << 8 | static_cast<unsigned char>(bytes[offset + index]);
    return value;
  };
  const std::uint32_t directory_offset = little_endian(4, 4);
  const std::uint32_t entries = little_endian(directory_offset, 2);
  int patched = 0;
  for (std::uint32_t entry = 0; entry < entries; ++entry) {
    const std::size_t at = directory_offset + 2 + entry * 12;
    const std::uint32_t tag = little_endian(at, 2);
    if (tag != 256 && tag != 257) continue;        // ImageWidth, ImageLength
    BOOST_REQUIRE(little_endian(at + 2, 2) == 4);  // LONG
    bytes[at + 8] = static_cast<char>(60000 & 0xFF);
    bytes[at + 9] = static_cast<char>(60000 >> 8);
    bytes[at + 10] = bytes[at + 11] = 0;
    ++patched;
  }
  BOOST_REQUIRE(patched == 2);
  const auto path = directory.path() / "huge.dng";
  std::ofstream(path, std::ios::binary) << bytes;
  RawReader reader(cfa_options());
  const std::string message = input_error_message(reader, path);
  // Refused by nightstack's own check of the claimed size against the file, before LibRaw allocates.
  BOOST_TEST(message.find("claims 60000 x 60000 raw pixels, more than a file of") != std::string::npos,
             message);
}

BOOST_AUTO_TEST_CASE(random_bytes_with_a_cr3_header_are_an_input_error) {
  using namespace std::string_literals;
  TemporaryDirectory directory;
  const auto path = directory.path() / "fake.cr3";
  std::string bytes =
      "\0\0\0\x18"
      "ftypcrx "s;
  unsigned state = 12345;
  for (int index = 0; index < 4000; ++index) {
    state = state * 1103515245U + 12345U;
    bytes += static_cast<char>(state >> 16);
  }
  std::ofstream(path, std::ios::binary) << bytes;
  BOOST_TEST(identified_name(path) == "Canon CR3");
  const InputFormat* format = identify_format(path);
  BOOST_REQUIRE(format->make_reader != nullptr);
  auto reader = format->make_reader(ReadOptions{});
  try {
    reader->read(path);
    BOOST_FAIL("random bytes were read as a RAW image");
  } catch (const InputError& error) {
    BOOST_TEST(error.path() == path);
    BOOST_TEST(std::string(error.what()).find(path.string()) != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("LibRaw") != std::string::npos, error.what());
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_names_the_operating_system_reason) {
  TemporaryDirectory directory;
  RawReader reader;
  const std::string message = input_error_message(reader, directory.path() / "missing.dng");
  BOOST_TEST(message.find("No such file or directory") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(a_reader_recovers_after_an_error) {
  TemporaryDirectory directory;
  const auto good = write_dng(directory, "good.dng", flat_settings(1000, 2000, 3000));
  const auto bad = directory.path() / "bad.dng";
  std::ofstream(bad, std::ios::binary) << "II*\0 not really a tiff";
  RawReader reader(cfa_options());
  input_error_message(reader, bad);
  const Frame frame = reader.read(good);
  BOOST_TEST(frame.pixels.at(0, 0, 0) == 1000.0F - black);
}

BOOST_AUTO_TEST_SUITE_END()
