// statistics: measures every channel of an image (exact minimum, maximum, mean, median, MAD,
// population standard deviation and the percentiles asked for) and records them as header cards;
// the pixels pass through unchanged.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "pipeline/image_statistics.hpp"
#include "stages/registry.hpp"

namespace nightstack {

namespace {

// Percentile keys carry their position in the list (STPk_n), so the list may hold at most 99.
constexpr std::size_t most_percentiles = 99;

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "0.1, 50, 99.9" -> {0.1, 50, 99.9}; an empty text asks for none.
std::vector<double> parse_percentiles(const std::string& text) {
  std::vector<double> percents;
  if (trimmed(text).empty()) return percents;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item = trimmed(text.substr(start, comma == std::string::npos ? comma : comma - start));
    double value = 0;
    const char* end = item.data() + item.size();
    const auto [stop, error] = std::from_chars(item.data(), end, value, std::chars_format::fixed);
    if (item.empty() || error != std::errc{} || stop != end) {
      throw ParameterError("percentiles", "percentiles = '" + text + "': '" + item +
                                              "' is not a number; write percents from 0 to 100 "
                                              "separated by commas, e.g. 0.1, 50, 99.9");
    }
    if (!(value >= 0.0 && value <= 100.0)) {
      throw ParameterError("percentiles",
                           "percentiles = '" + text + "': " + item + " is out of range [0, 100]");
    }
    percents.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (percents.size() > most_percentiles) {
    throw ParameterError("percentiles", "percentiles lists " + std::to_string(percents.size()) +
                                            " values; at most " + std::to_string(most_percentiles) +
                                            " fit the header keys");
  }
  return percents;
}

class Statistics : public ImageTransform {
 public:
  Statistics(std::string id, std::vector<double> percents, unsigned threads)
      : ImageTransform(std::move(id)), percents_(std::move(percents)), threads_(threads) {}

  Image transform(const Image& input) const override {
    Image output = input;
    const ImageStatistics statistics = compute_image_statistics(input.pixels, percents_, threads_);
    Provenance& provenance = output.provenance;
    for (std::size_t k = 0; k < percents_.size(); ++k) {
      provenance.set("STPCT" + std::to_string(k + 1), percents_[k],
                     "percentile measured as STP" + std::to_string(k + 1) + "_n");
    }
    for (std::size_t index = 0; index < statistics.channels.size(); ++index) {
      record_channel(provenance, statistics.channels[index], std::to_string(index + 1));
    }
    return output;
  }

 private:
  void record_channel(Provenance& provenance, const ImageChannelStatistics& channel,
                      const std::string& n) const {
    const std::string of = " of channel " + n;
    provenance.set("STCNT" + n, static_cast<std::int64_t>(channel.count), "finite samples" + of);
    provenance.set("STMIN" + n, channel.minimum, "minimum" + of);
    provenance.set("STMAX" + n, channel.maximum, "maximum" + of);
    provenance.set("STMEAN" + n, channel.mean, "mean" + of);
    provenance.set("STMED" + n, channel.median, "median" + of);
    provenance.set("STMAD" + n, channel.mad, "median absolute deviation" + of);
    provenance.set("STSTD" + n, channel.standard_deviation, "population standard deviation" + of);
    for (std::size_t k = 0; k < channel.percentiles.size(); ++k) {
      const std::string number = std::to_string(k + 1);
      provenance.set("STP" + number + "_" + n, channel.percentiles[k], "percentile STPCT" + number + of);
    }
  }

  std::vector<double> percents_;
  unsigned threads_;
};

}  // namespace

StageType statistics_stage_type() {
  StageType type;
  type.name = "statistics";
  type.summary =
      "Measures each channel n (1, 2, 3) of an image exactly, ignoring NaN and infinite values, and records "
      "header cards; the image passes through unchanged. STCNTn: finite samples; STMINn, STMAXn; STMEANn; "
      "STMEDn: median; STMADn: median absolute deviation, median(|x - median|), unscaled (times 1.4826 for "
      "a Gaussian sigma); STSTDn: population standard deviation (ddof 0); STPCTk: the k-th percentile asked "
      "for, and STPk_n its value in channel n (numpy.percentile's linear interpolation).";
  type.input = DataKind::image;
  type.output = DataKind::image;
  type.parameters = {
      {.name = "percentiles",
       .type = ParameterType::text,
       .default_value = std::string("0.1, 99.9"),
       .help = "Percents from 0 to 100, separated by commas (text, not a YAML list): "
               "'percentiles: 0.1, 50, 99.9'; empty for none; at most 99."},
  };
  type.make = [](const StageContext& context) -> std::unique_ptr<Stage> {
    return std::make_unique<Statistics>(context.id, parse_percentiles(context.parameters.text("percentiles")),
                                        context.run.threads);
  };
  return type;
}

}  // namespace nightstack
