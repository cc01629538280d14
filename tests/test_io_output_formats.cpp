// The table of output formats: every writer's file is recognised and read back by nightstack's own
// reader of that format with the values it was given, the table's names, keys and extensions are
// unique, and the write stage has exactly one output parameter per entry, which writes that format.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "io/formats.hpp"
#include "io/output_formats.hpp"
#include "pipeline/errors.hpp"
#include "stages/registry.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/stage_builder.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// Distinct values that are exact 8-bit codes (k / 255), so every format can hold them: 3x2 pixels.
ImageD code_image(int channels) {
  ImageD image(3, 2, channels);
  for (std::size_t index = 0; index < image.samples().size(); ++index) {
    image.samples()[index] = static_cast<double>((index * 37 + 20) % 256) / 255.0;
  }
  return image;
}

// How far a value read back may be from the one written: JPEG is lossy (quality 100, 4:4:4: a
// couple of codes on this tiny image); integer formats round to the nearest code; float ones
// keep a float.
double tolerance(const OutputFormat& format, double white_level) {
  if (format.name == "JPEG") return 3.0 / 255.0;
  if (white_level > 1.0) return 0.5 / white_level + 1e-12;
  return 1e-7;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_format_table)

BOOST_AUTO_TEST_CASE(names_keys_and_extensions_are_unique) {
  std::set<std::string> names, keys, extensions;
  for (const auto& format : output_formats()) {
    BOOST_TEST_CONTEXT(format.name) {
      BOOST_TEST(names.insert(format.name).second);
      BOOST_TEST(keys.insert(format.key).second);
      BOOST_TEST(!format.extensions.empty());
      BOOST_TEST(!format.help.empty());
      for (const auto& extension : format.extensions) {
        BOOST_TEST(extension.front() == '.');
        BOOST_TEST(extensions.insert(extension).second, extension);
      }
    }
  }
  BOOST_TEST(output_formats().size() == 4u);
}

// Written with `encoding: linear`, so each display format holds round(value x full scale); with
// each FITS sample type and each TIFF sample size.
BOOST_AUTO_TEST_CASE(every_format_round_trips_through_its_reader) {
  TemporaryDirectory directory;
  const std::vector<WriteOptions> variants = {
      {.encoding = "linear", .fits_bitpix = -32, .tiff_bits = 16, .jpeg_quality = 100},
      {.encoding = "linear", .fits_bitpix = -64, .tiff_bits = 32, .jpeg_quality = 100},
      {.encoding = "linear", .fits_bitpix = 16, .tiff_bits = 16, .jpeg_quality = 100},
  };
  const Provenance provenance;
  const std::vector<std::string> history{"written by the output format test"};
  const std::string description = "output format test";
  const std::string software = "nightstack test";
  for (const auto& options : variants) {
    for (const auto& format : output_formats()) {
      for (const int channels : {1, 3}) {
        BOOST_TEST_CONTEXT(format.name << ", " << channels << " channels, BITPIX " << options.fits_bitpix
                                       << ", TIFF " << options.tiff_bits << " bits") {
          const ImageD image = code_image(channels);
          const fs::path path =
              directory.path() / ("image" + std::to_string(channels) + format.extensions.front());
          format.writer.write(path, ImageToWrite{image, provenance, history, description, software}, options);
          BOOST_TEST_REQUIRE(
              directory_entries(directory.path()) == std::vector<std::string>{path.filename().string()},
              boost::test_tools::per_element());  // and no temporary file beside it

          const InputFormat* input = identify_format(path);
          BOOST_TEST_REQUIRE(input != nullptr);
          BOOST_TEST(input->name == format.name);
          if (input->make_reader != nullptr) {  // a format recognised but not readable has nothing to compare
            const Frame frame = input->make_reader(ReadOptions{})->read(path);
            BOOST_TEST_REQUIRE(frame.pixels.width() == image.width());
            BOOST_TEST_REQUIRE(frame.pixels.height() == image.height());
            BOOST_TEST_REQUIRE(frame.pixels.channels() == channels);
            const double white = frame.info.white_level;
            const double allowed = tolerance(format, white);
            double worst = 0;
            for (std::size_t index = 0; index < image.samples().size(); ++index) {
              worst =
                  std::max(worst, std::abs(frame.pixels.samples()[index] / white - image.samples()[index]));
            }
            BOOST_TEST(worst <= allowed, "largest difference " << worst << ", allowed " << allowed);
          }
          fs::remove(path);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_write_stage_has_one_output_parameter_per_format_in_table_order) {
  const StageRegistry registry = builtin_stage_registry();
  const StageType* write = registry.find("write");
  BOOST_TEST_REQUIRE(write != nullptr);
  std::vector<std::string> path_parameters;
  for (const auto& parameter : write->parameters) {
    if (parameter.type == ParameterType::path) path_parameters.push_back(parameter.name);
  }
  std::vector<std::string> keys;
  for (const auto& format : output_formats()) {
    keys.push_back(format.key);
    const ParameterSpec* parameter = write->find_parameter(format.key);
    BOOST_TEST_REQUIRE(parameter != nullptr, format.key);
    BOOST_TEST(parameter->help == format.help);
    BOOST_TEST(!parameter->default_value.has_value());
    BOOST_TEST(contains(write->summary, format.key));
  }
  BOOST_TEST(path_parameters == keys, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_key_alone_writes_exactly_that_format) {
  TemporaryDirectory directory;
  Image image{code_image(3), {}};
  for (const auto& format : output_formats()) {
    BOOST_TEST_CONTEXT(format.key) {
      const fs::path path = directory.path() / (format.key + "-out" + format.extensions.front());
      auto sink = build_stage<ImageSink>("write", {{format.key, path.string()}});
      BOOST_TEST(sink->planned_outputs() == std::vector<fs::path>{path}, boost::test_tools::per_element());
      BOOST_TEST(sink->write(image) == std::vector<fs::path>{path}, boost::test_tools::per_element());
      const InputFormat* input = identify_format(path);
      BOOST_TEST_REQUIRE(input != nullptr);
      BOOST_TEST(input->name == format.name);
      fs::remove(path);
      BOOST_TEST(directory_entries(directory.path()).empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(all_keys_at_once_write_every_format_and_none_is_an_error) {
  TemporaryDirectory directory;
  std::map<std::string, ParameterValue> given;
  std::vector<fs::path> expected;
  for (const auto& format : output_formats()) {
    expected.push_back(directory.path() / ("all" + format.extensions.front()));
    given[format.key] = expected.back().string();
  }
  auto sink = build_stage<ImageSink>("write", given);
  BOOST_TEST(sink->write(Image{code_image(1), {}}) == expected, boost::test_tools::per_element());
  for (const auto& path : expected) BOOST_TEST(fs::exists(path), path);

  try {
    build_stage<ImageSink>("write", {});
    BOOST_ERROR("a write stage without an output was accepted");
  } catch (const ParameterError& error) {
    BOOST_TEST(error.parameter() == output_formats().front().key);
    BOOST_TEST(contains(error.what(), "writes nothing: give fits, tiff, jpeg or png"), error.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
