// JPEG decoding through TurboJPEG, with the accurate integer DCT so results do not depend on the
// machine, and every libjpeg warning (such as a truncated file) treated as a broken frame.
#include "io/jpeg_reader.hpp"

#include <cstdint>
#include <string>

#include "io/exif_metadata.hpp"
#include "io/input_bytes.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/frame_storage.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// Huffman coding spends at least one bit on every 8x8 block of every component (its DC code, also
// in progressive files), so no Huffman JPEG holds more than 512 pixels per byte. Headers claiming
// more are corrupt or hostile (a 200-byte file claiming 30000 x 30000 would cost 4.5 GB before
// failing). Arithmetic-coded JPEG could in principle beat this on a blank image; it is refused too.
constexpr std::uint64_t maximum_pixels_per_byte = 512;

// Checks what TurboJPEG's header says before anything is allocated from it.
void check_dimensions(const std::filesystem::path& path, int width, int height, int channels,
                      std::size_t file_bytes) {
  if (width <= 0 || height <= 0) {
    throw InputError(path, "the JPEG header claims an image of " + std::to_string(width) + " x " +
                               std::to_string(height) + " pixels; the file is corrupt");
  }
  auto samples = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) *
                 static_cast<std::uint64_t>(channels);
  if (samples > maximum_samples) {
    throw InputError(path, "the JPEG header claims " + std::to_string(width) + " x " +
                               std::to_string(height) + " pixels, more than nightstack reads (" +
                               std::to_string(maximum_samples) + " samples)");
  }
  const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (pixels > maximum_pixels_per_byte * file_bytes) {
    throw InputError(path, "the JPEG header claims " + std::to_string(width) + " x " +
                               std::to_string(height) + " pixels, more than a file of " +
                               std::to_string(file_bytes) +
                               " bytes can hold; the file is truncated or corrupt");
  }
}

}  // namespace

JpegReader::JpegReader() : decompressor_(tjInitDecompress()) {
  if (!decompressor_) {
    throw std::runtime_error("cannot start the JPEG decoder: " + turbojpeg_error_text(nullptr));
  }
}

Frame JpegReader::read(const std::filesystem::path& path) {
  read_whole_file(path, compressed_);
  return decode(path, compressed_);
}

Frame JpegReader::decode(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
  if (bytes.empty()) throw InputError(path, "the file is empty; it is not a JPEG image");

  tjhandle handle = decompressor_.get();
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle, bytes.data(), bytes.size(), &width, &height, &subsampling, &colorspace) !=
      0) {
    throw InputError(path, "not a readable JPEG: " + turbojpeg_error_text(handle));
  }
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    throw InputError(path, "CMYK JPEG is not supported; convert it to RGB first");
  }
  const bool gray = colorspace == TJCS_GRAY;
  const int channels = gray ? 1 : 3;
  check_dimensions(path, width, height, channels, bytes.size());

  Frame frame;
  frame.info.path = path;
  frame.info.format = "JPEG";
  frame.info.encoding = Encoding::srgb;
  frame.info.white_level = 255.0;
  frame.info.bits_per_sample = 8;
  read_exif_capture(bytes.data(), bytes.size(), frame.info.capture);
  frame.pixels = take_frame_pixels(width, height, channels);

  const std::size_t plane_size = frame.pixels.plane_size();
  interleaved_.resize(plane_size * channels);
  // TJFLAG_LIMITSCANS stops crafted progressive files from taking minutes to decode.
  const int flags = TJFLAG_LIMITSCANS;
  if (tjDecompress2(handle, bytes.data(), bytes.size(), interleaved_.data(), width, 0, height,
                    gray ? TJPF_GRAY : TJPF_RGB, flags) != 0) {
    // A truncated or damaged file comes back as a warning (the missing rows filled with gray);
    // stacking such a frame would silently darken the result, so it is an error here too.
    const bool warning = tjGetErrorCode(handle) == TJERR_WARNING;
    throw InputError(path, std::string(warning ? "damaged JPEG data: " : "cannot decode the JPEG: ") +
                               turbojpeg_error_text(handle) +
                               "; the file is probably truncated or corrupt, re-copy or exclude it");
  }

  const unsigned char* source = interleaved_.data();
  if (gray) {
    float* plane = frame.pixels.plane(0).data();
    for (std::size_t index = 0; index < plane_size; ++index) plane[index] = static_cast<float>(source[index]);
  } else {
    // One pass over the interleaved pixels, writing the three planes side by side.
    float* red = frame.pixels.plane(0).data();
    float* green = frame.pixels.plane(1).data();
    float* blue = frame.pixels.plane(2).data();
    for (std::size_t index = 0; index < plane_size; ++index) {
      red[index] = static_cast<float>(source[3 * index]);
      green[index] = static_cast<float>(source[3 * index + 1]);
      blue[index] = static_cast<float>(source[3 * index + 2]);
    }
  }
  return frame;
}

}  // namespace nightstack
