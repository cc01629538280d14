// Cosmetic correction: finding hot and cold pixels (from a master dark, or in each frame) and
// replacing each flagged pixel by the median of its unflagged neighbours of the same colour.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "imaging/bayer.hpp"
#include "pipeline/image.hpp"

namespace nightstack {

// One flag per pixel position of a plane (shared by all planes), 1 = defective.
using DefectMap = std::vector<std::uint8_t>;

// Pixels of `dark_current` (a master dark with its bias removed) further than `hot_sigma` above or
// `cold_sigma` below the median, in robust standard deviations (1.4826 MAD) of the plane; with a
// CFA pattern each colour is measured on its own. A missing threshold finds nothing of that kind.
DefectMap find_defects_in_dark(const ImageF& dark_current, const std::optional<BayerPattern>& pattern,
                               std::optional<double> hot_sigma, std::optional<double> cold_sigma);

// Pixels of one frame that stand above the highest (or below the lowest) of their same-colour
// neighbours by more than `sigma` noise units, the noise being the robust standard deviation of
// the pixels' differences from their neighbours' median over the plane: lone defects (hot pixels,
// cosmic-ray hits). A star's pixels have a bright neighbour and are left alone, unless the star is
// smaller than the neighbour spacing (1 pixel; 2 in a CFA mosaic). Missing (NaN) pixels are
// neither flagged nor compared with.
DefectMap find_defects_in_frame(const ImageF& frame, const std::optional<BayerPattern>& pattern,
                                std::optional<double> hot_sigma, std::optional<double> cold_sigma);

// Replaces every flagged pixel (in each plane) by the median of the unflagged pixels of the same
// colour in its neighbourhood: 1 pixel away for mono and RGB planes, 2 pixels away in a CFA mosaic.
// Missing (NaN) pixels are not neighbours, and a missing flagged pixel stays missing. A pixel with
// no unflagged valid neighbour keeps its value. Returns the number of pixels replaced.
std::size_t repair_defects(ImageF& pixels, const DefectMap& defects,
                           const std::optional<BayerPattern>& pattern);

std::size_t count_defects(const DefectMap& defects);

}  // namespace nightstack
