// libtiff reports problems through callbacks; TIFFOpenExt (libtiff 4.5) attaches them to one file,
// with a pointer to that file's message.
#include "io/tiff_handle.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

namespace nightstack {

namespace {

struct TiffOptionsDeleter {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};

int collect_error(TIFF*, void* user_data, const char* module, const char* format, va_list arguments) {
  auto& message = *static_cast<std::string*>(user_data);
  if (message.empty()) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, arguments);
    message = (module != nullptr ? std::string(module) + ": " : std::string()) + text;
  }
  return 1;  // handled: do not also print through the global handler
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

using OpenOptions = std::unique_ptr<TIFFOpenOptions, TiffOptionsDeleter>;

// Options that send errors to `message` and drop warnings; nullptr when out of memory.
OpenOptions collecting_options(std::string& message) {
  OpenOptions options(TIFFOpenOptionsAlloc());
  if (options == nullptr) return options;
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), collect_error, &message);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  return options;
}

// libtiff's client procedures over a TiffFile::MemoryStream (the thandle_t).
TiffFile::MemoryStream& stream_of(thandle_t handle) { return *static_cast<TiffFile::MemoryStream*>(handle); }

tmsize_t read_memory(thandle_t handle, void* destination, tmsize_t size) {
  auto& stream = stream_of(handle);
  if (size <= 0 || stream.position >= stream.bytes.size()) return 0;
  const auto count =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(size), stream.bytes.size() - stream.position);
  std::memcpy(destination, stream.bytes.data() + stream.position, count);
  stream.position += count;
  return static_cast<tmsize_t>(count);
}

tmsize_t refuse_write(thandle_t, void*, tmsize_t) { return -1; }

toff_t seek_memory(thandle_t handle, toff_t offset, int whence) {
  auto& stream = stream_of(handle);
  std::uint64_t base = 0;
  if (whence == SEEK_CUR) base = stream.position;
  if (whence == SEEK_END) base = stream.bytes.size();
  // Positions past the end are allowed, as with a file; reads there return nothing.
  if (offset > std::numeric_limits<std::uint64_t>::max() - base) return static_cast<toff_t>(-1);
  stream.position = base + offset;
  return stream.position;
}

int close_memory(thandle_t) { return 0; }
toff_t size_of_memory(thandle_t handle) { return stream_of(handle).bytes.size(); }
int no_mapping(thandle_t, void**, toff_t*) { return 0; }
void no_unmapping(thandle_t, void*, toff_t) {}

}  // namespace

TiffFile::TiffFile(const std::filesystem::path& path, const char* mode) {
  // libtiff copies the handlers out of the options when opening, so they need not outlive this.
  OpenOptions options = collecting_options(error_);
  if (options == nullptr) {
    error_ = "out of memory";
    return;
  }
  handle_ = TIFFOpenExt(path.c_str(), mode, options.get());
  if (handle_ == nullptr && error_.empty()) error_ = "libtiff gave no reason";
}

TiffFile::TiffFile(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  memory_.bytes = bytes;
  OpenOptions options = collecting_options(error_);
  if (options == nullptr) {
    error_ = "out of memory";
    return;
  }
  // "rm": read-only, and never memory-mapped (the bytes are in memory already).
  handle_ = TIFFClientOpenExt(name.c_str(), "rm", &memory_, read_memory, refuse_write, seek_memory,
                              close_memory, size_of_memory, no_mapping, no_unmapping, options.get());
  if (handle_ == nullptr && error_.empty()) error_ = "libtiff gave no reason";
}

TiffFile::~TiffFile() { close(); }

void TiffFile::close() {
  if (handle_ != nullptr) TIFFClose(handle_);
  handle_ = nullptr;
}

}  // namespace nightstack
