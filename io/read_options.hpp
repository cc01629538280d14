// How an ingest stage wants its files decoded: the choices a user makes per ingest stage for RAW
// files and Bayer-mosaic FITS, passed to every reader.
#pragma once

#include <string>

namespace nightstack {

struct ReadOptions {
  // RAW files (LibRaw).
  std::string raw_mode = "rgb";          // rgb: demosaiced linear RGB; cfa: the mosaic as one plane
  std::string white_balance = "camera";  // camera (as shot) | daylight | none (unit multipliers)
  std::string colour_space = "raw";      // raw (camera RGB) | srgb (linear sRGB primaries)
  std::string demosaic = "ahd";          // linear | vng | ppg | ahd | dcb | dht | aahd
  bool half_size = false;                // 2x2 binning instead of demosaicing: fast, half resolution
  // FITS (and other) frames that carry a Bayer pattern: demosaic (bilinear) or keep as cfa.
  std::string bayer = "demosaic";

  bool operator==(const ReadOptions&) const = default;
};

}  // namespace nightstack
