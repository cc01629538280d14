// Every format nightstack writes, with its writer (each in its own io/*_writer.cpp). A new output
// format is its writer's file and one line here.
#include "io/output_formats.hpp"

#include "io/fits_writer.hpp"
#include "io/jpeg_writer.hpp"
#include "io/png_writer.hpp"
#include "io/tiff_writer.hpp"

namespace nightstack {

const std::vector<OutputFormat>& output_formats() {
  static const std::vector<OutputFormat> formats = {
      {"FITS",
       "fits",
       {".fits", ".fit", ".fts"},
       "Output FITS file (BITPIX -32; colour as 3 planes).",
       false,
       fits_image_writer()},
      {"TIFF",
       "tiff",
       {".tif", ".tiff"},
       "Output 16-bit TIFF (values clipped to 0..1, then display-encoded); normalize first.",
       true,
       tiff_image_writer()},
      {"JPEG",
       "jpeg",
       {".jpg", ".jpeg"},
       "Output 8-bit JPEG preview (clipped and encoded as tiff).",
       true,
       jpeg_image_writer()},
      {"PNG",
       "png",
       {".png"},
       "Output 8-bit PNG preview (clipped and encoded as tiff).",
       true,
       png_image_writer()},
  };
  return formats;
}

}  // namespace nightstack
