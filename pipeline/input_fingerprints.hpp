// The size and SHA-256 of every input file of a run, for the run record (`config --from --check`
// tells from them which inputs changed).
#pragma once

#include <vector>

#include "pipeline/progress.hpp"
#include "pipeline/stage.hpp"

namespace nightstack {

// Every file, in the order given, hashed on `threads` threads. A file that cannot be read is left
// out: decoding it will fail or skip it with the source's own message.
std::vector<InputFileRecord> fingerprint_inputs(const std::vector<std::filesystem::path>& paths,
                                                unsigned threads, Progress& progress);

}  // namespace nightstack
