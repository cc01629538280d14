// Each library asked for its own version where it can tell it at run time (the one loaded), else
// the version of the headers it was built with.
#include "io/library_versions.hpp"

#include <fitsio.h>
#include <libraw/libraw.h>
#include <png.h>
#include <tiffio.h>

#include <cstdio>

#include <jpeglib.h>

namespace nightstack {

namespace {

#define NIGHTSTACK_TEXT(value) #value
#define NIGHTSTACK_EXPANDED_TEXT(value) NIGHTSTACK_TEXT(value)

// "LIBTIFF, Version 4.5.0\nCopyright ..." -> "4.5.0"
std::string tiff_version() {
  std::string text = TIFFGetVersion();
  text = text.substr(0, text.find('\n'));
  const auto at = text.find("Version ");
  return at == std::string::npos ? text : text.substr(at + 8);
}

}  // namespace

std::string io_library_versions() {
  return "CFITSIO " + std::to_string(CFITSIO_MAJOR) + "." + std::to_string(CFITSIO_MINOR) + "." +
         std::to_string(CFITSIO_MICRO) + "; LibRaw " + libraw_version() + "; libtiff " + tiff_version() +
         "; libjpeg-turbo " NIGHTSTACK_EXPANDED_TEXT(LIBJPEG_TURBO_VERSION) "; libpng " +
         png_get_libpng_ver(nullptr);
}

}  // namespace nightstack
