// The versions of the file-format libraries io/ links, for the run record of every output.
#pragma once

#include <string>

namespace nightstack {

// "CFITSIO 4.2.0; LibRaw 0.20.2-Release; libtiff 4.5.0; libjpeg-turbo 2.1.5; libpng 1.6.39"
std::string io_library_versions();

}  // namespace nightstack
