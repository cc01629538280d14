// The whole-frame adapter for decoders that give whole frames of 16-bit codes (LibRaw): bands cut
// from the decoded frame carry 16-bit codes instead of float, so the banded pass runs on codes
// for these formats too.
#pragma once

#include <vector>

#include "pipeline/frame_bands.hpp"

namespace nightstack {

class WholeFrameCodes : public OpenFrame {
 public:
  // Every value of `frame` must be an integer code 0..65535 (throws std::logic_error otherwise:
  // the reader chose the wrong adapter). The frame's storage is recycled for the thread's next.
  explicit WholeFrameCodes(Frame frame);
  ~WholeFrameCodes() override;

 protected:
  const void* decode_rows(int rows, int& delivered) override;

 private:
  Frame frame_;
  std::vector<std::uint16_t> band_;
};

}  // namespace nightstack
