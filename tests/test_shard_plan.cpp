// The arithmetic of shards: I/N parsed and refused, frame shares and row bands that cover every
// frame and row exactly once, and a band of rows read from an open frame equal to the same rows of
// the whole frame, for a reader that skips rows in place and for one that decodes them.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "pipeline/errors.hpp"
#include "pipeline/frame_bands.hpp"
#include "pipeline/shard_partial.hpp"

using namespace nightstack;

namespace {

Frame numbered_frame(int width, int height, int channels) {
  Frame frame{ImageF(width, height, channels), {}};
  for (std::size_t i = 0; i < frame.pixels.samples().size(); ++i)
    frame.pixels.samples()[i] = static_cast<float>(i);
  return frame;
}

// WholeFrameBands, but reading rows where they lie, as the FITS reader does.
class InPlaceBands : public WholeFrameBands {
 public:
  using WholeFrameBands::WholeFrameBands;
  int decoded_rows = 0;

 protected:
  bool reads_rows_in_place() const override { return true; }
  const void* decode_rows(int rows, int& delivered) override {
    decoded_rows += rows;
    return WholeFrameBands::decode_rows(rows, delivered);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(shard_plan)

BOOST_AUTO_TEST_CASE(shards_are_parsed_from_zero_and_refused_beyond_their_count) {
  const ShardSpec shard = parse_shard("2/5");
  BOOST_TEST(shard.index == 2u);
  BOOST_TEST(shard.count == 5u);
  BOOST_TEST(to_string(shard) == "2/5");
  for (const char* wrong : {"5/5", "1/0", "1", "a/3", "1/3x", "-1/3", "/3"})
    BOOST_CHECK_THROW(parse_shard(wrong), UsageError);
}

BOOST_AUTO_TEST_CASE(shares_and_bands_cover_everything_once) {
  for (std::size_t count : {1u, 2u, 3u, 7u})
    for (std::size_t items : {0u, 1u, 5u, 23u, 100u}) {
      std::size_t next = 0;
      for (std::size_t index = 0; index < count; ++index) {
        const auto [first, end] = shard_positions({index, count}, items);
        BOOST_TEST(first == next);
        BOOST_TEST(end >= first);
        next = end;
      }
      BOOST_TEST(next == items);
      if (items < count) continue;
      int row = 0;
      for (std::size_t band = 0; band < count; ++band) {
        const auto [first_row, end_row] = row_band_bounds(band, count, static_cast<int>(items), {}, "stack");
        BOOST_TEST(first_row == row);
        BOOST_TEST(end_row > first_row);
        row = end_row;
      }
      BOOST_TEST(row == static_cast<int>(items));
    }
  BOOST_CHECK_THROW(row_band_bounds(0, 4, 3, {}, "stack"), InputError);
}

BOOST_AUTO_TEST_CASE(a_band_read_from_an_open_frame_equals_those_rows_of_the_whole_frame) {
  const Frame whole = numbered_frame(7, 20, 3);
  const ImageF expected = copy_rows(whole.pixels, 8, 13);
  BOOST_TEST(expected.height() == 5);
  BOOST_TEST(expected.at(2, 0, 0) == whole.pixels.at(2, 8, 0));
  WholeFrameBands decoded(whole);
  const Frame by_decoding = read_frame_rows(decoded, 8, 13);
  BOOST_TEST(by_decoding.pixels.samples() == expected.samples());
  InPlaceBands in_place(whole);
  const Frame by_skipping = read_frame_rows(in_place, 8, 13);
  BOOST_TEST(by_skipping.pixels.samples() == expected.samples());
  BOOST_TEST(in_place.decoded_rows == 5, "rows before the band are skipped, rows after it never read");
}

BOOST_AUTO_TEST_SUITE_END()
