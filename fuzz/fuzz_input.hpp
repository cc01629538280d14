// What every fuzz target checks: a reader given any bytes returns a frame or throws InputError
// naming the file it was given. Any other exception escapes and libFuzzer reports it as a crash.
#pragma once

#include <cstdlib>
#include <filesystem>

#include "pipeline/errors.hpp"

namespace nightstack::fuzzing {

// The name the targets give their input, which every InputError must carry.
inline const std::filesystem::path input_name = "fuzz-input";

// Runs `decode`; an InputError about another file (or none) is a bug, so it aborts.
template <class Decode>
void expect_frame_or_input_error(Decode&& decode) {
  try {
    decode();
  } catch (const InputError& error) {
    if (error.path() != input_name) std::abort();
  }
}

}  // namespace nightstack::fuzzing
