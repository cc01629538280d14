// The one explicit table of output formats, beside io/formats.hpp's table of input formats: the
// write stage has one path parameter per entry and writes the entries in this order.
#pragma once

#include <string>
#include <vector>

#include "io/image_writer.hpp"

namespace nightstack {

struct OutputFormat {
  std::string name;                     // "FITS", "TIFF", ...: as the input format that reads it back
  std::string key;                      // the write stage's parameter naming the file: "fits", "tiff", ...
  std::vector<std::string> extensions;  // the usual endings of such files' names, the first preferred
  std::string help;                     // that parameter's help (`nightstack stages`)
  // true: a display format, whose values are clipped and encoded with `encoding` and whose
  // provenance says so (DISPENC); false: the values are written as they are.
  bool display_encoded;
  const ImageWriter& writer;
};

const std::vector<OutputFormat>& output_formats();

}  // namespace nightstack
