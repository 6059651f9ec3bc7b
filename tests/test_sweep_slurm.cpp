// A real one-node Slurm runs the sweep workflow as a user submits it:
// scripts/slurm/submit.sh sizes the array with `cardsim sweep --plan`, sbatch
// runs sweep.sbatch as a job array and merge.sbatch as a dependent job with
// its own request; logs land in results/logs/. The merged file must equal a
// local sweep. Where the daemons cannot start the test fails with the reason.
#include <catch2/catch.hpp>
#include <cctype>

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

/// The number after `label` in `text` ("array job 12 ..."), or "" when absent.
/// Plain string scanning: std::regex trips GCC 12's -Wmaybe-uninitialized in
/// the sanitizer builds, and warnings are errors.
std::string number_after(const std::string& text, const std::string& label) {
  for (auto at = text.find(label + " "); at != std::string::npos; at = text.find(label + " ", at + 1)) {
    const std::size_t start = at + label.size() + 1;
    std::size_t end = start;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > start) return text.substr(start, end - start);
  }
  return "";
}

/// `scontrol show job ID`: the job's fields as Slurm records them.
std::string job_record(const std::string& id) {
  std::string out;
  sweeptest::run_tool({"scontrol", "show", "job", id}, out);
  return out;
}

/// Every file under `folder` with its contents, for failure messages.
std::string dump_files(const std::filesystem::path& folder) {
  std::string text;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    text += e.path().string() + ":\n" + sweeptest::read_text(e.path().string()) + "\n";
  return text;
}

}  // namespace

TEST_CASE("a one-node Slurm runs submit.sh's job array and afterok merge and matches a local sweep",
          "[sweep][slurm]") {
  TempDir dir;
  // munged runs as the munge user and must reach its socket inside the folder.
  std::filesystem::permissions(dir.path, std::filesystem::perms(0755));
  SlurmCluster cluster(dir / "cluster");
  INFO(cluster.start_output);
  if (cluster.start_rc != 0) FAIL("the one-node Slurm did not start; reason above");

  // 3 x 2 points x 2 replicates = 12 runs; at most 5 per task -> 3 tasks of 4.
  sweeptest::write_text(dir / "spec.yaml", sweeptest::tiny_grid_spec(2));
  setenv("SLURM_CONF", (dir / "cluster/slurm.conf").c_str(), 1);
  setenv("CARDSIM", CARDSIM_BINARY, 1);
  std::string submit;
  const int rc = sweeptest::run_command({CARDSIM_SOURCE_DIR "/scripts/slurm/submit.sh", "spec.yaml", "slurm.h5",
                                         "--runs-per-task", "5", "--threads", "2"},
                                        dir.path.string(), submit);
  INFO(submit);
  REQUIRE(rc == 0);
  const std::string array_id = number_after(submit, "array job"), merge_id = number_after(submit, "merge job");
  REQUIRE(!array_id.empty());
  REQUIRE(!merge_id.empty());
  CHECK(submit.find("array tasks: 3, each at most 4 runs") != std::string::npos);

  // The merge waits on the array and asks for its own small resources, not
  // the array's (2 CPUs per task, an hour, 1G per CPU).
  const std::string merge_job = job_record(merge_id), array_job = job_record(array_id);
  INFO("merge job:\n" << merge_job << "\narray job:\n" << array_job);
  CHECK(merge_job.find("Dependency=afterok:" + array_id) != std::string::npos);
  CHECK(merge_job.find("MinCPUsNode=1 ") != std::string::npos);
  CHECK(merge_job.find("TimeLimit=00:30:00") != std::string::npos);
  CHECK(merge_job.find("MinMemoryNode=2G") != std::string::npos);
  CHECK(array_job.find("MinCPUsNode=2 ") != std::string::npos);
  CHECK(array_job.find("TimeLimit=01:00:00") != std::string::npos);
  CHECK(array_job.find("MinMemoryCPU=1G") != std::string::npos);

  // Not a timing check: a deadline so that a stuck queue fails instead of hanging.
  std::string listing;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!queue_empty(listing) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  unsetenv("SLURM_CONF");
  unsetenv("CARDSIM");
  INFO("squeue: " << listing);
  const std::filesystem::path logs = dir.path / "results/logs";
  INFO("job logs:\n" << dump_files(logs));
  REQUIRE(std::filesystem::exists(dir / "slurm.h5"));
  for (int task = 0; task < 3; ++task) {
    CHECK(std::filesystem::exists(dir / ("slurm.h5.shards/shard-" + std::to_string(task) + "-of-3.h5")));
    const std::string log = sweeptest::read_text((logs / ("cardsim-sweep-" + array_id + "_" + std::to_string(task) + ".out")).string());
    CHECK(log.find("shard " + std::to_string(task) + " of 3") != std::string::npos);
    CHECK(log.find("cardsim sweep: wrote slurm.h5.shards/shard-" + std::to_string(task) + "-of-3.h5") != std::string::npos);
  }
  CHECK(sweeptest::read_text((logs / ("cardsim-merge-" + merge_id + ".out")).string()).find("cardsim merge: wrote slurm.h5") !=
        std::string::npos);
  for (const auto& e : std::filesystem::directory_iterator(dir.path))
    CHECK(e.path().filename().string().rfind("slurm-", 0) != 0);  // no slurm-*.out beside the spec

  SweepOptions o;
  o.out = dir / "local.h5";
  o.threads = 2;
  run_sweep(load_sweep_spec(dir / "spec.yaml"), o);
  CHECK(sweeptest::compare_files(dir / "local.h5", dir / "slurm.h5") == "");
  CHECK(sweeptest::root_attr(dir / "local.h5", "spec_yaml") == sweeptest::root_attr(dir / "slurm.h5", "spec_yaml"));
}
