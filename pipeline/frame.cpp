// Names of frame encodings.
#include "pipeline/frame.hpp"

namespace nightstack {

std::string to_string(Encoding encoding) {
  switch (encoding) {
    case Encoding::srgb:
      return "srgb";
    case Encoding::gamma:
      return "gamma";
    case Encoding::linear:
      return "linear";
  }
  return "?";
}

}  // namespace nightstack
