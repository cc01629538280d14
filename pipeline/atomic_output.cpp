// Temporary-name-then-rename output files.
#include "pipeline/atomic_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

std::filesystem::path temporary_name_for(const std::filesystem::path& destination) {
  // Hidden, in the same directory (so rename is atomic), unique per process.
  std::string name = ".";
  name += destination.filename().string();
  name += ".nightstack-";
  name += std::to_string(::getpid());
  name += ".tmp";
  return destination.parent_path() / name;
}

void flush_to_disk(const std::filesystem::path& path) {
  int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) throw OutputError(path, std::string("cannot reopen to flush: ") + std::strerror(errno));
  int result = ::fsync(descriptor);
  int saved_errno = errno;
  ::close(descriptor);
  if (result != 0)
    throw OutputError(path, std::string("cannot flush to disk: ") + std::strerror(saved_errno));
}

}  // namespace

std::string storage_failure_reason(int saved_errno) {
  switch (saved_errno) {
    case ENOSPC:
      return std::string(std::strerror(saved_errno)) +
             ": the disk is full; free some space or write elsewhere";
    case EDQUOT:
      return std::string(std::strerror(saved_errno)) + ": free some space or write elsewhere";
    case EFBIG:
      return std::string(std::strerror(saved_errno)) + " for this disk or for the process's file size limit";
    case EROFS:
    case EIO:
      return std::strerror(saved_errno);
    default:
      return "";
  }
}

AtomicOutput::AtomicOutput(std::filesystem::path destination)
    : destination_(std::move(destination)),
      temporary_(temporary_name_for(destination_)),
      registration_(std::filesystem::absolute(temporary_)) {
  auto parent = destination_.parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error)
      throw OutputError(destination_, "cannot create directory " + parent.string() + ": " + error.message());
  }
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);  // a leftover from a killed run with the same pid
}

AtomicOutput::~AtomicOutput() {
  if (committed_) return;
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void AtomicOutput::commit() {
  flush_to_disk(temporary_);
  std::error_code error;
  std::filesystem::rename(temporary_, destination_, error);
  if (error)
    throw OutputError(destination_, "cannot rename the finished file into place: " + error.message());
  committed_ = true;
}

}  // namespace nightstack
