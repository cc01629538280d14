// Subcommand dispatch, top-level help, and the mapping from errors to one line and an exit code.
#include "pipeline/cli.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/program_options/errors.hpp>
#include <iostream>
#include <new>

#include "pipeline/cli_commands.hpp"
#include "pipeline/errors.hpp"
#include "pipeline/interrupt.hpp"

namespace nightstack {

namespace {

const char* const overview = R"(nightstack — stacks night-sky frames into one image.

Usage:
  nightstack run CONFIG [--set ID.PARAM=VALUE]... [--threads N] [--quiet]
  nightstack run CONFIG --shard I/N --partial FILE      (one shard of N)
  nightstack merge CONFIG PARTIAL...                    (the shards' outputs)
  nightstack validate CONFIG [--set ID.PARAM=VALUE]...
  nightstack stages
  nightstack info FILE... [--json]
  nightstack config --from OUT.fits [--check]
  nightstack stack --method METHOD --fits OUT.fits [--tiff OUT.tif] INPUT...
  nightstack COMMAND --help      (each command explains itself)

Commands:
  run        Run a YAML config: a graph of stages (ingest -> linearize -> stack ->
             normalize -> write). Every frame is decoded once, on every core.
  merge      Merge the partials of every shard of a run into exactly the
             outputs of one process (Slurm arrays, several machines).
  validate   Check a config and print its graph and how many frames each ingest
             finds. Reads no pixels.
  stages     List every stage type with its parameters, types, defaults and help.
  stack      Quick form for one-off use: builds the same graph from flags. Methods:
             max, min, sum, mean (streaming), median and outlier rejection
             (sigma_clip, mad_clip, ...) out of core in bounded memory.
  info       One line per file: format, size, channels, bit depth, CFA pattern,
             exposure, ISO/gain, time, camera; --json for machines.
  config     Print the complete config that made an output (from its FITS header),
             to run again; --check tells which of its inputs changed since.

Examples:
  nightstack stack --method max --fits trails.fits --tiff trails.tif night/*.jpg
  nightstack stack --method sigma_clip --memory-limit 1GiB --fits sky.fits night/
  nightstack run configs/longexpo.yaml --set lights.paths=[night/] --threads 2

Exit codes:
  0 success   2 bad command line   3 invalid config   4 input error
  5 output error   130 interrupted (Ctrl-C / SIGTERM)   1 internal error
)";

void print_error_lines(const std::string& message) {
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::cerr << "nightstack: error: " << message.substr(start, end - start) << '\n';
    start = end + 1;
  }
}

int dispatch(const std::string& command, const Arguments& arguments, const CommandLineTools& tools) {
  const StageRegistry& registry = tools.registry;
  if (command == "info") return command_info(arguments, tools.inspect);
  if (command == "run") return command_run(arguments, registry);
  if (command == "merge") return command_merge(arguments, registry);
  if (command == "validate") return command_validate(arguments, registry);
  if (command == "stages") return command_stages(arguments, registry);
  if (command == "stack") return command_stack(arguments, registry);
  if (command == "config") return command_config(arguments, tools.read_header);
  throw UsageError("unknown command '" + command +
                   "'; the commands are run, merge, validate, stages, stack, info and config "
                   "(see nightstack --help)");
}

}  // namespace

int run_command_line(int argc, char** argv, const CommandLineTools& tools) {
  Arguments arguments(argv + 1, argv + argc);
  if (arguments.empty() || arguments.front() == "--help" || arguments.front() == "-h" ||
      arguments.front() == "help") {
    if (arguments.size() >= 2 && arguments.front() == "help") {
      arguments = {arguments[1], "--help"};
    } else {
      std::cout << overview;
      return arguments.empty() ? exit_code::usage : exit_code::success;
    }
  }
  if (arguments.front() == "--version") {
    std::cout << "nightstack " NIGHTSTACK_VERSION "\n";
    return exit_code::success;
  }
  install_interrupt_handlers();
  set_report_writer(tools.write_report);
  set_library_versions(tools.library_versions);
  std::string command = arguments.front();
  arguments.erase(arguments.begin());
  try {
    return dispatch(command, arguments, tools);
  } catch (const boost::program_options::error& error) {
    print_error_lines(std::string(error.what()) + " (see nightstack " + command + " --help)");
    return exit_code::usage;
  } catch (const NightstackError& error) {
    if (error.kind() == ErrorKind::interrupted) {
      std::cerr << "nightstack: interrupted; no partial output was left behind\n";
    } else {
      print_error_lines(error.what());
    }
    return exit_code_for(error.kind());
  } catch (const std::bad_alloc&) {
    print_error_lines("out of memory");
    return exit_code::internal;
  } catch (const std::exception& error) {
    print_error_lines(std::string("internal error: ") + error.what());
    return exit_code::internal;
  }
}

}  // namespace nightstack
