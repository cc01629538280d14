#include "io/libraw_hazards.hpp"

#include <libraw/libraw.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "io/input_bytes.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::uint16_t cfa_repeat_pattern_dim = 33421;
constexpr std::uint16_t cfa_pattern = 33422;
constexpr std::uint16_t kodak_cfa_pattern = 64777;
constexpr std::uint32_t xtrans_values = 36;
constexpr std::size_t entry_bytes = 12;  // tag (2), type (2), count (4), value or offset (4)

std::uint16_t read16(const unsigned char* at, bool big_endian) {
  return big_endian ? static_cast<std::uint16_t>(at[0] << 8 | at[1])
                    : static_cast<std::uint16_t>(at[1] << 8 | at[0]);
}

std::uint32_t read32(const unsigned char* at, bool big_endian) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = value << 8 | at[big_endian ? i : 3 - i];
  return value;
}

// An entry at `at` that sets the X-Trans layout the way LibRaw reads it: 33421 with the values 6, 6.
bool sets_xtrans_layout(const unsigned char* at, bool big_endian) {
  return read16(at, big_endian) == cfa_repeat_pattern_dim && read16(at + 8, big_endian) == 6 &&
         read16(at + 10, big_endian) == 6;
}

struct Hazard {
  std::uint64_t position = 0;  // of the entry, in the bytes scanned
  std::uint16_t tag = 0;
};

// The entry starting at `position`, if it is one LibRaw would loop on.
std::optional<Hazard> hazard_at(std::span<const unsigned char> bytes, std::size_t position) {
  if (position + entry_bytes > bytes.size()) return std::nullopt;
  const unsigned char* entry = bytes.data() + position;
  for (const bool big_endian : {false, true}) {
    const std::uint16_t tag = read16(entry, big_endian);
    if (tag != cfa_pattern && tag != kodak_cfa_pattern) continue;
    if (read32(entry + 4, big_endian) != xtrans_values) continue;
    if (position >= entry_bytes && sets_xtrans_layout(entry - entry_bytes, big_endian)) continue;
    return Hazard{position, tag};
  }
  return std::nullopt;
}

// Whether the two bytes at `at` are one of the tags in either byte order.
bool tag_bytes(const unsigned char* at) {
  const unsigned pair = static_cast<unsigned>(at[0]) << 8 | at[1];
  return pair == 0x8e82 || pair == 0x828e || pair == 0x09fd || pair == 0xfd09;
}

#if defined(__SSE2__)
// Whether any of the 16 positions from `at` starts one of the tags' byte pairs (reads 17 bytes).
bool block_may_hold_tag(const unsigned char* at) {
  const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  const __m128i second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 1));
  const auto pair = [&](unsigned char a, unsigned char b) {
    return _mm_and_si128(_mm_cmpeq_epi8(first, _mm_set1_epi8(static_cast<char>(a))),
                         _mm_cmpeq_epi8(second, _mm_set1_epi8(static_cast<char>(b))));
  };
  const __m128i any = _mm_or_si128(_mm_or_si128(pair(0x8e, 0x82), pair(0x82, 0x8e)),
                                   _mm_or_si128(pair(0x09, 0xfd), pair(0xfd, 0x09)));
  return _mm_movemask_epi8(any) != 0;
}
#else
bool block_may_hold_tag(const unsigned char* at) {
  for (int i = 0; i < 16; ++i)
    if (tag_bytes(at + i)) return true;
  return false;
}
#endif

std::optional<Hazard> find_hazard(std::span<const unsigned char> bytes) {
  if (bytes.size() < entry_bytes) return std::nullopt;
  const unsigned char* data = bytes.data();
  const std::size_t last = bytes.size() - entry_bytes;  // the last position an entry can start
  // Whole files are scanned (a RAW is tens of megabytes): blocks of 16 positions without the tags'
  // byte pairs, nearly all of them, are passed over at once.
  std::size_t start = 0;
  for (; start + 16 <= last; start += 16) {
    if (!block_may_hold_tag(data + start)) continue;
    for (std::size_t position = start; position < start + 16; ++position)
      if (tag_bytes(data + position))
        if (auto hazard = hazard_at(bytes, position)) return hazard;
  }
  for (std::size_t position = start; position <= last; ++position)
    if (tag_bytes(data + position))
      if (auto hazard = hazard_at(bytes, position)) return hazard;
  return std::nullopt;
}

std::string describe(const Hazard& hazard) {
  return "a TIFF directory entry at byte " + std::to_string(hazard.position) +
         " holds a 36-value CFA pattern (tag " + std::to_string(hazard.tag) +
         ") without the 6 x 6 pattern size before it; LibRaw 0.20 crashes on such a header, so the file "
         "is refused (if it is a real camera file, convert it to DNG with Adobe DNG Converter)";
}

}  // namespace

bool libraw_has_cfa_pattern_defect() { return LibRaw::versionNumber() < LIBRAW_MAKE_VERSION(0, 21, 0); }

std::optional<std::string> libraw_crash_hazard(std::span<const unsigned char> bytes) {
  if (!libraw_has_cfa_pattern_defect()) return std::nullopt;
  if (const auto hazard = find_hazard(bytes)) return describe(*hazard);
  return std::nullopt;
}

std::optional<std::string> libraw_crash_hazard(const std::filesystem::path& path) {
  if (!libraw_has_cfa_pattern_defect()) return std::nullopt;
  // Mapped, not copied: the scan runs at memory speed, and the pages it brings in are the ones
  // LibRaw reads next.
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    read_file_head(path, 1);  // throws with the operating system's reason
    throw InputError(path, "cannot read the file");
  }
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode) || status.st_size <= 0) {
    ::close(descriptor);
    read_file_head(path, 1);  // a directory: throws saying so
    return std::nullopt;      // LibRaw gives an empty or special file its own error
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, descriptor, 0);
  ::close(descriptor);
  if (mapped == MAP_FAILED)
    throw InputError(path, std::string("cannot map the file: ") + std::strerror(errno));
  ::madvise(mapped, size, MADV_SEQUENTIAL);
  const auto hazard = find_hazard(std::span(static_cast<const unsigned char*>(mapped), size));
  ::munmap(mapped, size);
  if (hazard) return describe(*hazard);
  return std::nullopt;
}

}  // namespace nightstack
