// A real one-node Slurm runs scripts/slurm/sweep.sbatch: a job array of
// shards and a dependent merge job. The merged file must equal a local sweep.
// Where the daemons cannot start the test fails with the reason.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "experiments/sweep.h"
#include "sweep_test_util.h"

using namespace cardsim;
using sweeptest::TempDir;

namespace {

const std::string kClusterScript = CARDSIM_SOURCE_DIR "/tests/slurm_cluster.sh";

/// Starts the cluster; stops its daemons by PID when the test ends, passed or not.
struct SlurmCluster {
  std::string dir;
  std::string start_output;
  int start_rc = -1;
  explicit SlurmCluster(std::string folder) : dir(std::move(folder)) {
    std::filesystem::create_directories(dir);
    start_rc = sweeptest::run_tool({"bash", kClusterScript, "start", dir}, start_output);
  }
  ~SlurmCluster() {
    std::string ignored;
    sweeptest::run_tool({"bash", kClusterScript, "stop", dir}, ignored);
  }
};

bool queue_empty(std::string& listing) {
  return sweeptest::run_tool({"squeue", "-h"}, listing) == 0 && listing.find_first_not_of(" \n") == std::string::npos;
}

}  // namespace

TEST_CASE("a one-node Slurm runs sweep.sbatch (array + dependent merge) and matches a local sweep", "[sweep][slurm]") {
  TempDir dir;
  // munged runs as the munge user and must reach its socket inside the folder.
  std::filesystem::permissions(dir.path, std::filesystem::perms(0755));
  SlurmCluster cluster(dir / "cluster");
  INFO(cluster.start_output);
  if (cluster.start_rc != 0) FAIL("the one-node Slurm did not start; reason above");

  sweeptest::write_text(dir / "spec.yaml", sweeptest::tiny_grid_spec(2));
  setenv("SLURM_CONF", (dir / "cluster/slurm.conf").c_str(), 1);
  setenv("CARDSIM", CARDSIM_BINARY, 1);
  std::string submit;
  const int rc = sweeptest::run_command(
      {"bash", CARDSIM_SOURCE_DIR "/scripts/slurm/sweep.sbatch", "spec.yaml", "slurm.h5", "3"}, dir.path.string(),
      submit);
  INFO(submit);
  REQUIRE(rc == 0);
  CHECK(submit.find("array job") != std::string::npos);

  // Not a timing check: a deadline so that a stuck queue fails instead of hanging.
  std::string listing;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!queue_empty(listing) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  unsetenv("SLURM_CONF");
  unsetenv("CARDSIM");
  INFO("squeue: " << listing);
  std::string logs;
  for (const auto& e : std::filesystem::directory_iterator(dir.path))
    if (e.path().filename().string().rfind("slurm-", 0) == 0) logs += e.path().string() + ":\n" + sweeptest::read_text(e.path().string());
  INFO("job logs:\n" << logs);
  REQUIRE(std::filesystem::exists(dir / "slurm.h5"));
  CHECK(std::filesystem::exists(dir / "slurm.h5.shards/shard-2-of-3.h5"));

  SweepOptions o;
  o.out = dir / "local.h5";
  o.threads = 2;
  run_sweep(load_sweep_spec(dir / "spec.yaml"), o);
  CHECK(sweeptest::compare_files(dir / "local.h5", dir / "slurm.h5") == "");
  CHECK(sweeptest::root_attr(dir / "local.h5", "spec_yaml") == sweeptest::root_attr(dir / "slurm.h5", "spec_yaml"));
}
