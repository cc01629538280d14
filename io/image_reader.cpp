// Anchors the reader interface's virtual table in one translation unit; the header-only default.
#include "io/image_reader.hpp"

namespace nightstack {

ImageReader::~ImageReader() = default;

std::unique_ptr<OpenFrame> ImageReader::open(const std::filesystem::path& path) {
  return std::make_unique<WholeFrameBands>(read(path));
}

FrameInfo ImageReader::read_info(const std::filesystem::path& path) { return read(path).info; }

}  // namespace nightstack
