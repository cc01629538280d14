// Histogram-based robust statistics of one frame.
#include "pipeline/frame_statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

namespace nightstack {

namespace {

constexpr int bins = 65536;
constexpr int row_step = 4;

// The bin holding the sample of rank (count - 1) / 2 (the lower median).
int median_bin(const std::vector<std::size_t>& histogram, std::size_t count) {
  const std::size_t wanted = (count - 1) / 2;
  std::size_t seen = 0;
  for (int bin = 0; bin < bins; ++bin) {
    seen += histogram[static_cast<std::size_t>(bin)];
    if (seen > wanted) return bin;
  }
  return bins - 1;
}

// clamp(round(scaled), 0, bins - 1) with round's halves away from zero, without a libm call per
// sample: between 0 and the top bin, scaled - whole is exact.
std::size_t nearest_bin(double scaled) {
  if (scaled <= 0) return 0;
  if (scaled >= bins - 1) return bins - 1;
  const auto whole = static_cast<std::size_t>(scaled);
  return whole + (scaled - static_cast<double>(whole) >= 0.5 ? 1 : 0);
}

// Background (median) and noise (1.4826 x MAD) of one channel from its histogram.
void add_robust_levels(const std::vector<std::size_t>& histogram, std::size_t counted,
                       std::vector<std::size_t>& deviations, FrameStatistics& statistics) {
  if (counted == 0) {
    statistics.background.push_back(0);
    statistics.noise.push_back(0);
    return;
  }
  const int median = median_bin(histogram, counted);
  std::fill(deviations.begin(), deviations.end(), 0);
  for (int bin = 0; bin < bins; ++bin)
    deviations[static_cast<std::size_t>(std::abs(bin - median))] += histogram[static_cast<std::size_t>(bin)];
  const int mad = median_bin(deviations, counted);
  statistics.background.push_back(static_cast<double>(median) / (bins - 1));
  statistics.noise.push_back(1.4826 * static_cast<double>(mad) / (bins - 1));
}

}  // namespace

FrameStatistics measure_frame(const Frame& frame) {
  const auto& pixels = frame.pixels;
  const double white = frame.info.white_level > 0 ? frame.info.white_level : 1.0;
  const float white_sample = static_cast<float>(white);
  FrameStatistics statistics;
  std::vector<std::size_t> histogram(bins), deviations(bins);
  // Codes counted one by one: 0..white for integer white levels up to 16 bits, none otherwise.
  const bool integer_white = white == std::floor(white) && white <= 65535;
  const float top_code = integer_white ? white_sample : -1.0f;
  std::vector<std::size_t> code_counts(integer_white ? static_cast<std::size_t>(white) + 1 : 0);
  for (int channel = 0; channel < pixels.channels(); ++channel) {
    const auto plane = pixels.plane(channel);
    // Four running sums instead of one, so the additions do not wait on each other (exact, and so
    // unchanged, for the integer values of 8- and 16-bit frames).
    double sums[4] = {0, 0, 0, 0};
    std::size_t saturated = 0;
    std::size_t index = 0;
    for (; index + 4 <= plane.size(); index += 4)
      for (std::size_t lane = 0; lane < 4; ++lane) {
        sums[lane] += plane[index + lane];
        saturated += plane[index + lane] >= white_sample;
      }
    for (; index < plane.size(); ++index) {
      sums[0] += plane[index];
      saturated += plane[index] >= white_sample;
    }
    const double sum = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    statistics.saturated += saturated;
    statistics.mean.push_back(plane.empty() ? 0.0 : sum / static_cast<double>(plane.size()) / white);

    std::fill(histogram.begin(), histogram.end(), 0);
    std::fill(code_counts.begin(), code_counts.end(), 0);
    std::size_t counted = 0;
    for (int row = 0; row < pixels.height(); row += row_step) {
      const float* line = plane.data() + static_cast<std::size_t>(row) * pixels.width();
      for (int column = 0; column < pixels.width(); ++column) {
        const float value = line[column];
        // Integer codes (every value of 8- and 16-bit frames) are counted per code and binned
        // below, once per code instead of once per sample; the bins are the same.
        if (value >= 0.0f && value <= top_code) {
          const int code = static_cast<int>(value);
          if (static_cast<float>(code) == value) {
            ++code_counts[static_cast<std::size_t>(code)];
            ++counted;
            continue;
          }
        }
        const double scaled = static_cast<double>(value) / white * (bins - 1);
        if (std::isnan(scaled)) continue;
        ++histogram[nearest_bin(scaled)];
        ++counted;
      }
    }
    for (std::size_t code = 0; code < code_counts.size(); ++code)
      if (code_counts[code] != 0)
        histogram[nearest_bin(static_cast<double>(static_cast<float>(code)) / white * (bins - 1))] +=
            code_counts[code];
    add_robust_levels(histogram, counted, deviations, statistics);
  }
  return statistics;
}

BandStatistics::BandStatistics(const StoredShape& shape, double white_level)
    : shape_(shape), white_(white_level > 0 ? white_level : 1.0) {
  const auto channels = static_cast<std::size_t>(shape.channels);
  if (shape.type == SampleType::float32) {
    float_sums_.assign(channels, 0.0);
    histograms_.assign(channels, std::vector<std::size_t>(bins));
    const bool integer_white = white_ == std::floor(white_) && white_ <= 65535;
    code_counts_.assign(channels,
                        std::vector<std::uint32_t>(integer_white ? static_cast<std::size_t>(white_) + 1 : 0));
  } else {
    if (shape.type == SampleType::uint8) {
      narrow_sums_.assign(shape.row_samples(), 0);
      narrow_saturated_.assign(shape.row_samples(), 0);
    } else {
      column_sums_.assign(shape.row_samples(), 0);
      column_saturated_.assign(shape.row_samples(), 0);
    }
    code_sums_.assign(channels, 0);
    code_counts_.assign(channels, std::vector<std::uint32_t>(shape.type == SampleType::uint8 ? 256 : 65536));
  }
  counted_.assign(channels, 0);
}

void BandStatistics::add(const FrameBand& band) {
  switch (band.shape.type) {
    case SampleType::uint8:
      add_codes<std::uint8_t>(band);
      break;
    case SampleType::uint16:
      add_codes<std::uint16_t>(band);
      break;
    case SampleType::float32:
      add_floats(band);
      break;
  }
}

// Sums and saturation per sample position of a row in 32-bit counters (vectorized), folded into
// the channels only before they could overflow (once per frame, in practice); histograms of codes
// on the measured rows, every channel in one pass over the row.
template <class Code>
void BandStatistics::add_codes(const FrameBand& band) {
  // 8-bit codes add into 16-bit counters (one widening step, twice the lanes of 32-bit ones),
  // 16-bit codes into 32-bit counters.
  using Counter = std::conditional_t<sizeof(Code) == 1, std::uint16_t, std::uint32_t>;
  auto& sums_storage = [this]() -> std::vector<Counter>& {
    if constexpr (sizeof(Code) == 1) {
      return narrow_sums_;
    } else {
      return column_sums_;
    }
  }();
  auto& saturated_storage = [this]() -> std::vector<Counter>& {
    if constexpr (sizeof(Code) == 1) {
      return narrow_saturated_;
    } else {
      return column_saturated_;
    }
  }();
  const std::size_t row_samples = shape_.row_samples();
  const auto channels = static_cast<std::size_t>(shape_.channels);
  const double top = std::min(white_, static_cast<double>(std::numeric_limits<Code>::max()) + 1);
  const Code saturation_code = static_cast<Code>(std::ceil(top));  // codes >= white_ are saturated
  const bool any_saturation_possible = white_ <= std::numeric_limits<Code>::max();
  // Rows whose codes a counter holds for sure.
  const std::uint64_t fold_rows = std::numeric_limits<Counter>::max() / std::numeric_limits<Code>::max();
  Counter* sums = sums_storage.data();
  Counter* saturated = saturated_storage.data();
  for (int row = 0; row < band.rows; ++row) {
    const Code* values = band.as<Code>() + static_cast<std::size_t>(row) * row_samples;
    for (std::size_t i = 0; i < row_samples; ++i) sums[i] = static_cast<Counter>(sums[i] + values[i]);
    if (any_saturation_possible)
      for (std::size_t i = 0; i < row_samples; ++i)
        saturated[i] = static_cast<Counter>(saturated[i] + (values[i] >= saturation_code));
    if (++rows_in_columns_ >= fold_rows) fold_columns();
    if ((band.first_row + row) % row_step != 0) continue;
    if (channels == 3) {
      std::uint32_t* red = code_counts_[0].data();
      std::uint32_t* green = code_counts_[1].data();
      std::uint32_t* blue = code_counts_[2].data();
      for (std::size_t i = 0; i < row_samples; i += 3) {
        ++red[values[i]];
        ++green[values[i + 1]];
        ++blue[values[i + 2]];
      }
    } else {
      for (std::size_t channel = 0; channel < channels; ++channel) {
        std::uint32_t* counts = code_counts_[channel].data();
        for (std::size_t i = channel; i < row_samples; i += channels) ++counts[values[i]];
      }
    }
    for (std::size_t channel = 0; channel < channels; ++channel)
      counted_[channel] += static_cast<std::size_t>(shape_.width);
  }
}

template <class Counter>
void BandStatistics::fold(std::vector<Counter>& sums, std::vector<Counter>& saturated) {
  const auto channels = static_cast<std::size_t>(shape_.channels);
  for (std::size_t channel = 0; channel < channels; ++channel) {
    std::uint64_t sum = 0;
    for (std::size_t i = channel; i < sums.size(); i += channels) sum += sums[i];
    code_sums_[channel] += sum;
  }
  for (Counter count : saturated) saturated_ += count;
  std::fill(sums.begin(), sums.end(), Counter{0});
  std::fill(saturated.begin(), saturated.end(), Counter{0});
}

void BandStatistics::fold_columns() {
  if (shape_.type == SampleType::uint8) {
    fold(narrow_sums_, narrow_saturated_);
  } else {
    fold(column_sums_, column_saturated_);
  }
  rows_in_columns_ = 0;
}

void BandStatistics::add_floats(const FrameBand& band) {
  const std::size_t row_samples = shape_.row_samples();
  const auto channels = static_cast<std::size_t>(shape_.channels);
  const auto white_sample = static_cast<float>(white_);
  const float top_code = code_counts_.front().empty() ? -1.0f : white_sample;
  for (int row = 0; row < band.rows; ++row) {
    const float* values = band.as<float>() + static_cast<std::size_t>(row) * row_samples;
    const bool measured = (band.first_row + row) % row_step == 0;
    for (std::size_t channel = 0; channel < channels; ++channel) {
      double sum = float_sums_[channel];
      std::uint32_t* counts = code_counts_[channel].data();
      auto& histogram = histograms_[channel];
      for (std::size_t i = channel; i < row_samples; i += channels) {
        const float value = values[i];
        sum += value;
        saturated_ += value >= white_sample;
        if (!measured) continue;
        if (value >= 0.0f && value <= top_code) {
          const int code = static_cast<int>(value);
          if (static_cast<float>(code) == value) {
            ++counts[code];
            ++counted_[channel];
            continue;
          }
        }
        const double scaled = static_cast<double>(value) / white_ * (bins - 1);
        if (std::isnan(scaled)) continue;
        ++histogram[nearest_bin(scaled)];
        ++counted_[channel];
      }
      float_sums_[channel] = sum;
    }
  }
}

FrameStatistics BandStatistics::finish() {
  if (shape_.type != SampleType::float32) fold_columns();
  FrameStatistics statistics;
  statistics.saturated = saturated_;
  const double samples_per_channel = static_cast<double>(shape_.width) * shape_.height;
  std::vector<std::size_t> histogram(bins), deviations(bins);
  for (std::size_t channel = 0; channel < static_cast<std::size_t>(shape_.channels); ++channel) {
    const double sum =
        shape_.type == SampleType::float32 ? float_sums_[channel] : static_cast<double>(code_sums_[channel]);
    statistics.mean.push_back(samples_per_channel == 0 ? 0.0 : sum / samples_per_channel / white_);
    if (shape_.type == SampleType::float32) {
      histogram = histograms_[channel];
    } else {
      std::fill(histogram.begin(), histogram.end(), 0);
    }
    const auto& counts = code_counts_[channel];
    for (std::size_t code = 0; code < counts.size(); ++code)
      if (counts[code] != 0)
        histogram[nearest_bin(static_cast<double>(static_cast<float>(code)) / white_ * (bins - 1))] +=
            counts[code];
    add_robust_levels(histogram, counted_[channel], deviations, statistics);
  }
  return statistics;
}

}  // namespace nightstack
