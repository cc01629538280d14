// `mpirun -np N nightstack run CONFIG`: each rank computes shard RANK/N, the partials are merged
// pairwise up a binary tree (rank r + 2^k into rank r, always in that order), and rank 0 writes the
// outputs and the report of one process. MPI moves the partial files' bytes; nothing else is shared.
#pragma once

#include <optional>

#include "pipeline/config.hpp"
#include "pipeline/runner.hpp"

namespace nightstack {

struct MpiWorld {
  int rank = 0;
  int size = 1;
};

// The MPI world when this process was started by mpirun (initialising MPI once); nothing otherwise.
// A nightstack built without MPI that finds itself among several ranks refuses to run (UsageError),
// since every rank would write the same outputs.
std::optional<MpiWorld> mpi_world();

// Runs this rank's part. An error on any rank ends the whole job (MPI_Abort with its exit code)
// once it is printed, so no rank waits forever for a partial that will not come.
int execute_mpi(const Config& config, RunOptions options, bool quiet, const MpiWorld& world);

}  // namespace nightstack
