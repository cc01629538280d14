// The bench generator's writers. JPEG goes through TurboJPEG (quality 92, 4:2:0, as cameras
// write), TIFF through libtiff, DNG through the test suite's DNG writer; FITS is written by hand.
#include "bench/frame_writers.hpp"

#include <tiffio.h>
#include <turbojpeg.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "tests/support/dng_writer.hpp"

namespace nightstack::bench {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error("cannot write " + path.string() + ": " + what);
}

// Linear ADU to 8-bit sRGB codes, as a camera's JPEG engine would encode them.
const std::array<unsigned char, 65536>& srgb_codes() {
  static const auto table = [] {
    std::array<unsigned char, 65536> codes{};
    for (std::size_t value = 0; value < codes.size(); ++value) {
      const double linear = static_cast<double>(value) / 65535.0;
      const double encoded = linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(linear, 1 / 2.4) - 0.055;
      codes[value] = static_cast<unsigned char>(std::lround(std::clamp(encoded, 0.0, 1.0) * 255));
    }
    return codes;
  }();
  return table;
}

void write_jpeg(const std::filesystem::path& path, const LinearFrame& frame) {
  const std::size_t plane = static_cast<std::size_t>(frame.width) * frame.height;
  std::vector<unsigned char> interleaved(plane * 3);
  const auto& codes = srgb_codes();
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t channel = 0; channel < 3; ++channel)
      interleaved[i * 3 + channel] = codes[frame.samples[plane * channel + i]];
  std::unique_ptr<void, int (*)(tjhandle)> compressor(tjInitCompress(), tjDestroy);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  if (tjCompress2(compressor.get(), interleaved.data(), frame.width, 0, frame.height, TJPF_RGB, &jpeg, &size,
                  TJSAMP_420, 92, 0) != 0)
    fail(path, tjGetErrorStr2(compressor.get()));
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(jpeg, tjFree);
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(jpeg), static_cast<std::streamsize>(size));
  if (!file) fail(path, "write failed");
}

void write_tiff(const std::filesystem::path& path, const LinearFrame& frame) {
  std::unique_ptr<TIFF, void (*)(TIFF*)> tiff(TIFFOpen(path.c_str(), "w"), TIFFClose);
  if (!tiff) fail(path, "libtiff cannot create it");
  TIFF* file = tiff.get();
  TIFFSetField(file, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(frame.width));
  TIFFSetField(file, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(frame.height));
  TIFFSetField(file, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(file, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(file, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(file, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(file, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(file, TIFFTAG_ROWSPERSTRIP, 16);
  const std::size_t plane = static_cast<std::size_t>(frame.width) * frame.height;
  std::vector<std::uint16_t> row(static_cast<std::size_t>(frame.width) * 3);
  for (int y = 0; y < frame.height; ++y) {
    for (int x = 0; x < frame.width; ++x)
      for (std::size_t channel = 0; channel < 3; ++channel)
        row[static_cast<std::size_t>(x) * 3 + channel] =
            frame.samples[plane * channel + static_cast<std::size_t>(y) * frame.width + x];
    if (TIFFWriteScanline(file, row.data(), static_cast<std::uint32_t>(y), 0) != 1)
      fail(path, "libtiff failed");
  }
}

std::string card(const std::string& key, const std::string& value) {
  std::string text = key;
  text.resize(8, ' ');
  text += "= " + std::string(20 - std::min<std::size_t>(20, value.size()), ' ') + value;
  text.resize(80, ' ');
  return text;
}

void write_fits(const std::filesystem::path& path, const LinearFrame& frame) {
  std::string header = card("SIMPLE", "T") + card("BITPIX", "16") + card("NAXIS", "3") +
                       card("NAXIS1", std::to_string(frame.width)) +
                       card("NAXIS2", std::to_string(frame.height)) + card("NAXIS3", "3") +
                       card("BZERO", "32768") + card("BSCALE", "1") + card("EXPTIME", "30.0") +
                       std::string("END");
  header.resize((header.size() + 2879) / 2880 * 2880, ' ');
  std::vector<unsigned char> data(frame.samples.size() * 2);
  for (std::size_t i = 0; i < frame.samples.size(); ++i) {
    const int stored = frame.samples[i] - 32768;  // big-endian, offset by BZERO
    data[2 * i] = static_cast<unsigned char>((stored >> 8) & 0xFF);
    data[2 * i + 1] = static_cast<unsigned char>(stored & 0xFF);
  }
  data.resize((data.size() + 2879) / 2880 * 2880, 0);
  std::ofstream file(path, std::ios::binary);
  file.write(header.data(), static_cast<std::streamsize>(header.size()));
  file.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!file) fail(path, "write failed");
}

// An RGGB mosaic sampled from the three planes, as a Bayer sensor would see the same sky.
void write_dng(const std::filesystem::path& path, const LinearFrame& frame) {
  nightstack::testing::DngSettings settings;
  settings.mosaic = PlanarImage<std::uint16_t>(frame.width, frame.height, 1);
  const std::size_t plane = static_cast<std::size_t>(frame.width) * frame.height;
  for (int y = 0; y < frame.height; ++y)
    for (int x = 0; x < frame.width; ++x) {
      const std::size_t channel = (y % 2 == 0 && x % 2 == 0) ? 0 : (y % 2 == 1 && x % 2 == 1) ? 2 : 1;
      settings.mosaic.at(0, y, x) =
          frame.samples[plane * channel + static_cast<std::size_t>(y) * frame.width + x];
    }
  settings.exposure_seconds = 30.0;
  settings.iso = 1600;
  settings.thumbnail = false;
  nightstack::testing::write_test_dng(path, settings);
}

}  // namespace

FrameWriter frame_writer(const std::string& format) {
  if (format == "jpeg") return &write_jpeg;
  if (format == "tiff") return &write_tiff;
  if (format == "fits") return &write_fits;
  if (format == "dng") return &write_dng;
  return nullptr;
}

const char* extension(const std::string& format) {
  if (format == "jpeg") return "jpg";
  if (format == "tiff") return "tif";
  if (format == "fits") return "fits";
  return "dng";
}

}  // namespace nightstack::bench
