// scripts/slurm-stack on a real one-node Slurm cluster (slurmctld, slurmd and munged from Debian,
// configured in a temporary folder and started by the test as its own children, which die with
// it): a job array of 3 shards and a merge job after it write the same files, byte for byte, and
// the same report as one process.
#define BOOST_TEST_DYN_LINK
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/support/outside_tools.hpp"
#include "tests/support/shard_session.hpp"

using namespace nightstack;
using namespace nightstack::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A TCP port nobody listens on now (the kernel's choice for port 0).
int free_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    BOOST_FAIL("cannot find a free port");
  ::close(socket_fd);
  return ntohs(address.sin_port);
}

std::string short_hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  std::string host = name;
  return host.substr(0, host.find('.'));
}

// munged, slurmctld and slurmd in the foreground as children of the test, each told to die with
// it (PR_SET_PDEATHSIG), so not even a crashed test leaves a daemon behind; stopped (TERM, then
// KILL) when the object goes away.
class OneNodeCluster {
 public:
  explicit OneNodeCluster(const fs::path& folder) : folder_(folder) {
    const fs::path munge = folder_ / "munge";
    for (const auto& directory : {munge, folder_ / "state", folder_ / "spool"})
      fs::create_directories(directory);
    fs::permissions(munge, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    {
      std::ifstream random("/dev/urandom", std::ios::binary);
      std::string key(1024, '\0');
      random.read(key.data(), static_cast<std::streamsize>(key.size()));
      std::ofstream(munge / "munge.key", std::ios::binary) << key;
    }
    fs::permissions(munge / "munge.key", fs::perms::owner_read | fs::perms::owner_write);
    const std::string host = short_hostname();
    const passwd* user = ::getpwuid(::getuid());
    std::ofstream conf(folder_ / "slurm.conf");
    conf << "ClusterName=nightstacktest\nSlurmctldHost=" << host << "(127.0.0.1)\n"
         << "SlurmUser=" << user->pw_name << "\nSlurmdUser=" << user->pw_name << "\n"
         << "SlurmctldPort=" << free_port() << "\nSlurmdPort=" << free_port() << "\n"
         << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << (munge / "munge.socket").string()
         << "\nStateSaveLocation=" << (folder_ / "state").string()
         << "\nSlurmdSpoolDir=" << (folder_ / "spool").string()
         << "\nSlurmctldPidFile=" << (folder_ / "slurmctld.pid").string()
         << "\nSlurmdPidFile=" << (folder_ / "slurmd.pid").string()
         << "\nSlurmctldLogFile=" << (folder_ / "slurmctld.log").string()
         << "\nSlurmdLogFile=" << (folder_ / "slurmd.log").string()
         << "\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/"
            "none\n"
         << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\nMpiDefault=none\n"
         << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=" << std::thread::hardware_concurrency()
         << " State=UNKNOWN\nPartitionName=test Nodes=" << host << " Default=YES MaxTime=INFINITE State=UP\n";
    conf.close();
    ::setenv("SLURM_CONF", (folder_ / "slurm.conf").c_str(), 1);
    start({"munged", "--foreground", "--force", "--socket=" + (munge / "munge.socket").string(),
           "--key-file=" + (munge / "munge.key").string(), "--log-file=" + (munge / "munged.log").string(),
           "--pid-file=" + (munge / "munged.pid").string(),
           "--seed-file=" + (munge / "munged.seed").string()});
    wait_for([&] { return fs::exists(munge / "munge.socket"); }, "munged to make its socket");
    start({"slurmctld", "-D", "-i"});
    start({"slurmd", "-D"});
    wait_for(
        [] {
          return run_command({"sinfo", "-h", "-o", "%T"}).out.find("idle") == 0;
        },
        "the node to be idle (see " + folder_.string() + "/slurm*.log)");
  }

  ~OneNodeCluster() {
    run_command({"scancel", "--user", std::to_string(::getuid())});
    for (auto daemon = daemons_.rbegin(); daemon != daemons_.rend(); ++daemon) {
      ::kill(*daemon, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      int status = 0;
      while (::waitpid(*daemon, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(*daemon, SIGKILL);
          ::waitpid(*daemon, &status, 0);
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
    }
    ::unsetenv("SLURM_CONF");
  }
  OneNodeCluster(const OneNodeCluster&) = delete;
  OneNodeCluster& operator=(const OneNodeCluster&) = delete;

  // Whether any job is still pending or running.
  static bool busy() { return !run_command({"squeue", "-h"}).out.empty(); }

  template <class Condition>
  void wait_for(Condition condition, const std::string& what, std::chrono::seconds timeout = 60s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) BOOST_FAIL("timed out waiting for " + what);
      std::this_thread::sleep_for(200ms);
    }
  }

 private:
  void start(const std::vector<std::string>& arguments) {
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) BOOST_FAIL("fork failed");
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) std::_Exit(1);  // the test died before this line
      const std::string log = (folder_ / (arguments.front() + ".out")).string();
      if (std::freopen(log.c_str(), "w", stdout) == nullptr ||
          std::freopen(log.c_str(), "a", stderr) == nullptr)
        std::_Exit(1);
      std::vector<char*> argv;
      for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      std::_Exit(127);
    }
    daemons_.push_back(child);
  }

  fs::path folder_;
  std::vector<pid_t> daemons_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(slurm)

BOOST_AUTO_TEST_CASE(a_job_array_and_a_merge_job_write_the_bytes_of_one_process, *NeedsOutsideTool()) {
  for (const char* program : {"slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel"})
    require_program(program, "slurm-wlm");
  require_program("munged", "munge");
  ShardSession session;
  session.run_one_process();
  OneNodeCluster cluster(session.directory() / "slurm");

  ::setenv("NIGHTSTACK", NIGHTSTACK_BINARY, 1);
  const fs::path partials = session.directory() / "partials";
  const auto submitted =
      run_command({std::string(NIGHTSTACK_SOURCE_DIR) + "/scripts/slurm-stack", session.config().string(),
                   "3", "--partials", partials.string(), "--", "--threads", "1", "--quiet"});
  ::unsetenv("NIGHTSTACK");
  BOOST_TEST_REQUIRE(submitted.exit_code == 0, submitted.out + submitted.err);
  BOOST_TEST(contains(submitted.out, "(array 0-2)"), submitted.out);
  cluster.wait_for([] { return !OneNodeCluster::busy(); }, "the jobs to end", 120s);
  const std::string merge_log = file_text(partials / "merge.log");
  for (int shard = 0; shard < 3; ++shard)
    BOOST_TEST(fs::exists(partials / ("shard-" + std::to_string(shard) + ".partial")),
               file_text(partials / ("shard-" + std::to_string(shard) + ".log")));
  BOOST_TEST(contains(merge_log, "wrote"), merge_log);
  BOOST_TEST(session.differences_from_one_process() == "", merge_log);
}

BOOST_AUTO_TEST_SUITE_END()
