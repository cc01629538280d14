// PNG decoding through libpng (the calls themselves are in png_decoding.cpp): the header is checked
// before anything is allocated from it, then rows are decoded as bands ask for them.
#include "io/png_reader.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "io/header_checks.hpp"
#include "io/input_bytes.hpp"
#include "io/png_decoding.hpp"
#include "pipeline/errors.hpp"

namespace nightstack {

namespace {

constexpr std::uint64_t maximum_samples = std::uint64_t{1} << 31;
// zlib's documented limit: deflate never expands data more than 1032-fold on decompression.
constexpr std::uint64_t maximum_deflate_ratio = 1032;

[[noreturn]] void fail(const std::filesystem::path& path, const PngDecoding& decoding) {
  throw InputError(path, std::string("cannot decode the PNG: ") + decoding.message);
}

void check_header(const std::filesystem::path& path, const PngDecoding& decoding) {
  const std::string size =
      std::to_string(decoding.width) + " x " + std::to_string(decoding.height) + " pixels";
  // A non-interlaced file's filtered rows are the least its compressed data must inflate to.
  const std::uint64_t least_inflated =
      (((std::uint64_t{decoding.width} * decoding.file_channels * decoding.file_bit_depth) + 7) / 8 + 1) *
      decoding.height;
  check_header_claim(path, "cannot decode the PNG: the header claims " + size, least_inflated,
                     maximum_deflate_ratio, decoding.input_size);
  const int colours = decoding.colour ? 3 : 1;
  if (std::uint64_t{decoding.width} * decoding.height * colours > maximum_samples) {
    throw InputError(path, "cannot decode the PNG: the header claims " + size +
                               ", more than nightstack reads (2^31 samples)");
  }
}

class PngFrame : public OpenFrame {
 public:
  PngFrame(FrameInfo info, StoredShape shape, std::unique_ptr<PngDecoding> decoding,
           StateLender<PngReader::Buffers>::Loan buffers)
      : OpenFrame(std::move(info), shape),
        owned_decoding_(std::move(decoding)),
        decoding_(*owned_decoding_),
        buffers_(std::move(buffers)) {}
  ~PngFrame() override { close_png(decoding_); }
  PngFrame(const PngFrame&) = delete;
  PngFrame& operator=(const PngFrame&) = delete;

 protected:
  const void* decode_rows(int rows, int& delivered) override {
    const std::size_t row_bytes = decoding_.row_bytes;
    const auto count = static_cast<std::uint32_t>(rows);
    const unsigned char* decoded = nullptr;
    if (decoding_.interlaced) {
      // Every pass touches every row, so no row is final before the whole image is decoded.
      if (rows_read() == 0) {
        buffers_->decoded.resize(row_bytes * decoding_.height);
        if (!read_png_image(decoding_, buffers_->decoded.data())) fail(info().path, decoding_);
      }
      decoded = buffers_->decoded.data() + row_bytes * static_cast<std::size_t>(rows_read());
    } else {
      buffers_->decoded.resize(row_bytes * count);
      if (!read_png_rows(decoding_, buffers_->decoded.data(), count)) fail(info().path, decoding_);
      decoded = buffers_->decoded.data();
    }
    if (static_cast<std::uint32_t>(rows_read() + rows) == decoding_.height && !finish_png(decoding_)) {
      fail(info().path, decoding_);
    }
    delivered = rows;
    if (decoding_.samples_per_pixel == shape().channels) return decoded;
    return keep_colours(decoded, count);
  }

 private:
  // Drops samples past the colours (an alpha libpng kept), into the band buffer.
  const void* keep_colours(const unsigned char* decoded, std::uint32_t rows) {
    const std::size_t sample_bytes = sample_size(shape().type);
    const std::size_t pixel_bytes = shape().channels * sample_bytes;
    const std::size_t decoded_pixel_bytes = decoding_.samples_per_pixel * sample_bytes;
    const std::size_t pixels = std::size_t{decoding_.width} * rows;
    buffers_->band.resize(pixels * pixel_bytes);
    for (std::size_t row = 0; row < rows; ++row) {
      const unsigned char* from = decoded + row * decoding_.row_bytes;
      unsigned char* to = buffers_->band.data() + row * decoding_.width * pixel_bytes;
      for (std::size_t column = 0; column < decoding_.width; ++column) {
        std::memcpy(to + column * pixel_bytes, from + column * decoded_pixel_bytes, pixel_bytes);
      }
    }
    return buffers_->band.data();
  }

  std::unique_ptr<PngDecoding> owned_decoding_;  // libpng points into it
  PngDecoding& decoding_;
  StateLender<PngReader::Buffers>::Loan buffers_;
};

}  // namespace

PngReader::PngReader(const ReadOptions&) {}

FrameInfo PngReader::read_info(const std::filesystem::path& path) { return open(path)->info(); }

Frame PngReader::read(const std::filesystem::path& path) { return read_whole_frame(*open(path)); }

std::unique_ptr<OpenFrame> PngReader::open(const std::filesystem::path& path) {
  auto buffers = lender_.lend();
  read_whole_file(path, buffers->file_bytes);
  const std::span<const unsigned char> bytes = buffers->file_bytes;
  return open_loaned(path, bytes, std::move(buffers));
}

Frame PngReader::decode(const std::filesystem::path& name, std::span<const unsigned char> bytes) {
  return read_whole_frame(*open_bytes(name, bytes));
}

std::unique_ptr<OpenFrame> PngReader::open_bytes(const std::filesystem::path& name,
                                                 std::span<const unsigned char> bytes) {
  return open_loaned(name, bytes, lender_.lend());
}

std::unique_ptr<OpenFrame> PngReader::open_loaned(const std::filesystem::path& path,
                                                  std::span<const unsigned char> bytes,
                                                  StateLender<Buffers>::Loan buffers) {
  if (!is_png(bytes.data(), bytes.size())) {
    throw InputError(path, "not a PNG file (its first bytes are not the PNG signature)");
  }
  auto owned_decoding = std::make_unique<PngDecoding>();
  PngDecoding& decoding = *owned_decoding;
  decoding.input = bytes.data();
  decoding.input_size = bytes.size();
  // The structures are freed on every way out until the frame owns them.
  struct CloseUnlessKept {
    PngDecoding* decoding;
    ~CloseUnlessKept() {
      if (decoding != nullptr) close_png(*decoding);
    }
  } closer{&decoding};
  if (!open_png(decoding)) fail(path, decoding);
  check_header(path, decoding);
  if (!prepare_png(decoding)) fail(path, decoding);

  FrameInfo info;
  info.path = path;
  info.format = "PNG";
  info.encoding = decoding.linear ? Encoding::linear : Encoding::srgb;
  info.white_level = decoding.bit_depth == 16 ? 65535.0 : 255.0;
  info.bits_per_sample = decoding.bit_depth;
  const StoredShape shape{static_cast<int>(decoding.width), static_cast<int>(decoding.height),
                          decoding.samples_per_pixel >= 3 ? 3 : 1,
                          decoding.bit_depth == 16 ? SampleType::uint16 : SampleType::uint8};
  auto frame =
      std::make_unique<PngFrame>(std::move(info), shape, std::move(owned_decoding), std::move(buffers));
  closer.decoding = nullptr;
  return frame;
}

}  // namespace nightstack
