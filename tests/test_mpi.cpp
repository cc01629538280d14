// `mpirun -np 3 nightstack run CONFIG` (OpenMPI, 3 ranks on this machine) writes the same files,
// byte for byte, and the same report as one process, for max and mean split by frames and sum,
// median and a normalized, weighted sigma_clip split by rows; a failing rank ends the whole job
// with its error and exit code, and no output.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "tests/support/outside_tools.hpp"
#include "tests/support/shard_session.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;

namespace {

// OpenMPI refuses root without --allow-run-as-root; 3 ranks on 2 cores need --oversubscribe.
// OpenMPI leaves allocations of its own unfreed at MPI_Finalize (in plugins it has unloaded by then,
// so LeakSanitizer cannot even name them), which would fail every rank of a sanitizer build: leak
// checks are off for the ranks (ASan's other checks stay on). The shard and merge code the ranks
// run is leak-checked by test_shards.
CommandResult mpirun(const std::string& program, int ranks, const std::vector<std::string>& arguments) {
  std::vector<std::string> command = {
      program, "--allow-run-as-root", "--oversubscribe", "-x", "ASAN_OPTIONS=detect_leaks=0",
      "-np",   std::to_string(ranks), NIGHTSTACK_BINARY};
  command.insert(command.end(), arguments.begin(), arguments.end());
  return run_command(command);
}

std::string require_mpi() {
  const std::string program = require_program("mpirun", "openmpi-bin");
#ifndef NIGHTSTACK_MPI
  skip_test_case(
      "nightstack was built without MPI (scripts/setup installs libopenmpi-dev; then reconfigure)");
#endif
  return program;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mpi)

BOOST_AUTO_TEST_CASE(three_ranks_write_the_bytes_of_one_process, *NeedsOutsideTool()) {
  const std::string program = require_mpi();
  ShardSession session;
  session.run_one_process();
  const auto result = mpirun(program, 3, {"run", session.config().string(), "--quiet", "--threads", "1"});
  BOOST_TEST_REQUIRE(result.exit_code == 0, result.out + result.err);
  BOOST_TEST(session.differences_from_one_process() == "");
}

BOOST_AUTO_TEST_CASE(a_failing_rank_ends_the_job_with_its_error, *NeedsOutsideTool()) {
  const std::string program = require_mpi();
  ShardSession session(6, 23, 13);
  fs::resize_file(session.code_frames()[5], 2880);  // read by rank 2 only (frames 4 and 5)
  const auto result = mpirun(program, 3, {"run", session.config().string(), "--quiet", "--threads", "1"});
  BOOST_TEST(result.exit_code == 4, result.out + result.err);
  BOOST_TEST(contains(result.err, "rank 2: " + session.code_frames()[5].string()), result.err);
  BOOST_TEST(fs::is_empty(session.outputs()));
}

BOOST_AUTO_TEST_SUITE_END()
