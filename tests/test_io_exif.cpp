// EXIF capture data from JPEG files: segments built with libexif and inserted after SOI, the real
// sample frames (which have none), and damaged segments that must be ignored without a crash.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <libexif/exif-data.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "io/exif_metadata.hpp"
#include "io/jpeg_reader.hpp"
#include "pipeline/timestamp.hpp"
#include "tests/support/fixtures.hpp"

using namespace nightstack;
using nightstack::testing::TemporaryDirectory;

namespace {

struct ExifTags {
  std::string make, model, date_time_original, offset_time_original, subsecond_original;
  unsigned exposure_numerator = 0, exposure_denominator = 0;
  unsigned iso = 0;
  ExifByteOrder byte_order = EXIF_BYTE_ORDER_INTEL;
};

struct ExifDataDeleter {
  void operator()(ExifData* exif) const { exif_data_unref(exif); }
};

// A new entry of `components` values, owned by the IFD, its data allocated by libexif.
ExifEntry* add_entry(ExifData* exif, ExifIfd ifd, ExifTag tag, ExifFormat format, unsigned components) {
  ExifMem* memory = exif_mem_new_default();
  ExifEntry* entry = exif_entry_new_mem(memory);
  entry->tag = tag;
  entry->format = format;
  entry->components = components;
  entry->size = exif_format_get_size(format) * components;
  entry->data = static_cast<unsigned char*>(exif_mem_alloc(memory, entry->size));
  exif_mem_unref(memory);
  exif_content_add_entry(exif->ifd[ifd], entry);
  exif_entry_unref(entry);
  return entry;
}

void add_text(ExifData* exif, ExifIfd ifd, ExifTag tag, const std::string& text) {
  if (text.empty()) return;
  ExifEntry* entry = add_entry(exif, ifd, tag, EXIF_FORMAT_ASCII, static_cast<unsigned>(text.size() + 1));
  std::memcpy(entry->data, text.c_str(), text.size() + 1);
}

// The APP1 payload ("Exif\0\0" and the TIFF structure) as libexif saves it.
std::string exif_payload(const ExifTags& tags) {
  std::unique_ptr<ExifData, ExifDataDeleter> exif(exif_data_new());
  exif_data_unset_option(exif.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_set_byte_order(exif.get(), tags.byte_order);
  ExifData* data = exif.get();
  add_text(data, EXIF_IFD_0, EXIF_TAG_MAKE, tags.make);
  add_text(data, EXIF_IFD_0, EXIF_TAG_MODEL, tags.model);
  if (tags.exposure_denominator != 0) {
    ExifEntry* entry = add_entry(data, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, EXIF_FORMAT_RATIONAL, 1);
    exif_set_rational(entry->data, tags.byte_order, {tags.exposure_numerator, tags.exposure_denominator});
  }
  if (tags.iso != 0) {
    ExifEntry* entry = add_entry(data, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, EXIF_FORMAT_SHORT, 1);
    exif_set_short(entry->data, tags.byte_order, static_cast<ExifShort>(tags.iso));
  }
  add_text(data, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, tags.date_time_original);
  add_text(data, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, tags.offset_time_original);
  add_text(data, EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL, tags.subsecond_original);
  unsigned char* bytes = nullptr;
  unsigned int size = 0;
  exif_data_save_data(data, &bytes, &size);
  BOOST_REQUIRE(bytes != nullptr);
  std::string payload(reinterpret_cast<const char*>(bytes), size);
  std::free(bytes);
  return payload;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

PlanarImage<std::uint8_t> test_image() {
  PlanarImage<std::uint8_t> image(16, 8, 3);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    image.samples()[index] = static_cast<std::uint8_t>(index * 7 % 256);
  }
  return image;
}

// A JPEG from write_reference_jpeg with an APP1 segment holding `payload` right after SOI.
std::filesystem::path jpeg_with_app1(const TemporaryDirectory& directory, const std::string& name,
                                     const std::string& payload) {
  const auto plain = directory.path() / ("plain_" + name);
  nightstack::testing::write_reference_jpeg(plain, test_image());
  const std::string jpeg = file_bytes(plain);
  BOOST_REQUIRE(jpeg.compare(0, 2, "\xFF\xD8") == 0);
  const std::size_t length = payload.size() + 2;
  BOOST_REQUIRE(length <= 0xFFFF);
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xFF);
  segment += payload;
  const auto path = directory.path() / name;
  std::ofstream(path, std::ios::binary) << jpeg.substr(0, 2) + segment + jpeg.substr(2);
  return path;
}

ExifTags full_tags() {
  ExifTags tags;
  tags.make = "Canon";
  tags.model = "Canon EOS 550D";
  tags.exposure_numerator = 1;
  tags.exposure_denominator = 30;
  tags.iso = 3200;
  tags.date_time_original = "2023:08:12 23:59:58";
  return tags;
}

}  // namespace

BOOST_AUTO_TEST_CASE(jpeg_reader_reads_the_capture_data) {
  TemporaryDirectory directory;
  for (const ExifByteOrder order : {EXIF_BYTE_ORDER_INTEL, EXIF_BYTE_ORDER_MOTOROLA}) {
    ExifTags tags = full_tags();
    tags.byte_order = order;
    const auto path = jpeg_with_app1(directory, "exif.jpg", exif_payload(tags));
    JpegReader reader;
    const Frame frame = reader.read(path);
    const CaptureInfo& capture = frame.info.capture;
    BOOST_TEST(capture.camera_make == "Canon");
    BOOST_TEST(capture.camera_model == "Canon EOS 550D");
    BOOST_REQUIRE(capture.exposure_seconds.has_value());
    BOOST_TEST(*capture.exposure_seconds == 1.0 / 30.0);
    BOOST_REQUIRE(capture.iso.has_value());
    BOOST_TEST(*capture.iso == 3200.0);
    BOOST_REQUIRE(capture.start_time.has_value());
    BOOST_TEST(format_timestamp(*capture.start_time, 0) == "2023-08-12T23:59:58");
    BOOST_TEST(!capture.start_time_is_utc);
    BOOST_TEST(frame.info.bits_per_sample == 8);
    // The segment does not disturb decoding.
    const auto plain = nightstack::testing::decode_reference_jpeg(directory.path() / "plain_exif.jpg");
    BOOST_REQUIRE_EQUAL(frame.pixels.samples().size(), plain.samples().size());
    for (std::size_t index = 0; index < plain.samples().size(); index += 37) {
      BOOST_TEST(frame.pixels.samples()[index] == static_cast<float>(plain.samples()[index]));
    }
  }
}

BOOST_AUTO_TEST_CASE(time_offset_and_subseconds_make_utc) {
  TemporaryDirectory directory;
  ExifTags tags = full_tags();
  tags.offset_time_original = "+02:00";
  tags.subsecond_original = "25";
  JpegReader reader;
  const CaptureInfo capture =
      reader.read(jpeg_with_app1(directory, "offset.jpg", exif_payload(tags))).info.capture;
  BOOST_REQUIRE(capture.start_time.has_value());
  BOOST_TEST(format_timestamp(*capture.start_time, 2) == "2023-08-12T21:59:58.25");
  BOOST_TEST(capture.start_time_is_utc);

  tags.offset_time_original = "-05:30";
  tags.subsecond_original = "";
  const CaptureInfo west =
      reader.read(jpeg_with_app1(directory, "west.jpg", exif_payload(tags))).info.capture;
  BOOST_TEST(format_timestamp(*west.start_time, 0) == "2023-08-13T05:29:58");
  BOOST_TEST(west.start_time_is_utc);

  // An offset that is not "+hh:mm" is ignored: the camera clock stays as it is.
  tags.offset_time_original = "CET";
  const CaptureInfo unusable =
      reader.read(jpeg_with_app1(directory, "cet.jpg", exif_payload(tags))).info.capture;
  BOOST_TEST(format_timestamp(*unusable.start_time, 0) == "2023-08-12T23:59:58");
  BOOST_TEST(!unusable.start_time_is_utc);
}

// Fields the camera did not write stay unknown, even with an EXIF IFD present.
BOOST_AUTO_TEST_CASE(partial_exif_invents_nothing) {
  TemporaryDirectory directory;
  ExifTags tags;
  tags.make = "Nikon";
  tags.subsecond_original = "5";  // an EXIF IFD without a date
  JpegReader reader;
  const CaptureInfo capture =
      reader.read(jpeg_with_app1(directory, "make_only.jpg", exif_payload(tags))).info.capture;
  BOOST_TEST(capture.camera_make == "Nikon");
  BOOST_TEST(capture.camera_model.empty());
  BOOST_TEST(!capture.exposure_seconds.has_value());
  BOOST_TEST(!capture.iso.has_value());
  BOOST_TEST(!capture.start_time.has_value());
}

BOOST_AUTO_TEST_CASE(the_real_sample_frames_have_no_exif) {
  const auto folder = std::filesystem::path(NIGHTSTACK_SOURCE_DIR) / "data/night-jpeg";
  JpegReader reader;
  for (const char* name : {"DXM_8338.JPG", "DXM_9112.JPG"}) {
    const Frame frame = reader.read(folder / name);
    const CaptureInfo& capture = frame.info.capture;
    BOOST_TEST(capture.camera_make.empty(), name);
    BOOST_TEST(capture.camera_model.empty(), name);
    BOOST_TEST(!capture.exposure_seconds.has_value(), name);
    BOOST_TEST(!capture.iso.has_value(), name);
    BOOST_TEST(!capture.start_time.has_value(), name);
    BOOST_TEST(frame.info.bits_per_sample == 8);
  }
}

BOOST_AUTO_TEST_CASE(damaged_exif_is_ignored) {
  TemporaryDirectory directory;
  const std::string good = exif_payload(full_tags());
  std::vector<std::string> payloads = {
      std::string("Exif\0\0", 6),                                      // header only
      std::string("Exif\0\0II*\0\xFF\xFF\xFF\x7F", 14),                // IFD0 offset far outside
      std::string("Exif\0\0MM\0*\0\0\0\x08\xFF\xFF", 16),              // 65535 entries, no room for them
      std::string("Exif\0\0II*\0\x08\0\0\0\x01\0\x0F\x01\x02\0", 20),  // an entry cut short
      good.substr(0, good.size() / 2),                                 // truncated segment
  };
  // Every byte of a good segment flipped in turn, after the header.
  for (std::size_t index = 6; index < good.size(); index += 3) {
    std::string damaged = good;
    damaged[index] = static_cast<char>(~damaged[index]);
    payloads.push_back(damaged);
  }
  JpegReader reader;
  int number = 0;
  for (const auto& payload : payloads) {
    const auto path = jpeg_with_app1(directory, "damaged" + std::to_string(number++) + ".jpg", payload);
    const Frame frame = reader.read(path);  // must not throw: the pixels are fine
    BOOST_TEST(frame.pixels.width() == 16);
    // Whatever survives is what the file says or nothing: never an impossible value.
    if (frame.info.capture.exposure_seconds) BOOST_TEST(*frame.info.capture.exposure_seconds > 0.0);
    if (frame.info.capture.iso) BOOST_TEST(*frame.info.capture.iso > 0.0);
  }
}

BOOST_AUTO_TEST_CASE(read_exif_capture_takes_any_bytes) {
  CaptureInfo capture;
  read_exif_capture(nullptr, 0, capture);
  const unsigned char short_bytes[] = {0xFF, 0xD8};
  read_exif_capture(short_bytes, sizeof short_bytes, capture);
  const std::string text = "this is not a JPEG at all";
  read_exif_capture(reinterpret_cast<const unsigned char*>(text.data()), text.size(), capture);
  BOOST_TEST(capture.camera_make.empty());
  BOOST_TEST(!capture.start_time.has_value());
  // The bare payload (starting "Exif\0\0") is accepted too.
  const std::string payload = exif_payload(full_tags());
  read_exif_capture(reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), capture);
  BOOST_TEST(capture.camera_model == "Canon EOS 550D");
}
