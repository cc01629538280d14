// Anchors the reader interface's virtual table in one translation unit; the header-only default.
#include "io/image_reader.hpp"

namespace nightstack {

ImageReader::~ImageReader() = default;

FrameInfo ImageReader::read_info(const std::filesystem::path& path) { return read(path).info; }

}  // namespace nightstack
