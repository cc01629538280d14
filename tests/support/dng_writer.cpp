// Writes test DNGs with libtiff. The EXIF IFD is written first, because its offset must be known
// when IFD0 (which points to it) is written; the mosaic follows IFD0 as its SubIFD.
#include "tests/support/dng_writer.hpp"

#include <tiffio.h>

#include <memory>
#include <stdexcept>

namespace nightstack::testing {

namespace {

// DNG's PhotometricInterpretation for demosaiced raw data; libtiff's header does not name it.
constexpr std::uint16_t photometric_linear_raw = 34892;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("test DNG writer: " + what); }

void check(int result, const std::string& what) {
  if (result != 1) fail(what);
}

struct TiffCloser {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};

// DNG's CFAPattern codes: 0 red, 1 green, 2 blue.
std::uint8_t colour_code(char letter) {
  switch (letter) {
    case 'R':
      return 0;
    case 'G':
      return 1;
    case 'B':
      return 2;
    default:
      fail(std::string("CFA pattern letter '") + letter + "' is not R, G or B");
  }
}

// The capture data LibRaw reads from the EXIF IFD; returns its offset, or 0 if there is nothing to say.
toff_t write_exif_directory(TIFF* tiff, const DngSettings& settings) {
  if (!settings.exposure_seconds && !settings.iso && settings.date_time_original.empty()) return 0;
  check(TIFFCreateEXIFDirectory(tiff) == 0 ? 1 : 0, "TIFFCreateEXIFDirectory");
  if (settings.exposure_seconds) {
    check(TIFFSetField(tiff, EXIFTAG_EXPOSURETIME, *settings.exposure_seconds), "ExposureTime");
  }
  if (settings.iso) {
    const std::uint16_t iso = *settings.iso;
    check(TIFFSetField(tiff, EXIFTAG_ISOSPEEDRATINGS, 1, &iso), "ISOSpeedRatings");
  }
  if (!settings.date_time_original.empty()) {
    check(TIFFSetField(tiff, EXIFTAG_DATETIMEORIGINAL, settings.date_time_original.c_str()),
          "DateTimeOriginal");
  }
  toff_t offset = 0;
  check(TIFFWriteCustomDirectory(tiff, &offset), "TIFFWriteCustomDirectory (EXIF)");
  // Back to an ordinary image directory for what follows; TIFFCreateDirectory alone would leak the
  // EXIF values.
  TIFFFreeDirectory(tiff);
  check(TIFFCreateDirectory(tiff) == 0 ? 1 : 0, "TIFFCreateDirectory");
  return offset;
}

// Tags that describe the camera as a whole; DNG wants them in IFD0.
void set_camera_tags(TIFF* tiff, const DngSettings& settings, toff_t exif_offset) {
  static const std::uint8_t dng_version[4] = {1, 4, 0, 0};
  static const std::uint8_t dng_backward_version[4] = {1, 1, 0, 0};
  check(TIFFSetField(tiff, TIFFTAG_DNGVERSION, dng_version), "DNGVersion");
  check(TIFFSetField(tiff, TIFFTAG_DNGBACKWARDVERSION, dng_backward_version), "DNGBackwardVersion");
  check(TIFFSetField(tiff, TIFFTAG_MAKE, settings.make.c_str()), "Make");
  check(TIFFSetField(tiff, TIFFTAG_MODEL, settings.model.c_str()), "Model");
  const std::string unique_model = settings.make + " " + settings.model;
  check(TIFFSetField(tiff, TIFFTAG_UNIQUECAMERAMODEL, unique_model.c_str()), "UniqueCameraModel");
  // XYZ (D65) to linear sRGB: the test camera "sees" in sRGB primaries, so its colour matrix makes
  // LibRaw's camera-to-sRGB conversion the identity and its daylight multipliers all 1.
  static const float xyz_to_camera[9] = {3.2404542F, -1.5371385F, -0.4985314F, -0.9692660F, 1.8760108F,
                                         0.0415560F, 0.0556434F,  -0.2040259F, 1.0572252F};
  check(TIFFSetField(tiff, TIFFTAG_COLORMATRIX1, 9, xyz_to_camera), "ColorMatrix1");
  check(TIFFSetField(tiff, TIFFTAG_CALIBRATIONILLUMINANT1, std::uint16_t{21}), "CalibrationIlluminant1");
  const float neutral[3] = {static_cast<float>(settings.as_shot_neutral[0]),
                            static_cast<float>(settings.as_shot_neutral[1]),
                            static_cast<float>(settings.as_shot_neutral[2])};
  check(TIFFSetField(tiff, TIFFTAG_ASSHOTNEUTRAL, 3, neutral), "AsShotNeutral");
  if (exif_offset != 0) check(TIFFSetField(tiff, TIFFTAG_EXIFIFD, exif_offset), "ExifIFD");
  if (settings.orientation != 0)
    check(TIFFSetField(tiff, TIFFTAG_ORIENTATION, settings.orientation), "Orientation");
}

// An 8 x 8 grey RGB preview, as DNG readers expect in IFD0 when the raw lives in a SubIFD.
void write_thumbnail(TIFF* tiff) {
  constexpr std::uint32_t size = 8;
  check(TIFFSetField(tiff, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE), "NewSubFileType (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, size), "ImageWidth (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, size), "ImageLength (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8), "BitsPerSample (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3), "SamplesPerPixel (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB), "Photometric (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG), "PlanarConfig (thumbnail)");
  check(TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, size), "RowsPerStrip (thumbnail)");
  std::vector<std::uint8_t> row(size * 3, 128);
  for (std::uint32_t y = 0; y < size; ++y) check(TIFFWriteScanline(tiff, row.data(), y, 0), "thumbnail row");
}

void write_mosaic(TIFF* tiff, const DngSettings& settings) {
  const auto& mosaic = settings.mosaic;
  const auto width = static_cast<std::uint32_t>(mosaic.width());
  const auto height = static_cast<std::uint32_t>(mosaic.height());
  const auto channels = static_cast<std::uint16_t>(mosaic.channels());
  check(TIFFSetField(tiff, TIFFTAG_SUBFILETYPE, 0), "NewSubFileType (raw)");
  check(TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width), "ImageWidth");
  check(TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, height), "ImageLength");
  check(TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 16), "BitsPerSample");
  check(TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, channels), "SamplesPerPixel");
  check(TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, channels == 1 ? PHOTOMETRIC_CFA : photometric_linear_raw),
        "Photometric");
  check(TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG), "PlanarConfig");
  check(TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_NONE), "Compression");
  check(TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, height), "RowsPerStrip");

  static const std::uint16_t pattern_size[2] = {2, 2};
  if (channels == 1) {
    check(TIFFSetField(tiff, TIFFTAG_CFAREPEATPATTERNDIM, pattern_size), "CFARepeatPatternDim");
    std::uint8_t pattern[4];
    for (int index = 0; index < 4; ++index) pattern[index] = colour_code(settings.cfa_pattern.at(index));
    check(TIFFSetField(tiff, TIFFTAG_CFAPATTERN, 4, pattern), "CFAPattern");
    static const std::uint8_t plane_colours[3] = {0, 1, 2};
    check(TIFFSetField(tiff, TIFFTAG_CFAPLANECOLOR, 3, plane_colours), "CFAPlaneColor");
    check(TIFFSetField(tiff, TIFFTAG_CFALAYOUT, std::uint16_t{1}), "CFALayout");
  }

  if (settings.black_level.size() == 4) {
    check(TIFFSetField(tiff, TIFFTAG_BLACKLEVELREPEATDIM, pattern_size), "BlackLevelRepeatDim");
  } else if (settings.black_level.size() != 1) {
    fail("black_level needs 1 or 4 values");
  }
  check(TIFFSetField(tiff, TIFFTAG_BLACKLEVEL, static_cast<std::uint16_t>(settings.black_level.size()),
                     settings.black_level.data()),
        "BlackLevel");
  const std::uint32_t white = settings.white_level;
  check(TIFFSetField(tiff, TIFFTAG_WHITELEVEL, 1, &white), "WhiteLevel");

  std::vector<std::uint16_t> row(static_cast<std::size_t>(width) * channels);
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      for (std::uint16_t channel = 0; channel < channels; ++channel) {
        row[x * channels + channel] = mosaic.at(channel, static_cast<int>(y), static_cast<int>(x));
      }
    }
    check(TIFFWriteScanline(tiff, row.data(), y, 0), "mosaic row");
  }
}

}  // namespace

void write_test_dng(const std::filesystem::path& path, const DngSettings& settings) {
  const int channels = settings.mosaic.channels();
  if ((channels != 1 && channels != 3) || settings.mosaic.empty()) fail("the mosaic needs 1 or 3 planes");
  if (settings.cfa_pattern.size() != 4) fail("the CFA pattern needs four letters");
  std::unique_ptr<TIFF, TiffCloser> tiff(TIFFOpen(path.c_str(), "w"));
  if (!tiff) fail("TIFFOpen " + path.string());

  const toff_t exif_offset = write_exif_directory(tiff.get(), settings);
  set_camera_tags(tiff.get(), settings, exif_offset);
  if (settings.thumbnail) {
    // One SubIFD: libtiff makes the next directory written the SubIFD and fills in its offset.
    toff_t sub_directory = 0;
    check(TIFFSetField(tiff.get(), TIFFTAG_SUBIFD, 1, &sub_directory), "SubIFDs");
    write_thumbnail(tiff.get());
    check(TIFFWriteDirectory(tiff.get()), "TIFFWriteDirectory (IFD0)");
    write_mosaic(tiff.get(), settings);
    check(TIFFWriteDirectory(tiff.get()), "TIFFWriteDirectory (SubIFD)");
  } else {
    write_mosaic(tiff.get(), settings);
    check(TIFFWriteDirectory(tiff.get()), "TIFFWriteDirectory (IFD0)");
  }
  check(TIFFFlush(tiff.get()), "TIFFFlush");
}

PlanarImage<std::uint16_t> flat_mosaic(int width, int height, const std::string& pattern, std::uint16_t red,
                                       std::uint16_t green, std::uint16_t blue) {
  PlanarImage<std::uint16_t> mosaic(width, height, 1);
  for (int row = 0; row < height; ++row) {
    for (int column = 0; column < width; ++column) {
      const char letter = pattern.at(static_cast<std::size_t>((row % 2) * 2 + column % 2));
      mosaic.at(0, row, column) = letter == 'R' ? red : letter == 'G' ? green : blue;
    }
  }
  return mosaic;
}

}  // namespace nightstack::testing
