// JPEG output through TurboJPEG: interleave the planes, compress in memory, write the bytes.
#include "io/jpeg_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "io/display_encoding.hpp"
#include "io/turbojpeg_handle.hpp"
#include "pipeline/atomic_output.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

void write_bytes(const std::filesystem::path& destination, const std::filesystem::path& file,
                 const unsigned char* bytes, std::size_t size) {
  int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (descriptor < 0) {
    throw OutputError(destination, std::string("cannot create the JPEG: ") + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < size) {
    ssize_t written = ::write(descriptor, bytes + done, size - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int saved_errno = written < 0 ? errno : ENOSPC;
      ::close(descriptor);
      throw OutputError(destination, std::string("cannot write the JPEG: ") + std::strerror(saved_errno));
    }
    done += static_cast<std::size_t>(written);
  }
  if (::close(descriptor) != 0) {
    throw OutputError(destination, std::string("cannot write the JPEG: ") + std::strerror(errno));
  }
}

}  // namespace

std::vector<unsigned char> encode_jpeg(const PlanarImage<std::uint8_t>& pixels, int quality) {
  const int channels = pixels.channels();
  if (quality < 1 || quality > 100) {
    throw std::invalid_argument("encode_jpeg: quality " + std::to_string(quality) + " is not in 1..100");
  }
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("encode_jpeg: " + std::to_string(channels) +
                                " channels; JPEG output takes 1 or 3");
  }
  if (pixels.empty()) throw std::invalid_argument("encode_jpeg: the image is empty");
  // JPEG's own limit; TurboJPEG would refuse later with a less clear message.
  if (pixels.width() > 65535 || pixels.height() > 65535) {
    throw std::runtime_error("a JPEG is at most 65535 pixels wide and high; this image is " +
                             std::to_string(pixels.width()) + " x " + std::to_string(pixels.height()));
  }

  std::vector<unsigned char> interleaved(pixels.plane_size() * channels);
  for (int channel = 0; channel < channels; ++channel) {
    auto plane = pixels.plane(channel);
    for (std::size_t index = 0; index < plane.size(); ++index) {
      interleaved[index * channels + channel] = plane[index];
    }
  }

  TurboJpegHandle compressor(tjInitCompress());
  if (!compressor)
    throw std::runtime_error("cannot start the JPEG encoder: " + turbojpeg_error_text(nullptr));
  const int subsampling = channels == 1 ? TJSAMP_GRAY : (quality >= 90 ? TJSAMP_444 : TJSAMP_420);
  unsigned char* compressed = nullptr;
  unsigned long compressed_size = 0;
  const int result = tjCompress2(compressor.get(), interleaved.data(), pixels.width(), 0, pixels.height(),
                                 channels == 1 ? TJPF_GRAY : TJPF_RGB, &compressed, &compressed_size,
                                 subsampling, quality, 0);
  TurboJpegBuffer owned(compressed);  // TurboJPEG may allocate even when it then fails
  if (result != 0)
    throw std::runtime_error("cannot encode the JPEG: " + turbojpeg_error_text(compressor.get()));
  return std::vector<unsigned char>(owned.get(), owned.get() + compressed_size);
}

void write_jpeg(const std::filesystem::path& destination, const PlanarImage<std::uint8_t>& pixels,
                int quality) {
  std::vector<unsigned char> encoded;
  try {
    encoded = encode_jpeg(pixels, quality);
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw OutputError(destination, error.what());
  }
  AtomicOutput output(destination);
  write_bytes(destination, output.temporary_path(), encoded.data(), encoded.size());
  output.commit();
}

namespace {

class JpegImageWriter : public ImageWriter {
 public:
  void write(const std::filesystem::path& destination, const ImageToWrite& image,
             const WriteOptions& options) const override {
    write_jpeg(destination, encode_display_8(image.pixels, options.encoding), options.jpeg_quality);
  }
};

}  // namespace

const ImageWriter& jpeg_image_writer() {
  static const JpegImageWriter writer;
  return writer;
}

}  // namespace nightstack
