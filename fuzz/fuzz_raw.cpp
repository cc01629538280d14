// libFuzzer target: the LibRaw wrapper on arbitrary bytes, in memory, in both of its modes. The
// rgb mode uses the cheapest demosaic: the wrapper, not LibRaw's demosaicing, is under test.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.hpp"
#include "io/raw_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static nightstack::RawReader mosaic_reader(nightstack::ReadOptions{.raw_mode = "cfa"});
  static nightstack::RawReader rgb_reader(nightstack::ReadOptions{.demosaic = "linear"});
  using nightstack::fuzzing::expect_frame_or_input_error;
  using nightstack::fuzzing::input_name;
  expect_frame_or_input_error([&] { mosaic_reader.decode(input_name, {data, size}); });
  expect_frame_or_input_error([&] { rgb_reader.decode(input_name, {data, size}); });
  return 0;
}
