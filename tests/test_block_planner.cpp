// The block planner's bound (the planned working set never exceeds the memory limit, and the plan
// is the largest block that fits), its error when one row does not fit, and the byte sizes that
// memory_limit is written in.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <random>

#include "pipeline/memory_info.hpp"
#include "stages/block_planner.hpp"

using namespace nightstack;

BOOST_AUTO_TEST_SUITE(block_planner)

BOOST_AUTO_TEST_CASE(the_issue_case_in_one_gibibyte) {
  // 200 frames of 4000x3000 RGB, float32 cache, 2 threads: the result takes 288 MB, each row of
  // every frame 9.6 MB, so 81 rows fit: 38 blocks.
  BlockPlanRequest request{.frames = 200,
                           .width = 4000,
                           .height = 3000,
                           .channels = 3,
                           .cache_bytes_per_sample = 4,
                           .output_bytes_per_sample = 8,
                           .threads = 2,
                           .memory_limit = std::uint64_t{1} << 30};
  BlockPlan plan = plan_blocks(request);
  BOOST_TEST(plan.rows_per_block == 81u);
  BOOST_TEST(plan.blocks == 38u);
  BOOST_TEST(plan.working_set ==
             288000000u + 2u * 200u * scratch_bytes_per_frame_per_thread + 81u * 9600000u);
  BOOST_TEST(plan.working_set <= request.memory_limit);
  request.cache_bytes_per_sample = 2;  // 16-bit cache: twice the rows
  BOOST_TEST(plan_blocks(request).rows_per_block == 163u);
}

BOOST_AUTO_TEST_CASE(never_exceeds_the_limit_and_takes_the_largest_block_that_fits) {
  std::mt19937_64 generator(42);
  auto pick = [&](std::uint64_t low, std::uint64_t high) {
    return std::uniform_int_distribution<std::uint64_t>(low, high)(generator);
  };
  int planned = 0, refused = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    BlockPlanRequest request{.frames = pick(1, 5000),
                             .width = pick(1, 10000),
                             .height = pick(1, 10000),
                             .channels = pick(1, 4),
                             .cache_bytes_per_sample = pick(0, 1) ? 4u : 2u,
                             .output_bytes_per_sample = pick(0, 1) ? 8u : 24u,
                             .threads = pick(1, 64),
                             .memory_limit = pick(1, std::uint64_t{1} << pick(10, 38))};
    try {
      const BlockPlan plan = plan_blocks(request);
      ++planned;
      BOOST_TEST_REQUIRE(plan.working_set <= request.memory_limit);
      BOOST_TEST_REQUIRE(plan.working_set == planned_working_set(request, plan.rows_per_block));
      BOOST_TEST_REQUIRE(plan.rows_per_block >= 1u);
      BOOST_TEST_REQUIRE(plan.rows_per_block <= request.height);
      BOOST_TEST_REQUIRE(plan.blocks * plan.rows_per_block >= request.height);
      BOOST_TEST_REQUIRE((plan.blocks - 1) * plan.rows_per_block < request.height);
      if (plan.rows_per_block < request.height)  // one more row would not have fitted
        BOOST_TEST_REQUIRE(planned_working_set(request, plan.rows_per_block + 1) > request.memory_limit);
    } catch (const BlockPlanError& error) {
      ++refused;
      BOOST_TEST_REQUIRE(planned_working_set(request, 1) > request.memory_limit);
      BOOST_TEST_REQUIRE(error.minimum_limit() == planned_working_set(request, 1));
    }
  }
  BOOST_TEST(planned > 1000);
  BOOST_TEST(refused > 1000);
}

BOOST_AUTO_TEST_CASE(says_how_much_is_needed_when_one_row_does_not_fit) {
  BlockPlanRequest request{.frames = 3000,
                           .width = 6000,
                           .height = 4000,
                           .channels = 3,
                           .threads = 2,
                           .memory_limit = std::uint64_t{512} << 20};
  try {
    plan_blocks(request);
    BOOST_FAIL("a 512 MiB limit cannot hold a 576 MB result");
  } catch (const BlockPlanError& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find("memory_limit 512 MiB is too small to stack 3000 frames of 6000x4000x3") == 0u);
    BOOST_TEST(message.find("set memory_limit to at least 756 MiB") != std::string::npos, message);
  }
  BOOST_CHECK_THROW(plan_blocks(BlockPlanRequest{}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(byte_sizes_parse_as_people_write_them) {
  BOOST_TEST(parse_byte_size("1GiB") == 1073741824u);
  BOOST_TEST(parse_byte_size("1 GiB") == 1073741824u);
  BOOST_TEST(parse_byte_size("512MB") == 512000000u);
  BOOST_TEST(parse_byte_size("512mib") == 536870912u);
  BOOST_TEST(parse_byte_size("1.5G") == 1610612736u);
  BOOST_TEST(parse_byte_size("64k") == 65536u);
  BOOST_TEST(parse_byte_size("2kB") == 2000u);
  BOOST_TEST(parse_byte_size("12") == 12u);
  BOOST_TEST(parse_byte_size("100B") == 100u);
  BOOST_TEST(parse_byte_size("2TiB") == std::uint64_t{2} << 40);
  for (const char* wrong : {"", "GiB", "-1GiB", "1 parsec", "1..5G", "1GiBs", "99999999999TiB"})
    BOOST_CHECK_THROW(parse_byte_size(wrong), std::invalid_argument);
  try {
    parse_byte_size("4 gigs");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("unknown unit 'gigs'") != std::string::npos);
  }
  BOOST_TEST(format_byte_size(1073741824u) == "1 GiB");
  BOOST_TEST(format_byte_size(1610612736u) == "1.5 GiB");
  BOOST_TEST(format_byte_size(12u) == "12 B");
  BOOST_TEST(format_byte_size(655360u) == "640 KiB");
}

BOOST_AUTO_TEST_CASE(available_memory_comes_from_meminfo) {
  const auto available = available_memory_bytes();
  BOOST_TEST_REQUIRE(available.has_value());  // Linux: /proc/meminfo has MemAvailable since 3.14
  BOOST_TEST(*available > (std::uint64_t{16} << 20));
}

BOOST_AUTO_TEST_SUITE_END()
