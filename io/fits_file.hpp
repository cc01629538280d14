// Owner for CFITSIO's fitsfile handle and the translation of CFITSIO status codes into text.
#pragma once

#include <fitsio.h>

#include <string>

namespace nightstack {

class FitsFile {
 public:
  FitsFile() = default;
  ~FitsFile();
  FitsFile(const FitsFile&) = delete;
  FitsFile& operator=(const FitsFile&) = delete;

  fitsfile* get() const { return handle_; }
  // For fits_open_*/fits_create_* to fill in.
  fitsfile** receive() { return &handle_; }
  // Closes now and returns CFITSIO's status (closing flushes, so a writer must check it).
  // The handle is released even when closing fails.
  int close();

 private:
  fitsfile* handle_ = nullptr;
};

// CFITSIO's short text for `status` followed by its detailed messages (which it keeps on a stack
// that this empties), e.g. "could not open the named file (failed to find or open ...)".
std::string fits_status_text(int status);

}  // namespace nightstack
