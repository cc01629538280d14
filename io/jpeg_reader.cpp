// JPEG decoding through libjpeg's scanline interface, with the accurate integer DCT so results do
// not depend on the machine, and every libjpeg warning (such as a truncated file) treated as a
// broken frame. Rows are decoded only when a band asks for them.
#include "io/jpeg_reader.hpp"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <cstdint>
#include <string>

#include "io/exif_metadata.hpp"
#include "io/header_checks.hpp"
#include "io/input_bytes.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// Huffman coding spends at least one bit on every 8x8 block of every component (its DC code, also
// in progressive files), so no Huffman JPEG holds more than 512 pixels per byte. Headers claiming
// more are corrupt or hostile (a 200-byte file claiming 30000 x 30000 would cost 4.5 GB before
// failing). Arithmetic-coded JPEG could in principle beat this on a blank image; it is refused too.
constexpr std::uint64_t maximum_pixels_per_byte = 512;

// Checks what the header says before anything is allocated from it.
void check_dimensions(const std::filesystem::path& path, std::uint64_t width, std::uint64_t height,
                      int channels, std::size_t file_bytes) {
  const std::string size = std::to_string(width) + " x " + std::to_string(height) + " pixels";
  if (width == 0 || height == 0) {
    throw InputError(path, "the JPEG header claims an image of " + size + "; the file is corrupt");
  }
  if (width * height * static_cast<std::uint64_t>(channels) > maximum_samples) {
    throw InputError(path, "the JPEG header claims " + size + ", more than nightstack reads (" +
                               std::to_string(maximum_samples) + " samples)");
  }
  check_header_claim(path, "the JPEG header claims " + size, width * height, maximum_pixels_per_byte,
                     file_bytes);
}

[[noreturn]] void fail_decoding(const std::filesystem::path& path, const JpegDecompressor& decompressor) {
  // A truncated or damaged file comes back as a warning; the missing rows would be gray.
  throw InputError(path,
                   std::string(decompressor.warned() ? "damaged JPEG data: " : "cannot decode the JPEG: ") +
                       decompressor.message() +
                       "; the file is probably truncated or corrupt, re-copy or exclude it");
}

class JpegFrame : public OpenFrame {
 public:
  JpegFrame(FrameInfo info, StoredShape shape, StateLender<JpegReader::State>::Loan state)
      : OpenFrame(std::move(info), shape), state_(std::move(state)) {}
  ~JpegFrame() override { state_->decompressor.abort(); }
  JpegFrame(const JpegFrame&) = delete;
  JpegFrame& operator=(const JpegFrame&) = delete;

 protected:
  const void* decode_rows(int rows, int& delivered) override {
    const std::size_t row_bytes = shape().row_samples();
    state_->band.resize(row_bytes * static_cast<std::size_t>(rows));
    if (!state_->decompressor.read_rows(state_->band.data(), rows, row_bytes)) {
      fail_decoding(info().path, state_->decompressor);
    }
    delivered = rows;
    return state_->band.data();
  }

 private:
  StateLender<JpegReader::State>::Loan state_;
};

}  // namespace

Frame JpegReader::read(const std::filesystem::path& path) { return read_whole_frame(*open(path)); }

FrameInfo JpegReader::read_info(const std::filesystem::path& path) { return open(path)->info(); }

std::unique_ptr<OpenFrame> JpegReader::open(const std::filesystem::path& path) {
  auto state = lender_.lend();
  read_whole_file(path, state->file_bytes);
  const std::span<const unsigned char> bytes = state->file_bytes;
  return open_loaned(path, bytes, std::move(state));
}

Frame JpegReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  return read_whole_frame(*open_bytes(name, bytes));
}

std::unique_ptr<OpenFrame> JpegReader::open_bytes(const std::filesystem::path& name,
                                                  std::span<const unsigned char> bytes) {
  return open_loaned(name, bytes, lender_.lend());
}

std::unique_ptr<OpenFrame> JpegReader::open_loaned(const std::filesystem::path& path,
                                                   std::span<const unsigned char> bytes,
                                                   StateLender<State>::Loan state) {
  if (bytes.empty()) throw InputError(path, "the file is empty; it is not a JPEG image");
  JpegDecompressor& decompressor = state->decompressor;
  if (!decompressor.read_header(bytes.data(), bytes.size())) {
    if (decompressor.warned()) fail_decoding(path, decompressor);
    throw InputError(path, std::string("not a readable JPEG: ") + decompressor.message());
  }
  const jpeg_decompress_struct& header = decompressor.header();
  const J_COLOR_SPACE colour_space = header.jpeg_color_space;
  if (colour_space == JCS_CMYK || colour_space == JCS_YCCK) {
    throw InputError(path, "CMYK JPEG is not supported; convert it to RGB first");
  }
  if (colour_space != JCS_GRAYSCALE && colour_space != JCS_RGB && colour_space != JCS_YCbCr) {
    throw InputError(path, "not a readable JPEG: its colour space (" + std::to_string(header.num_components) +
                               " components) is neither gray nor RGB");
  }
  const bool gray = colour_space == JCS_GRAYSCALE;
  const int channels = gray ? 1 : 3;
  check_dimensions(path, header.image_width, header.image_height, channels, bytes.size());
  if (!decompressor.start(gray)) fail_decoding(path, decompressor);

  FrameInfo info;
  info.path = path;
  info.format = "JPEG";
  info.encoding = Encoding::srgb;
  info.white_level = 255.0;
  info.bits_per_sample = 8;
  read_exif_capture(bytes.data(), bytes.size(), info.capture);
  const StoredShape shape{static_cast<int>(header.output_width), static_cast<int>(header.output_height),
                          channels, SampleType::uint8};
  return std::make_unique<JpegFrame>(std::move(info), shape, std::move(state));
}

}  // namespace nightstack
