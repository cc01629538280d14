// The MPI ranks' shards and their reduction tree (built with -DNIGHTSTACK_MPI=ON).
#include "pipeline/mpi_run.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "pipeline/cli_commands.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/run_checkpoint.hpp"
#include "pipeline/sha256.hpp"

#ifdef NIGHTSTACK_MPI
#include <mpi.h>
#endif

namespace nightstack {

namespace {

// Set by mpirun (OpenMPI) or by a PMI launcher (MPICH, Slurm's srun).
std::optional<int> launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return std::nullopt;
}

}  // namespace

#ifndef NIGHTSTACK_MPI

std::optional<MpiWorld> mpi_world() {
  if (auto size = launcher_world_size(); size && *size > 1)
    throw UsageError("started as one of " + std::to_string(*size) +
                     " MPI ranks, but this nightstack was built without MPI (cmake -DNIGHTSTACK_MPI=ON, "
                     "with libopenmpi-dev installed); without it every rank would write the same outputs");
  return std::nullopt;
}

int execute_mpi(const Config&, RunOptions, bool, const MpiWorld&) {
  throw std::logic_error("execute_mpi without MPI");
}

#else

namespace {

constexpr int size_tag = 1;
constexpr int bytes_tag = 2;
constexpr std::size_t chunk_bytes = std::size_t{1} << 30;  // MPI counts are int

std::vector<char> file_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  if (!stream.eof() && !stream) throw InputError(path, "cannot read this rank's partial");
  return bytes;
}

void send_file(const std::filesystem::path& path, int to) {
  const std::vector<char> bytes = file_bytes(path);
  const auto size = static_cast<unsigned long long>(bytes.size());
  MPI_Send(&size, 1, MPI_UNSIGNED_LONG_LONG, to, size_tag, MPI_COMM_WORLD);
  for (std::size_t sent = 0; sent < bytes.size(); sent += chunk_bytes) {
    const auto count = static_cast<int>(std::min(chunk_bytes, bytes.size() - sent));
    MPI_Send(bytes.data() + sent, count, MPI_BYTE, to, bytes_tag, MPI_COMM_WORLD);
  }
}

void receive_file(const std::filesystem::path& path, int from) {
  unsigned long long size = 0;
  MPI_Recv(&size, 1, MPI_UNSIGNED_LONG_LONG, from, size_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::vector<char> bytes(size);
  for (std::size_t received = 0; received < bytes.size(); received += chunk_bytes) {
    const auto count = static_cast<int>(std::min<std::size_t>(chunk_bytes, bytes.size() - received));
    MPI_Recv(bytes.data() + received, count, MPI_BYTE, from, bytes_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!stream.flush())
    throw OutputError(path, "cannot write the partial received from rank " + std::to_string(from));
}

// `into` := `into` merged with `other` (both partials of this run), for the prepared graph.
void merge_files(const Config& config, const std::filesystem::path& into,
                 const std::filesystem::path& other) {
  RunInfo run{.config_path = config.source, .resolved_config = config.resolved_yaml};
  Graph graph = build_graph(config, run);
  Log quiet_log(std::cerr, true);
  prepare_sources(graph, quiet_log);
  RunPartial merged(PartialIdentity{sha256_hex(config.resolved_yaml), inputs_fingerprint(graph), 0});
  merged.add(into, graph);
  merged.add(other, graph);
  merged.save(into);
}

class ScratchDirectory {
 public:
  explicit ScratchDirectory(int rank)
      : path_(std::filesystem::temp_directory_path() /
              ("nightstack-mpi-" + std::to_string(::getpid()) + "-" + std::to_string(rank))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

int run_rank(const Config& config, RunOptions options, bool quiet, const MpiWorld& world) {
  ScratchDirectory scratch(world.rank);
  const std::filesystem::path own = scratch.path() / "own.partial";
  RunOptions shard_options = options;
  shard_options.shard = ShardSpec{static_cast<std::size_t>(world.rank), static_cast<std::size_t>(world.size)};
  shard_options.partial = own;
  execute_shard(config, shard_options, quiet || world.rank != 0);
  // The reduction tree: at distance 1, 2, 4, ... rank r + d hands its partial to rank r, which
  // merges it after its own; the merge is exact, the fixed order keeps it reproducible anyway.
  for (int distance = 1; distance < world.size; distance *= 2) {
    if (world.rank % (2 * distance) == distance) {
      send_file(own, world.rank - distance);
      return exit_code::success;
    }
    if (world.rank % (2 * distance) == 0 && world.rank + distance < world.size) {
      const std::filesystem::path received = scratch.path() / "received.partial";
      receive_file(received, world.rank + distance);
      merge_files(config, own, received);
    }
  }
  options.merge_partials = {own};
  return execute_config(config, options, quiet);
}

}  // namespace

std::optional<MpiWorld> mpi_world() {
  if (!launcher_world_size()) return std::nullopt;
  static const MpiWorld world = [] {
    MPI_Init(nullptr, nullptr);
    std::atexit([] { MPI_Finalize(); });
    MpiWorld started;
    MPI_Comm_rank(MPI_COMM_WORLD, &started.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &started.size);
    return started;
  }();
  return world;
}

int execute_mpi(const Config& config, RunOptions options, bool quiet, const MpiWorld& world) {
  try {
    return run_rank(config, std::move(options), quiet, world);
  } catch (const NightstackError& error) {
    std::cerr << "nightstack: error: rank " << world.rank << ": " << error.what() << '\n';
    MPI_Abort(MPI_COMM_WORLD, exit_code_for(error.kind()));
  } catch (const std::exception& error) {
    std::cerr << "nightstack: error: rank " << world.rank << ": internal error: " << error.what() << '\n';
    MPI_Abort(MPI_COMM_WORLD, exit_code::internal);
  }
  return exit_code::internal;
}

#endif

}  // namespace nightstack
