// Anchors the reader interface's virtual table in one translation unit.
#include "io/image_reader.hpp"

namespace nightstack {

ImageReader::~ImageReader() = default;

}  // namespace nightstack
