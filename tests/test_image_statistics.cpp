// Exact image statistics against numpy (values pasted from an offline run on the same seeded data)
// and against a full-sort reference on large random arrays; the statistics stage through the
// registry and, end to end, its header cards in a FITS written by the real binary.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>

#include "pipeline/errors.hpp"
#include "pipeline/image_statistics.hpp"
#include "stages/registry.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

// A 64-bit linear congruential generator (Knuth's MMIX constants) that Python reproduces bit for bit,
// so numpy can compute the references offline.
class Lcg {
 public:
  explicit Lcg(std::uint64_t seed) : state_(seed) {}
  double uniform() {  // [0, 1), 53 random bits
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }

 private:
  std::uint64_t state_;
};

// Channel 0: skewed like a sky (u^3 * 1000); channel 1: a narrow background with a NaN every 97th
// sample; channel 2: values on a 1/8 grid (many ties) with one +infinity, so an even count is left.
ImageD seeded_image() {
  ImageD image(101, 99, 3);
  Lcg generator(20260101);
  for (int channel = 0; channel < 3; ++channel) {
    auto plane = image.plane(channel);
    for (std::size_t i = 0; i < plane.size(); ++i) {
      const double u = generator.uniform();
      if (channel == 0) plane[i] = u * u * u * 1000.0;
      if (channel == 1) plane[i] = i % 97 == 0 ? nan_value : 0.05 + 0.01 * u;
      if (channel == 2) plane[i] = i == 5 ? infinity : std::floor(u * 2000.0) / 8.0;
    }
  }
  return image;
}

/* The numpy references below (numpy 1.24, Debian 12), computed offline with:

import numpy as np
M = 2**64
x = 20260101
def nxt():
    global x
    x = (x * 6364136223846793005 + 1442695040888963407) % M
    return (x >> 11) * 2.0**-53
W, H = 101, 99
n = W * H
planes = []
for c in range(3):
    p = np.empty(n)
    for i in range(n):
        u = nxt()
        if c == 0: v = u * u * u * 1000.0
        elif c == 1: v = float('nan') if i % 97 == 0 else 0.05 + 0.01 * u
        else: v = float("inf") if i == 5 else float(np.floor(u * 2000.0)) / 8.0
        p[i] = v
    planes.append(p)
q = [0, 0.1, 1, 25, 50, 75, 99, 99.9, 100]
for c, p in enumerate(planes):
    f = p[np.isfinite(p)]
    med = np.median(f)
    print(c, f.size, repr(f.min()), repr(f.max()), repr(f.mean()), repr(med),
          repr(np.median(np.abs(f - med))), repr(f.std(ddof=0)))
    print('  ', [repr(v) for v in np.percentile(f, q)])
small = np.array([planes[0][i] for i in range(10)])
sm = np.median(small)
print('small', repr(sm), repr(np.median(np.abs(small - sm))), repr(small.mean()), repr(small.std()),
      [repr(v) for v in np.percentile(small, [10, 33.3, 66.7, 90])])
*/
const std::vector<double> numpy_percents{0, 0.1, 1, 25, 50, 75, 99, 99.9, 100};

struct NumpyChannel {
  std::size_t count;
  double minimum, maximum, mean, median, mad, standard_deviation;
  std::vector<double> percentiles;
};

const NumpyChannel numpy_channels[3] = {
    {9999,
     1.6687653288047617e-11,
     999.9349474690133,
     244.34921768267668,
     122.75629683278119,
     120.58152494728265,
     278.1023144552024,
     {1.6687653288047617e-11, 9.205062787951788e-07, 0.000921110362293278, 15.087679748681904,
      122.75629683278119, 411.5550584014752, 967.0155459192468, 997.1458685558267, 999.9349474690133}},
    {9895,
     0.050000384769089995,
     0.05999923550420337,
     0.055047007408553554,
     0.05502581398156689,
     0.0025014174830220656,
     0.0028798325207876597,
     {0.050000384769089995, 0.05000803690862848, 0.05011793251544769, 0.05255363724358482,
      0.05502581398156689, 0.05755943678886964, 0.05990353006360745, 0.05998967254037229,
      0.05999923550420337}},
    {9998,
     0.0,
     249.875,
     125.45832916583316,
     126.0,
     62.375,
     71.71372159600561,
     {0.0, 0.12462499999999999, 2.125, 63.125, 126.0, 187.875, 247.625, 249.625, 249.875}},
};

// numpy.percentile (method "linear", interpolating from the nearer rank as numpy's _lerp does) and
// numpy.median, by full sort.
double sorted_percentile(const std::vector<double>& sorted, double percent) {
  const double rank = static_cast<double>(sorted.size() - 1) * (percent / 100.0);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const double t = rank - std::floor(rank);
  const double a = sorted[below], b = sorted[std::min(below + 1, sorted.size() - 1)];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

double sorted_median(const std::vector<double>& sorted) {
  const std::size_t middle = sorted.size() / 2;
  return sorted.size() % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
}

ImageChannelStatistics full_sort_reference(std::vector<double> values, const std::vector<double>& percents) {
  std::sort(values.begin(), values.end());
  ImageChannelStatistics reference;
  reference.count = values.size();
  reference.minimum = values.front();
  reference.maximum = values.back();
  long double sum = 0;
  for (double value : values) sum += value;
  reference.mean = static_cast<double>(sum / values.size());
  long double squares = 0;
  for (double value : values) squares += (value - sum / values.size()) * (value - sum / values.size());
  reference.standard_deviation = static_cast<double>(std::sqrt(squares / values.size()));
  for (double percent : percents) reference.percentiles.push_back(sorted_percentile(values, percent));
  reference.median = sorted_median(values);
  std::vector<double> deviations;
  for (double value : values) deviations.push_back(std::fabs(value - reference.median));
  std::sort(deviations.begin(), deviations.end());
  reference.mad = sorted_median(deviations);
  return reference;
}

std::string parameter_error(const std::string& percentiles) {
  try {
    build_stage<ImageTransform>("statistics", {{"percentiles", percentiles}});
  } catch (const ParameterError& error) {
    BOOST_TEST(error.parameter() == "percentiles");
    return error.what();
  }
  return "no error";
}

// The value of a FITS header card (the text after "= ", comment cut off), parsed as a number.
double header_number(const std::vector<std::string>& cards, const std::string& key) {
  for (const auto& card : cards) {
    if (card.size() > 10 && card.compare(0, 8, (key + "        ").substr(0, 8)) == 0 && card[8] == '=') {
      return std::stod(card.substr(10, card.find('/', 10) - 10));
    }
  }
  BOOST_ERROR("no header card " << key);
  return nan_value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_statistics)

BOOST_AUTO_TEST_CASE(equal_numpy_on_seeded_random_data) {
  const ImageStatistics statistics = compute_image_statistics(seeded_image(), numpy_percents);
  BOOST_TEST_REQUIRE(statistics.channels.size() == 3u);
  BOOST_TEST(statistics.percents == numpy_percents);
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST_CONTEXT("channel " << channel) {
      const ImageChannelStatistics& result = statistics.channels[channel];
      const NumpyChannel& numpy = numpy_channels[channel];
      BOOST_TEST(result.count == numpy.count);
      BOOST_TEST(result.ignored == 9999u - numpy.count);
      // Order statistics follow numpy's formulas exactly, so they are equal to the last bit.
      BOOST_TEST(result.minimum == numpy.minimum);
      BOOST_TEST(result.maximum == numpy.maximum);
      BOOST_TEST(result.median == numpy.median);
      BOOST_TEST(result.mad == numpy.mad);
      BOOST_TEST(result.percentiles == numpy.percentiles, boost::test_tools::per_element());
      // Sums: compensated here, pairwise in numpy; both within a few units in the last place.
      BOOST_TEST(result.mean == numpy.mean, boost::test_tools::tolerance(1e-14));
      BOOST_TEST(result.standard_deviation == numpy.standard_deviation, boost::test_tools::tolerance(1e-13));
    }
  }
}

BOOST_AUTO_TEST_CASE(even_count_median_averages_the_two_middle_values) {
  const ImageD image = seeded_image();
  const std::vector<double> small(image.plane(0).begin(), image.plane(0).begin() + 10);
  const ImageChannelStatistics result = compute_channel_statistics(small, {10, 33.3, 66.7, 90});
  BOOST_TEST(result.median == 111.14401136675585);
  BOOST_TEST(result.mad == 110.77121923592443);
  BOOST_TEST(result.mean == 221.33230176607685, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(result.standard_deviation == 235.32602484829746, boost::test_tools::tolerance(1e-13));
  const std::vector<double> numpy{0.6191933727942376, 26.843391516643592, 402.04019096779734,
                                  459.8731932475646};
  BOOST_TEST(result.percentiles == numpy, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hand_worked_values) {
  // numpy: x = [4, 1, 3, 2, 10]; median 3, |x - 3| = [1, 2, 0, 1, 7] -> MAD 1; mean 4;
  // std = sqrt((0 + 9 + 1 + 4 + 36) / 5) = sqrt(10); percentile 25 -> 2, 90 -> 4 + 0.6 * 6 = 7.6.
  const ImageChannelStatistics result =
      compute_channel_statistics(std::vector<double>{4, 1, 3, 2, 10}, {25, 90});
  BOOST_TEST(result.median == 3.0);
  BOOST_TEST(result.mad == 1.0);
  BOOST_TEST(result.mean == 4.0);
  BOOST_TEST(result.standard_deviation == std::sqrt(10.0));
  BOOST_TEST(result.percentiles[0] == 2.0);
  BOOST_TEST(result.percentiles[1] == 7.6, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(result.minimum == 1.0);
  BOOST_TEST(result.maximum == 10.0);
}

BOOST_AUTO_TEST_CASE(match_a_full_sort_reference_on_large_random_arrays) {
  std::mt19937_64 generator(424242);
  std::lognormal_distribution<double> sky(0.0, 1.0);
  // Unsorted, repeated and extreme percents, so the selector's bookkeeping of earlier ranks is used.
  const std::vector<double> percents{99.9, 0.1, 50, 0, 100, 33.3, 50, 99.99, 1, 66.6666};
  for (std::size_t size : {1u, 2u, 3u, 1000u, 1000000u, 1000001u}) {
    BOOST_TEST_CONTEXT("size " << size) {
      std::vector<double> values(size);
      for (auto& value : values) value = sky(generator);
      const ImageChannelStatistics result = compute_channel_statistics(values, percents);
      const ImageChannelStatistics reference = full_sort_reference(values, percents);
      BOOST_TEST(result.count == size);
      BOOST_TEST(result.minimum == reference.minimum);
      BOOST_TEST(result.maximum == reference.maximum);
      BOOST_TEST(result.median == reference.median);
      BOOST_TEST(result.mad == reference.mad);
      BOOST_TEST(result.percentiles == reference.percentiles, boost::test_tools::per_element());
      BOOST_TEST(result.mean == reference.mean, boost::test_tools::tolerance(1e-14));
      BOOST_TEST(result.standard_deviation == reference.standard_deviation,
                 boost::test_tools::tolerance(1e-13));
      BOOST_TEST(finite_percentiles(values, percents) == reference.percentiles,
                 boost::test_tools::per_element());
      const MedianAndMad location = median_and_mad(values);
      BOOST_TEST(location.median == reference.median);
      BOOST_TEST(location.mad == reference.mad);
    }
  }
}

// The selection works on the values' bit patterns: signs, zeros of both signs, subnormals, huge
// ranges and heavy ties (a stack of 8-bit codes has few distinct values) must all order as numbers.
BOOST_AUTO_TEST_CASE(match_a_full_sort_reference_on_ties_signs_and_extreme_ranges) {
  std::mt19937_64 generator(7);
  std::uniform_int_distribution<int> code(0, 255);
  std::uniform_int_distribution<int> pick(0, 7);
  std::normal_distribution<double> noise(0.0, 1.0);
  const std::vector<double> percents{0, 0.1, 1, 25, 50, 75, 99, 99.9, 100};
  std::vector<double> codes(300001), mixed(200001);
  for (auto& value : codes) value = std::pow(code(generator) / 255.0, 2.2);
  const double specials[] = {0.0, -0.0, 1e-310, -1e-310, 1e300, -1e300, 0.5, -0.5};
  for (auto& value : mixed) value = pick(generator) < 4 ? specials[pick(generator)] : noise(generator) * 1e-3;
  for (const auto* values : {&codes, &mixed}) {
    const ImageChannelStatistics result = compute_channel_statistics(*values, percents);
    const ImageChannelStatistics reference = full_sort_reference(*values, percents);
    BOOST_TEST(result.median == reference.median);
    BOOST_TEST(result.mad == reference.mad);
    BOOST_TEST(result.percentiles == reference.percentiles, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(channels_are_measured_separately) {
  ImageD image(2, 2, 3);
  for (int channel = 0; channel < 3; ++channel) {
    for (int i = 0; i < 4; ++i) image.plane(channel)[i] = 10.0 * channel + i;
  }
  const ImageStatistics statistics = compute_image_statistics(image, {50});
  for (int channel = 0; channel < 3; ++channel) {
    BOOST_TEST(statistics.channels[channel].minimum == 10.0 * channel);
    BOOST_TEST(statistics.channels[channel].maximum == 10.0 * channel + 3);
    BOOST_TEST(statistics.channels[channel].median == 10.0 * channel + 1.5);
    BOOST_TEST(statistics.channels[channel].percentiles[0] == 10.0 * channel + 1.5);
  }
}

BOOST_AUTO_TEST_CASE(a_channel_without_finite_values_gives_nan_and_counts_what_it_left_out) {
  const ImageChannelStatistics result =
      compute_channel_statistics(std::vector<double>{nan_value, infinity}, {50});
  BOOST_TEST(result.count == 0u);
  BOOST_TEST(result.ignored == 2u);
  BOOST_TEST(std::isnan(result.median));
  BOOST_TEST(std::isnan(result.standard_deviation));
  BOOST_TEST(std::isnan(result.percentiles[0]));
  BOOST_TEST(std::isnan(median_and_mad(std::vector<double>{nan_value}).mad));
  BOOST_TEST(std::isnan(finite_percentiles(std::vector<double>{}, {10})[0]));
}

BOOST_AUTO_TEST_CASE(one_value_has_no_spread) {
  const ImageChannelStatistics result =
      compute_channel_statistics(std::vector<double>{nan_value, 7.5}, {0, 37, 100});
  BOOST_TEST(result.median == 7.5);
  BOOST_TEST(result.mad == 0.0);
  BOOST_TEST(result.standard_deviation == 0.0);
  BOOST_TEST(result.percentiles == std::vector<double>({7.5, 7.5, 7.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(percents_outside_0_to_100_are_refused) {
  BOOST_CHECK_THROW(compute_channel_statistics(std::vector<double>{1}, {101}), std::invalid_argument);
  BOOST_CHECK_THROW(finite_percentiles(std::vector<double>{1}, {-1}), std::invalid_argument);
  BOOST_CHECK_THROW(compute_image_statistics(ImageD(1, 1, 1), {nan_value}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(statistics_stage)

BOOST_AUTO_TEST_CASE(passes_the_image_through_and_records_cards) {
  auto statistics = build_stage<ImageTransform>("statistics", {{"percentiles", std::string(" 25,90 ,50")}});
  Image input;
  input.pixels = ImageD(5, 1, 1);
  input.pixels.samples() = {4, 1, 3, 2, 10};
  input.provenance.set("STACKMTH", std::string("sum"), "");
  const Image output = statistics->transform(input);
  BOOST_TEST(output.pixels.samples() == input.pixels.samples(), boost::test_tools::per_element());
  const auto number = [&](const std::string& key) {
    const HeaderCard* card = output.provenance.find(key);
    BOOST_TEST_REQUIRE(card != nullptr, key);
    return std::get<double>(card->value);
  };
  BOOST_TEST(std::get<std::int64_t>(output.provenance.find("STCNT1")->value) == 5);
  BOOST_TEST(number("STMIN1") == 1.0);
  BOOST_TEST(number("STMAX1") == 10.0);
  BOOST_TEST(number("STMEAN1") == 4.0);
  BOOST_TEST(number("STMED1") == 3.0);
  BOOST_TEST(number("STMAD1") == 1.0);
  BOOST_TEST(number("STSTD1") == std::sqrt(10.0));
  BOOST_TEST(number("STPCT1") == 25.0);
  BOOST_TEST(number("STPCT2") == 90.0);
  BOOST_TEST(number("STPCT3") == 50.0);
  BOOST_TEST(number("STP1_1") == 2.0);
  BOOST_TEST(number("STP2_1") == 7.6, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(number("STP3_1") == 3.0);
  BOOST_TEST(output.provenance.find("STACKMTH") != nullptr);  // earlier cards are kept
  for (const auto& card : output.provenance.cards()) BOOST_TEST(card.key.size() <= 8u);
}

BOOST_AUTO_TEST_CASE(an_empty_list_asks_for_no_percentiles) {
  auto statistics = build_stage<ImageTransform>("statistics", {{"percentiles", std::string("  ")}});
  const Image output = statistics->transform(Image{ImageD(2, 2, 1, 0.5), {}});
  BOOST_TEST(output.provenance.find("STPCT1") == nullptr);
  BOOST_TEST(output.provenance.find("STMED1") != nullptr);
}

BOOST_AUTO_TEST_CASE(bad_percentile_lists_name_the_parameter) {
  BOOST_TEST(parameter_error("0.1, 50, 99,9") == "no error");  // "9" is a percent too
  BOOST_TEST(parameter_error("1, x").find("'x' is not a number") != std::string::npos);
  BOOST_TEST(parameter_error("1,,2").find("'' is not a number") != std::string::npos);
  BOOST_TEST(parameter_error("[1, 2]").find("is not a number") != std::string::npos);
  BOOST_TEST(parameter_error("50, 120").find("120 is out of range [0, 100]") != std::string::npos);
  BOOST_TEST(parameter_error("nan").find("out of range") != std::string::npos);
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "1,";
  BOOST_TEST(parameter_error(hundred + "2").find("at most 99") != std::string::npos);
}

/* The reference for the end-to-end case, computed offline with numpy:

import numpy as np
W, H = 13, 11
i = np.arange(W * H)
for c in range(3):
    s = sum((i * i * 37 + i * 11 * (c + 1) + k * 977 + c * 131) % 4099 for k in range(2)).astype(np.float64)
    m = np.median(s)
    print(c + 1, s.min(), s.max(), repr(s.mean()), repr(m), repr(np.median(np.abs(s - m))), repr(s.std()),
          [repr(v) for v in np.percentile(s, [0.1, 50, 99.9])])
*/
BOOST_AUTO_TEST_CASE(cards_reach_the_fits_header_through_the_binary) {
  TemporaryDirectory directory;
  const int width = 13, height = 11;
  for (int k = 0; k < 2; ++k) {
    ImageD frame(width, height, 3);
    for (int channel = 0; channel < 3; ++channel) {
      for (std::int64_t i = 0; i < width * height; ++i) {
        frame.plane(channel)[i] =
            static_cast<double>((i * i * 37 + i * 11 * (channel + 1) + k * 977 + channel * 131) % 4099);
      }
    }
    write_reference_fits(directory.path() / ("light_" + std::to_string(k) + ".fits"), frame, 16);
  }
  const fs::path config = directory.path() / "statistics.yaml";
  const fs::path output = directory.path() / "sky.fits";
  std::ofstream(config) << "stages:\n"
                           "  - {id: lights, type: ingest, paths: ['"
                        << directory.path().string()
                        << "/*.fits']}\n"
                           "  - {id: sky, type: stack, input: lights, method: sum}\n"
                           "  - id: measured\n"
                           "    type: statistics\n"
                           "    input: sky\n"
                           "    percentiles: 0.1, 50, 99.9\n"
                           "  - {id: out, type: write, input: measured, fits: '"
                        << output.string() << "'}\n";
  const CommandResult result = run_nightstack({"run", config.string(), "--quiet"});
  BOOST_TEST_INFO("stderr: " << result.err);
  BOOST_TEST_REQUIRE(result.exit_code == 0);
  std::vector<std::string> cards;
  const ImageD written = read_reference_fits(output, &cards);
  BOOST_TEST(written.at(1, 0, 0) == 131.0 + 1108.0);  // the pixels are the stack's, unchanged
  BOOST_TEST(header_number(cards, "STPCT3") == 99.9);
  BOOST_TEST(header_number(cards, "STCNT2") == 143.0);
  BOOST_TEST(header_number(cards, "STMIN2") == 1033.0);
  BOOST_TEST(header_number(cards, "STMAX2") == 7185.0);
  BOOST_TEST(header_number(cards, "STMEAN2") == 4102.944055944056, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(header_number(cards, "STMED2") == 3984.0);
  BOOST_TEST(header_number(cards, "STMAD2") == 1163.0);
  BOOST_TEST(header_number(cards, "STSTD2") == 1680.5420944254854, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(header_number(cards, "STP1_2") == 1035.84, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(header_number(cards, "STP3_2") == 7176.4800000000005, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(header_number(cards, "STMED1") == 4405.0);
  BOOST_TEST(header_number(cards, "STP3_3") == 7126.352000000001, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(header_number(cards, "STSTD3") == 1527.4178604931828, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_SUITE_END()
