// The capture data a camera writes into a JPEG's EXIF segment, read with libexif.
#pragma once

#include <cstddef>

#include "pipeline/frame.hpp"

namespace nightstack {

// Fills what the EXIF data of a whole JPEG file (`data`, `size` bytes, from its SOI marker on)
// says: ExposureTime, ISOSpeedRatings, DateTimeOriginal (the camera's clock; with
// OffsetTimeOriginal it is turned into UTC), Make and Model. Fields the file does not state stay as
// they are. No EXIF is normal and damaged EXIF is ignored: this never throws for the file's sake.
void read_exif_capture(const unsigned char* data, std::size_t size, CaptureInfo& capture);

}  // namespace nightstack
