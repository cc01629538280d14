// Reuse of frame pixel storage by the decoding threads. A 12-megapixel RGB frame is 145 MB of
// floats; allocating it fresh for every frame makes the kernel fault in and zero every page again
// (measured: a fifth of a JPEG stack's CPU time). Readers take storage here and the frame pass gives
// it back once the reducers are done with the frame, so each thread keeps reusing the same pages;
// a thread that ends leaves its storage to the threads of the next pass.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/image.hpp"

namespace nightstack {

// An image of the given shape whose samples are unspecified (left over from an earlier frame of
// this thread, or zero when new): the caller writes every sample.
ImageF take_frame_pixels(int width, int height, int channels);

// Keeps the image's storage for this thread's next take_frame_pixels (at most a few buffers are
// kept; the rest are freed). The image is left empty.
void recycle_frame_pixels(ImageF& pixels);

}  // namespace nightstack
