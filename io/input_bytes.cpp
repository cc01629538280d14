// POSIX reads for the input side, so failures can say exactly why (errno) and a directory given as
// an input is reported as such instead of as an unreadable image.
#include "io/input_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

class ReadOnlyDescriptor {
 public:
  explicit ReadOnlyDescriptor(const std::filesystem::path& path)
      : descriptor_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (descriptor_ < 0) {
      throw InputError(path, std::string("cannot open the file: ") + std::strerror(errno) +
                                 "; check the path and its permissions");
    }
  }
  ~ReadOnlyDescriptor() { ::close(descriptor_); }
  ReadOnlyDescriptor(const ReadOnlyDescriptor&) = delete;
  ReadOnlyDescriptor& operator=(const ReadOnlyDescriptor&) = delete;
  int get() const { return descriptor_; }

 private:
  int descriptor_;
};

// Returns the size of a regular file; rejects directories and other non-files up front.
std::size_t checked_size(const std::filesystem::path& path, const ReadOnlyDescriptor& file) {
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) {
    throw InputError(path, std::string("cannot inspect the file: ") + std::strerror(errno));
  }
  if (S_ISDIR(status.st_mode)) {
    throw InputError(path,
                     "is a directory, not an image file; give the image files inside it "
                     "(for example with a wildcard)");
  }
  return S_ISREG(status.st_mode) ? static_cast<std::size_t>(status.st_size) : 0;
}

// Reads until `count` bytes or end of file; returns how many were read.
std::size_t read_up_to(const std::filesystem::path& path, const ReadOnlyDescriptor& file,
                       unsigned char* destination, std::size_t count) {
  std::size_t done = 0;
  while (done < count) {
    ssize_t got = ::read(file.get(), destination + done, count - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw InputError(path, std::string("cannot read the file: ") + std::strerror(errno));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

std::vector<unsigned char> read_file_head(const std::filesystem::path& path, std::size_t count) {
  ReadOnlyDescriptor file(path);
  checked_size(path, file);
  std::vector<unsigned char> head(count);
  head.resize(read_up_to(path, file, head.data(), count));
  return head;
}

void read_whole_file(const std::filesystem::path& path, std::vector<unsigned char>& bytes) {
  ReadOnlyDescriptor file(path);
  std::size_t size = checked_size(path, file);
  bytes.resize(size);
  std::size_t got = read_up_to(path, file, bytes.data(), size);
  if (got != size) {
    throw InputError(path, "the file shrank while it was being read (" + std::to_string(got) + " of " +
                               std::to_string(size) + " bytes); is another program writing it?");
  }
}

}  // namespace nightstack
