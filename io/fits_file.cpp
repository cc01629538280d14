// CFITSIO handle ownership and error text.
#include "io/fits_file.hpp"

namespace nightstack {

FitsFile::~FitsFile() { close(); }

int FitsFile::close() {
  int status = 0;
  if (handle_ != nullptr) fits_close_file(handle_, &status);
  handle_ = nullptr;
  return status;
}

std::string fits_status_text(int status) {
  char summary[FLEN_STATUS] = {};
  fits_get_errstatus(status, summary);
  std::string details;
  char message[FLEN_ERRMSG] = {};
  // The stack holds the most specific explanation (which keyword, which file); a few are enough.
  for (int count = 0; fits_read_errmsg(message) != 0; ++count) {
    if (count >= 4) continue;
    if (!details.empty()) details += "; ";
    details += message;
  }
  std::string text = summary;
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

}  // namespace nightstack
