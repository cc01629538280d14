// Overscan subtraction and trimming with ccdproc's semantics (subtract_overscan without a model,
// then trim_image): the overscan strip is combined by mean or median per row, per column or as a
// whole, subtracted from every pixel of that row / column / frame, then the frame is cut down.
#pragma once

#include <string>

#include "pipeline/frame.hpp"
#include "stages/image_section.hpp"

namespace nightstack {

enum class OverscanCombine { mean, median };
// row: one value per row (ccdproc's default overscan_axis=1, for a strip of columns); column: one
// value per column (overscan_axis=0, for a strip of rows); whole: one value for the frame.
enum class OverscanAxis { row, column, whole };

// With `row`, the strip must span every row; with `column`, every column.
void subtract_overscan(ImageF& pixels, const ImageSection& overscan, OverscanCombine combine,
                       OverscanAxis axis);

// Keeps only `section`; a CFA pattern is re-expressed from the new top-left pixel.
void trim_frame(Frame& frame, const ImageSection& section);

std::string to_string(OverscanCombine combine);
std::string to_string(OverscanAxis axis);

}  // namespace nightstack
