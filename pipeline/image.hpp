// Planar pixel storage and the provenance that travels with a stacked image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace nightstack {

// Channels are stored one after another (planar), rows top to bottom within a channel, so a
// per-channel operation is one contiguous span.
template <class Sample>
class PlanarImage {
 public:
  PlanarImage() = default;
  PlanarImage(int width, int height, int channels, Sample fill = Sample{})
      : width_(width),
        height_(height),
        channels_(channels),
        samples_(static_cast<std::size_t>(width) * height * channels, fill) {}
  // Adopts `storage` as the samples: samples it already holds keep their values (unspecified for
  // the caller, who overwrites them), so reused storage is not filled again.
  PlanarImage(int width, int height, int channels, std::vector<Sample>&& storage)
      : width_(width), height_(height), channels_(channels), samples_(std::move(storage)) {
    samples_.resize(static_cast<std::size_t>(width) * height * channels);
  }

  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  std::size_t plane_size() const { return static_cast<std::size_t>(width_) * height_; }
  bool empty() const { return samples_.empty(); }

  std::span<Sample> plane(int channel) { return {samples_.data() + plane_size() * channel, plane_size()}; }
  std::span<const Sample> plane(int channel) const {
    return {samples_.data() + plane_size() * channel, plane_size()};
  }
  Sample& at(int channel, int row, int column) {
    return samples_[plane_size() * channel + static_cast<std::size_t>(row) * width_ + column];
  }
  const Sample& at(int channel, int row, int column) const {
    return samples_[plane_size() * channel + static_cast<std::size_t>(row) * width_ + column];
  }
  std::vector<Sample>& samples() { return samples_; }
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  int width_ = 0;
  int height_ = 0;
  int channels_ = 0;
  std::vector<Sample> samples_;
};

using ImageF = PlanarImage<float>;   // decoded frames
using ImageD = PlanarImage<double>;  // stack accumulators and results

// One FITS-style header card (key of at most 8 characters). Writers of other formats summarise
// the same cards, so every output says what was combined and how.
struct HeaderCard {
  using Value = std::variant<bool, std::int64_t, double, std::string>;
  std::string key;
  Value value;
  std::string comment;
};

class Provenance {
 public:
  // Replaces the card with the same key, so a later stage's word wins.
  void set(const std::string& key, HeaderCard::Value value, const std::string& comment);
  const HeaderCard* find(const std::string& key) const;
  const std::vector<HeaderCard>& cards() const { return cards_; }
  // Free-text lines about how the image came to be (FITS HISTORY, TIFF description), e.g. each
  // frame left out by on_error: skip.
  void add_note(std::string line) { notes_.push_back(std::move(line)); }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  std::vector<HeaderCard> cards_;
  std::vector<std::string> notes_;
};

// What flows between image stages: the stacked pixels plus how they came to be.
struct Image {
  ImageD pixels;
  Provenance provenance;
};

}  // namespace nightstack
