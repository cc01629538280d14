// Owners for TurboJPEG's C handles and buffers, so no error path can leak them.
#pragma once

#include <turbojpeg.h>

#include <memory>
#include <string>

namespace nightstack {

struct TurboJpegHandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TurboJpegHandle = std::unique_ptr<void, TurboJpegHandleDeleter>;

struct TurboJpegBufferDeleter {
  void operator()(unsigned char* buffer) const { tjFree(buffer); }
};
using TurboJpegBuffer = std::unique_ptr<unsigned char, TurboJpegBufferDeleter>;

// The handle's last error message; with a null handle, the message of a failed tjInit*().
inline std::string turbojpeg_error_text(tjhandle handle) {
  const char* text = tjGetErrorStr2(handle);
  return text != nullptr ? text : "unknown TurboJPEG error";
}

}  // namespace nightstack
