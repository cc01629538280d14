// libtiff reports problems through callbacks; TIFFOpenExt (libtiff 4.5) attaches them to one file,
// with a pointer to that file's message.
#include "io/tiff_handle.hpp"

#include <cstdarg>
#include <cstdio>
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

}  // namespace

TiffFile::TiffFile(const std::filesystem::path& path, const char* mode) {
  // libtiff copies the handlers out of the options when opening, so they need not outlive this.
  std::unique_ptr<TIFFOpenOptions, TiffOptionsDeleter> options(TIFFOpenOptionsAlloc());
  if (options == nullptr) {
    error_ = "out of memory";
    return;
  }
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), collect_error, &error_);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  handle_ = TIFFOpenExt(path.c_str(), mode, options.get());
  if (handle_ == nullptr && error_.empty()) error_ = "libtiff gave no reason";
}

TiffFile::~TiffFile() { close(); }

void TiffFile::close() {
  if (handle_ != nullptr) TIFFClose(handle_);
  handle_ = nullptr;
}

}  // namespace nightstack
