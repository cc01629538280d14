// Opening TIFF files through libtiff with a per-file error handler, shared by the TIFF reader and
// writer, so each error names libtiff's reason and concurrent files never mix their messages.
#pragma once

#include <tiffio.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace nightstack {

// Owns one TIFF* and the first error message libtiff reported for it (libtiff's later messages are
// usually consequences of the first). Warnings are dropped: libtiff warns about every unknown tag.
// Not movable, because libtiff keeps a pointer to the message.
class TiffFile {
 public:
  // `mode` as for TIFFOpen: "r" (read-only), "w", "w8" (BigTIFF). On failure get() is nullptr
  // and error() says why.
  TiffFile(const std::filesystem::path& path, const char* mode);
  // Read-only over bytes in memory that outlive this object; `name` is only for messages.
  TiffFile(const std::filesystem::path& name, std::span<const unsigned char> bytes);
  ~TiffFile();
  TiffFile(const TiffFile&) = delete;
  TiffFile& operator=(const TiffFile&) = delete;

  TIFF* get() const { return handle_; }
  // libtiff's first error since opening, or "" when it reported none.
  const std::string& error() const { return error_; }
  // Closes now (TIFFClose reports nothing, so a writer flushes and checks before).
  void close();

  // The bytes being read and the read position, for the in-memory variant.
  struct MemoryStream {
    std::span<const unsigned char> bytes;
    std::uint64_t position = 0;
  };

 private:
  std::string error_;
  MemoryStream memory_;
  TIFF* handle_ = nullptr;
};

}  // namespace nightstack
