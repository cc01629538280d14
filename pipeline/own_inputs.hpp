// A stage that reads files of its own besides the frames of its input (a calibrate stage's bias,
// darks and flats), so the run record lists them with the frames and `config --from --check`
// tells when they change.
#pragma once

#include <filesystem>
#include <vector>

namespace nightstack {

class OwnInputs {
 public:
  virtual ~OwnInputs() = default;
  // After the stage's prepare(): every file it read, in the order read.
  virtual std::vector<std::filesystem::path> own_input_files() const = 0;
};

}  // namespace nightstack
