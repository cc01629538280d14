// libFuzzer target: the FITS reader on arbitrary bytes, in memory.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.hpp"
#include "io/fits_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One reader for every input, as a decoding thread reuses its reader from frame to frame.
  static nightstack::FitsReader reader;
  nightstack::fuzzing::expect_frame_or_input_error([&] {
    reader.decode(nightstack::fuzzing::input_name, {data, size});
  });
  return 0;
}
