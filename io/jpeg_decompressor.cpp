// libjpeg reports errors by calling error_exit, which must not return. Here it longjmps back to a
// setjmp in the member function that made the libjpeg call; those functions hold nothing with a
// destructor, so the jump skips no C++ cleanup, and libjpeg's own state is reset by abort().
#include "io/jpeg_decompressor.hpp"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <csetjmp>
#include <cstring>
#include <stdexcept>

namespace nightstack {

namespace {

// TurboJPEG's TJFLAG_LIMITSCANS limit: a crafted progressive file can otherwise hold thousands of
// scans, each a full pass over the coefficients, and take minutes to decode.
constexpr int maximum_scans = 500;

}  // namespace

// Trivially destructible, so a longjmp may leave any of it behind.
struct JpegDecompressor::Context {
  jpeg_decompress_struct decompress;
  jpeg_error_mgr error;
  jpeg_progress_mgr progress;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
  bool warned;
  bool created;
};

namespace {

JpegDecompressor::Context& context_of(j_common_ptr common) {
  return *static_cast<JpegDecompressor::Context*>(common->client_data);
}

[[noreturn]] void stop(j_common_ptr common, bool warning) {
  auto& context = context_of(common);
  if (context.message[0] == '\0') {
    char text[JMSG_LENGTH_MAX] = {};
    (*common->err->format_message)(common, text);
    std::snprintf(context.message, sizeof context.message, "%s", text);
    context.warned = warning;
  }
  std::longjmp(context.jump, 1);
}

[[noreturn]] void on_error(j_common_ptr common) { stop(common, false); }

// libjpeg warns (level -1) about corrupt or missing data and carries on, filling what is missing
// with gray; stacking such a frame would silently spoil the result, so a warning stops decoding.
void on_message(j_common_ptr common, int level) {
  if (level < 0) stop(common, true);
}

void on_progress(j_common_ptr common) {
  auto* decompress = reinterpret_cast<j_decompress_ptr>(common);
  if (decompress->input_scan_number > maximum_scans) {
    auto& context = context_of(common);
    if (context.message[0] == '\0') {
      std::snprintf(context.message, sizeof context.message,
                    "the progressive JPEG has more than %d scans, more than any camera writes",
                    maximum_scans);
    }
    std::longjmp(context.jump, 1);
  }
}

}  // namespace

JpegDecompressor::JpegDecompressor() : context_(std::make_unique<Context>()) {
  Context& context = *context_;
  std::memset(&context, 0, sizeof context);
  context.decompress.err = jpeg_std_error(&context.error);
  context.error.error_exit = on_error;
  context.error.emit_message = on_message;
  context.progress.progress_monitor = on_progress;
  if (setjmp(context.jump) != 0)
    throw std::runtime_error(std::string("cannot start libjpeg: ") + context.message);
  jpeg_create_decompress(&context.decompress);
  context.decompress.client_data = &context;
  context.created = true;
}

JpegDecompressor::~JpegDecompressor() {
  if (context_->created) jpeg_destroy_decompress(&context_->decompress);
}

bool JpegDecompressor::read_header(const unsigned char* bytes, std::size_t size) {
  Context& context = *context_;
  jpeg_abort_decompress(&context.decompress);
  context.message[0] = '\0';
  context.warned = false;
  if (setjmp(context.jump) != 0) return false;
  context.decompress.progress = &context.progress;
  jpeg_mem_src(&context.decompress, bytes, static_cast<unsigned long>(size));
  jpeg_read_header(&context.decompress, TRUE);
  return true;
}

bool JpegDecompressor::start(bool gray) {
  Context& context = *context_;
  if (setjmp(context.jump) != 0) return false;
  jpeg_decompress_struct& decompress = context.decompress;
  decompress.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  decompress.dct_method = JDCT_ISLOW;
  decompress.do_fancy_upsampling = TRUE;
  decompress.scale_num = 1;
  decompress.scale_denom = 1;
  jpeg_start_decompress(&decompress);
  return true;
}

bool JpegDecompressor::read_rows(unsigned char* rows, int count, std::size_t row_bytes) {
  Context& context = *context_;
  if (setjmp(context.jump) != 0) return false;
  jpeg_decompress_struct& decompress = context.decompress;
  constexpr int pointers_per_call = 16;
  JSAMPROW pointers[pointers_per_call];
  int done = 0;
  while (done < count) {
    const int asked = count - done < pointers_per_call ? count - done : pointers_per_call;
    for (int index = 0; index < asked; ++index) pointers[index] = rows + (done + index) * row_bytes;
    const JDIMENSION got = jpeg_read_scanlines(&decompress, pointers, static_cast<JDIMENSION>(asked));
    // A non-suspending source always delivers; zero rows would mean a libjpeg fault, not a loop.
    if (got == 0) {
      std::snprintf(context.message, sizeof context.message, "libjpeg delivered no rows");
      return false;
    }
    done += static_cast<int>(got);
  }
  // Reads to the end marker, so damage after the last row is found too, as tjDecompress2 does.
  if (decompress.output_scanline >= decompress.output_height) jpeg_finish_decompress(&decompress);
  return true;
}

void JpegDecompressor::abort() { jpeg_abort_decompress(&context_->decompress); }

const jpeg_decompress_struct& JpegDecompressor::header() const { return context_->decompress; }
const char* JpegDecompressor::message() const { return context_->message; }
bool JpegDecompressor::warned() const { return context_->warned; }

}  // namespace nightstack
