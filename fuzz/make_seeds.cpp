// Writes small valid inputs for the fuzz targets, one directory per target, with nightstack's own
// writers (and the tests' DNG writer): tiny images decode in microseconds, so the fuzzer spends its
// time mutating headers instead of decoding megapixels. Usage: make_fuzz_seeds DIRECTORY
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>

#include "io/fits_writer.hpp"
#include "io/jpeg_writer.hpp"
#include "io/png_writer.hpp"
#include "io/tiff_writer.hpp"
#include "tests/support/dng_writer.hpp"

namespace {

using nightstack::ImageD;
using nightstack::PlanarImage;

// A gradient with a bright dot, so every value is not the same and compressors have work to do.
template <class Sample>
PlanarImage<Sample> test_pattern(int width, int height, int channels, double scale) {
  PlanarImage<Sample> image(width, height, channels);
  for (int channel = 0; channel < channels; ++channel) {
    for (int row = 0; row < height; ++row) {
      for (int column = 0; column < width; ++column) {
        const double value = (row * width + column + 7 * channel) % 97 / 96.0;
        image.at(channel, row, column) = static_cast<Sample>(value * scale);
      }
    }
  }
  image.at(0, height / 2, width / 2) = static_cast<Sample>(scale);
  return image;
}

void write_seeds(const std::filesystem::path& directory) {
  for (const char* target : {"jpeg", "png", "tiff", "fits", "raw"}) {
    std::filesystem::create_directories(directory / target);
  }
  for (int channels : {1, 3}) {
    const std::string suffix = channels == 1 ? "gray" : "rgb";
    nightstack::write_jpeg(directory / "jpeg" / ("q95-" + suffix + ".jpg"),
                           test_pattern<std::uint8_t>(16, 12, channels, 255), 95);
    nightstack::write_jpeg(directory / "jpeg" / ("q75-" + suffix + ".jpg"),
                           test_pattern<std::uint8_t>(24, 16, channels, 255), 75);
    nightstack::write_png(directory / "png" / ("8bit-" + suffix + ".png"),
                          test_pattern<std::uint8_t>(12, 9, channels, 255));
    nightstack::write_png(directory / "png" / ("16bit-" + suffix + ".png"),
                          test_pattern<std::uint16_t>(12, 9, channels, 65535));
    nightstack::write_tiff16(directory / "tiff" / ("16bit-" + suffix + ".tif"),
                             test_pattern<std::uint16_t>(12, 9, channels, 65535), "seed", "nightstack",
                             false);
    nightstack::write_tiff_float(directory / "tiff" / ("float-" + suffix + ".tif"),
                                 test_pattern<double>(12, 9, channels, 1.0), "seed", "nightstack", true);
    for (int bitpix : {-32, 16}) {
      nightstack::write_fits(
          directory / "fits" / ("bitpix" + std::to_string(bitpix) + "-" + suffix + ".fits"),
          test_pattern<double>(10, 8, channels, 1.0), {}, {}, nightstack::FitsWriteOptions{.bitpix = bitpix});
    }
  }
  nightstack::testing::DngSettings mosaic;
  mosaic.mosaic = nightstack::testing::flat_mosaic(16, 12, "RGGB", 1000, 2000, 3000);
  mosaic.exposure_seconds = 30.0;
  mosaic.iso = 800;
  mosaic.date_time_original = "2024:08:12 22:30:00";
  nightstack::testing::write_test_dng(directory / "raw" / "mosaic-thumbnail.dng", mosaic);
  mosaic.thumbnail = false;
  mosaic.cfa_pattern = "GBRG";
  mosaic.black_level = {64.0F, 65.0F, 66.0F, 67.0F};
  nightstack::testing::write_test_dng(directory / "raw" / "mosaic-black-pattern.dng", mosaic);
  nightstack::testing::DngSettings linear_raw;
  linear_raw.mosaic = test_pattern<std::uint16_t>(8, 6, 3, 4095);
  linear_raw.white_level = 4095;
  nightstack::testing::write_test_dng(directory / "raw" / "linear-raw.dng", linear_raw);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_seeds DIRECTORY\n";
    return 2;
  }
  try {
    write_seeds(argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "make_fuzz_seeds: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
