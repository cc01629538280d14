// Reference implementations for tests. They call the C libraries directly and as plainly as
// possible, so a test that compares io/ against them checks io/ against an independent path.
#include "tests/support/fixtures.hpp"

#include <fcntl.h>
#include <fitsio.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace nightstack::testing {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("test fixture: " + what); }

struct TurboJpegDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TurboJpeg = std::unique_ptr<void, TurboJpegDeleter>;

struct FitsCloser {
  void operator()(fitsfile* file) const {
    int status = 0;
    fits_close_file(file, &status);
  }
};
using Fits = std::unique_ptr<fitsfile, FitsCloser>;

struct TiffCloser {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};

void check_fits(int status, const std::string& what) {
  if (status == 0) return;
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  fits_clear_errmsg();
  fail(what + ": CFITSIO " + text);
}

std::vector<unsigned char> read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) fail("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

}  // namespace

TemporaryDirectory::TemporaryDirectory() {
  char pattern[] = "/tmp/nightstack-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) fail(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_reference_jpeg(const std::filesystem::path& path, const PlanarImage<std::uint8_t>& image,
                          int quality) {
  const int channels = image.channels();
  if (channels != 1 && channels != 3) fail("write_reference_jpeg takes 1 or 3 channels");
  std::vector<unsigned char> interleaved(image.plane_size() * channels);
  for (int channel = 0; channel < channels; ++channel) {
    for (std::size_t index = 0; index < image.plane_size(); ++index) {
      interleaved[index * channels + channel] = image.plane(channel)[index];
    }
  }
  TurboJpeg compressor(tjInitCompress());
  unsigned char* compressed = nullptr;
  unsigned long size = 0;
  int result = tjCompress2(compressor.get(), interleaved.data(), image.width(), 0, image.height(),
                           channels == 1 ? TJPF_GRAY : TJPF_RGB, &compressed, &size,
                           channels == 1 ? TJSAMP_GRAY : TJSAMP_444, quality, 0);
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(compressed, tjFree);
  if (result != 0) fail(std::string("tjCompress2: ") + tjGetErrorStr2(compressor.get()));
  std::ofstream stream(path, std::ios::binary);
  stream.write(reinterpret_cast<const char*>(owned.get()), static_cast<std::streamsize>(size));
  if (!stream.flush()) fail("cannot write " + path.string());
}

PlanarImage<std::uint8_t> decode_reference_jpeg(const std::filesystem::path& path) {
  std::vector<unsigned char> compressed = read_bytes(path);
  TurboJpeg decompressor(tjInitDecompress());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(decompressor.get(), compressed.data(), compressed.size(), &width, &height,
                          &subsampling, &colorspace) != 0) {
    fail(std::string("tjDecompressHeader3: ") + tjGetErrorStr2(decompressor.get()));
  }
  const int channels = colorspace == TJCS_GRAY ? 1 : 3;
  std::vector<unsigned char> interleaved(static_cast<std::size_t>(width) * height * channels);
  if (tjDecompress2(decompressor.get(), compressed.data(), compressed.size(), interleaved.data(), width, 0,
                    height, channels == 1 ? TJPF_GRAY : TJPF_RGB, 0) != 0) {
    fail(std::string("tjDecompress2: ") + tjGetErrorStr2(decompressor.get()));
  }
  PlanarImage<std::uint8_t> image(width, height, channels);
  for (int channel = 0; channel < channels; ++channel) {
    for (std::size_t index = 0; index < image.plane_size(); ++index) {
      image.plane(channel)[index] = interleaved[index * channels + channel];
    }
  }
  return image;
}

void write_reference_fits(const std::filesystem::path& path, const ImageD& image, int bitpix) {
  if (bitpix != 16 && bitpix != -32 && bitpix != -64) fail("write_reference_fits: bitpix 16, -32, -64");
  if (bitpix == 16) {
    for (double value : image.samples()) {
      if (value < 0 || value > 65535 || value != std::floor(value)) {
        fail("write_reference_fits: bitpix 16 takes integers 0..65535");
      }
    }
  }
  int status = 0;
  fitsfile* raw = nullptr;
  fits_create_diskfile(&raw, path.c_str(), &status);
  check_fits(status, "create " + path.string());
  Fits file(raw);
  long axes[3] = {image.width(), image.height(), image.channels()};
  const int type = bitpix == 16 ? USHORT_IMG : bitpix;
  fits_create_img(file.get(), type, image.channels() == 1 ? 2 : 3, axes, &status);
  // FITS row 1 is the bottom: write our rows in reverse.
  std::vector<double> row(static_cast<std::size_t>(image.width()));
  for (int channel = 0; channel < image.channels(); ++channel) {
    for (int fits_row = 0; fits_row < image.height(); ++fits_row) {
      for (int column = 0; column < image.width(); ++column) {
        row[column] = image.at(channel, image.height() - 1 - fits_row, column);
      }
      LONGLONG first = static_cast<LONGLONG>(channel) * image.width() * image.height() +
                       static_cast<LONGLONG>(fits_row) * image.width() + 1;
      fits_write_img(file.get(), TDOUBLE, first, image.width(), row.data(), &status);
    }
  }
  check_fits(status, "write " + path.string());
  raw = file.release();
  fits_close_file(raw, &status);
  check_fits(status, "close " + path.string());
}

ImageD read_reference_fits(const std::filesystem::path& path, std::vector<std::string>* header_cards) {
  int status = 0;
  fitsfile* raw = nullptr;
  fits_open_diskfile(&raw, path.c_str(), READONLY, &status);
  check_fits(status, "open " + path.string());
  Fits file(raw);
  int hdu_count = 0;
  fits_get_num_hdus(file.get(), &hdu_count, &status);
  int axis_count = 0;
  long axes[3] = {1, 1, 1};
  for (int hdu = 1; hdu <= hdu_count && status == 0; ++hdu) {
    int hdu_type = 0;
    fits_movabs_hdu(file.get(), hdu, &hdu_type, &status);
    if (hdu_type != IMAGE_HDU) continue;
    fits_get_img_dim(file.get(), &axis_count, &status);
    if (axis_count != 0) break;
  }
  if (axis_count != 2 && axis_count != 3) fail("read_reference_fits: no 2-D or 3-D image");
  fits_get_img_size(file.get(), 3, axes, &status);
  check_fits(status, "header of " + path.string());
  ImageD image(static_cast<int>(axes[0]), static_cast<int>(axes[1]), static_cast<int>(axes[2]));
  std::vector<double> raw_order(image.samples().size());
  int any_null = 0;
  fits_read_img(file.get(), TDOUBLE, 1, static_cast<LONGLONG>(raw_order.size()), nullptr, raw_order.data(),
                &any_null, &status);
  check_fits(status, "pixels of " + path.string());
  for (int channel = 0; channel < image.channels(); ++channel) {
    for (int row = 0; row < image.height(); ++row) {
      for (int column = 0; column < image.width(); ++column) {
        const std::size_t fits_row = static_cast<std::size_t>(image.height() - 1 - row);
        image.at(channel, row, column) =
            raw_order[image.plane_size() * channel + fits_row * image.width() + column];
      }
    }
  }
  if (header_cards != nullptr) {
    header_cards->clear();
    int card_count = 0;
    fits_get_hdrspace(file.get(), &card_count, nullptr, &status);
    for (int index = 1; index <= card_count && status == 0; ++index) {
      char card[FLEN_CARD] = {};
      fits_read_record(file.get(), index, card, &status);
      std::string text = card;
      text.resize(80, ' ');  // CFITSIO trims trailing blanks; give back the card as stored
      header_cards->push_back(text);
    }
    check_fits(status, "header cards of " + path.string());
  }
  return image;
}

PlanarImage<std::uint16_t> read_reference_tiff16(const std::filesystem::path& path,
                                                 std::string* description) {
  std::unique_ptr<TIFF, TiffCloser> tiff(TIFFOpen(path.c_str(), "r"));
  if (!tiff) fail("TIFFOpen " + path.string());
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 0, channels = 1, planar = PLANARCONFIG_CONTIG;
  TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height);
  TIFFGetField(tiff.get(), TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &channels);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_PLANARCONFIG, &planar);
  if (bits != 16 || planar != PLANARCONFIG_CONTIG) fail("read_reference_tiff16: not contiguous 16-bit");
  if (description != nullptr) {
    char* text = nullptr;
    *description = TIFFGetField(tiff.get(), TIFFTAG_IMAGEDESCRIPTION, &text) && text ? text : "";
  }
  PlanarImage<std::uint16_t> image(static_cast<int>(width), static_cast<int>(height), channels);
  std::vector<std::uint16_t> row(static_cast<std::size_t>(TIFFScanlineSize64(tiff.get()) / 2));
  for (std::uint32_t y = 0; y < height; ++y) {
    if (TIFFReadScanline(tiff.get(), row.data(), y, 0) != 1) fail("TIFFReadScanline " + path.string());
    for (std::uint32_t x = 0; x < width; ++x) {
      for (int channel = 0; channel < channels; ++channel) {
        image.at(channel, static_cast<int>(y), static_cast<int>(x)) = row[x * channels + channel];
      }
    }
  }
  return image;
}

std::vector<std::string> directory_entries(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

FileSizeLimit::FileSizeLimit(std::uint64_t bytes) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0) fail(std::string("getrlimit: ") + std::strerror(errno));
  previous_limit_ = limit.rlim_cur;
  previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
  limit.rlim_cur = bytes;
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) fail(std::string("setrlimit: ") + std::strerror(errno));
}

FileSizeLimit::~FileSizeLimit() {
  struct rlimit limit {};
  ::getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = previous_limit_;
  ::setrlimit(RLIMIT_FSIZE, &limit);
  std::signal(SIGXFSZ, previous_handler_);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

int spawn_capturing(const std::vector<std::string>& arguments, const std::filesystem::path& out,
                    const std::filesystem::path& err, pid_t& child) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const int error = posix_spawnp(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

CommandResult run_command(const std::vector<std::string>& arguments) {
  if (arguments.empty()) fail("run_command needs a program");
  TemporaryDirectory capture;
  const auto out_path = capture.path() / "out";
  const auto err_path = capture.path() / "err";
  pid_t child = 0;
  const int spawn_error = spawn_capturing(arguments, out_path, err_path, child);
  if (spawn_error != 0) {
    return {127, "", "cannot run " + arguments[0] + ": " + std::strerror(spawn_error)};
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
  }
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {exit_code, file_text(out_path), file_text(err_path)};
}

CommandResult run_nightstack(const std::vector<std::string>& arguments) {
  std::vector<std::string> full{NIGHTSTACK_BINARY};
  full.insert(full.end(), arguments.begin(), arguments.end());
  return run_command(full);
}

std::string header_value(const std::vector<std::string>& cards, const std::string& key) {
  for (const auto& card : cards) {
    if (card.compare(0, key.size(), key) == 0 && card.size() > 10 && card[8] == '=')
      return card.substr(10, 70);
  }
  return "";
}

bool same_bits(const ImageD& a, const ImageD& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.samples().data(), b.samples().data(), a.samples().size() * sizeof(double)) == 0;
}

}  // namespace nightstack::testing
