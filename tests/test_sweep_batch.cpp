// Sweeps in batch systems: sizing a Slurm job array (`cardsim sweep --plan`,
// scripts/slurm/submit.sh), and the journal's flush interval
// (--fsync-interval). The one-node Slurm run is in test_sweep_slurm.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "experiments/sweep.h"
#include "experiments/sweep_journal.h"
#include "sweep_test_util.h"

using namespace cardsim;
using sweeptest::TempDir;

namespace {

const std::string kSubmit = CARDSIM_SOURCE_DIR "/scripts/slurm/submit.sh";

/// A temporary folder with the tiny grid spec: 3 x 2 points x 2 replicates = 12 runs.
struct TinySweep {
  TempDir dir;
  std::string spec = dir / "spec.yaml";
  TinySweep() { sweeptest::write_text(spec, sweeptest::tiny_grid_spec(2)); }
};

/// `cardsim ARGS...` with only its stdout kept (stderr dropped).
std::string cardsim_stdout(const std::vector<std::string>& args, int& rc) {
  std::vector<std::string> argv{"sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null", CARDSIM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  rc = sweeptest::run_tool(argv, out);
  return out;
}

}  // namespace

TEST_CASE("plan_array splits runs into the fewest shards of at most R runs", "[sweep][slurm]") {
  const ArrayPlan p = plan_array(12, 5);
  CHECK(p.runs == 12);
  CHECK(p.tasks == 3);
  CHECK(p.runs_per_task == 4);  // shards t % 3 hold 4 runs each
  CHECK(plan_array(12, 12).tasks == 1);
  CHECK(plan_array(12, 100).tasks == 1);
  CHECK(plan_array(12, 1).tasks == 12);
  CHECK(plan_array(13, 4).tasks == 4);
  CHECK(plan_array(13, 4).runs_per_task == 4);
  CHECK_THROWS_AS(plan_array(12, 0), InputError);
}

TEST_CASE("runs_per_task_for fills the target time in whole rounds of threads", "[sweep][slurm]") {
  CHECK(runs_per_task_for(600, 20, 1) == 30);
  CHECK(runs_per_task_for(600, 20, 4) == 120);
  CHECK(runs_per_task_for(610, 20, 1) == 30);  // partial rounds do not count
  CHECK(runs_per_task_for(10, 20, 2) == 2);    // a run longer than the target: one round
  CHECK(runs_per_task_for(600, 1e-300, 1) == 1099511627776);  // capped, not overflowed
}

TEST_CASE("sweep --plan prints the array size on stdout and refuses incomplete sizing", "[sweep][slurm][cli]") {
  TinySweep t;
  int rc = -1;
  CHECK(cardsim_stdout({"sweep", t.spec, "--plan", "--runs-per-task", "5"}, rc) == "3\n");
  CHECK(rc == 0);
  // 60 s / 15 s = 4 rounds of 2 threads = 8 runs per task -> 2 tasks.
  CHECK(cardsim_stdout({"sweep", t.spec, "--plan", "--task-minutes", "1", "--run-seconds", "15", "-t", "2"}, rc) ==
        "2\n");
  CHECK(rc == 0);

  std::string out;
  REQUIRE(sweeptest::cardsim({"sweep", t.spec, "--plan", "--task-minutes", "600"}, "", out) == 0);
  CHECK(out.find("run 0 timed here") != std::string::npos);
  CHECK(out.find("array tasks: 1, each at most 12 runs") != std::string::npos);  // a tiny run fills no 10 hours
  CHECK_FALSE(std::filesystem::exists(t.dir / "results"));                       // --plan writes nothing

  const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
      {{"--plan"}, "--plan needs either --runs-per-task R or --task-minutes M"},
      {{"--plan", "--runs-per-task", "2", "--task-minutes", "1"}, "--plan needs either"},
      {{"--runs-per-task", "2"}, "use them with --plan"},
      {{"--plan", "--runs-per-task", "0"}, "--runs-per-task must be 1 or more"},
      {{"--plan", "--runs-per-task", "2", "--run-seconds", "3"}, "--run-seconds goes with --task-minutes"},
      {{"--plan", "--task-minutes", "0"}, "--task-minutes must be a number of minutes above 0"},
      {{"--plan", "--task-minutes", "1", "--run-seconds", "-1"}, "--run-seconds must be a number of seconds above 0"},
  };
  for (const auto& [args, message] : refused) {
    std::vector<std::string> argv{"sweep", t.spec};
    argv.insert(argv.end(), args.begin(), args.end());
    CHECK(sweeptest::cardsim(argv, "", out) == 2);
    INFO(out);
    CHECK(out.find(message) != std::string::npos);
  }
}

TEST_CASE("the journal flushes after every run at interval 0, and only when asked at a long one", "[sweep][resume]") {
  TinySweep t;
  SweepData data = make_sweep_data(load_sweep_spec(t.spec), Shard{});
  const std::vector<double> record(data.record_size(), 1.0);
  {
    Journal every_run(t.dir / "a.journal", data, false, 0);
    CHECK(every_run.syncs() == 1);  // the header
    for (int64_t task = 0; task < 3; ++task) every_run.append(task, record);
    CHECK(every_run.syncs() == 4);
  }
  Journal hourly(t.dir / "b.journal", data, false, 3600);
  for (int64_t task = 0; task < 3; ++task) hourly.append(task, record);
  CHECK(hourly.syncs() == 1);
  hourly.sync();
  CHECK(hourly.syncs() == 2);
  hourly.sync();  // nothing new: no flush
  CHECK(hourly.syncs() == 2);
}

TEST_CASE("a journal record reaches the disk within the interval even when no further run finishes",
          "[sweep][resume]") {
  TinySweep t;
  SweepData data = make_sweep_data(load_sweep_spec(t.spec), Shard{});
  const std::vector<double> record(data.record_size(), 1.0);
  Journal journal(t.dir / "x.journal", data, false, 0.2);
  // An append within 0.2 s of the last flush leaves its record waiting (on a
  // badly loaded machine the append may come later and flush itself: retry).
  int64_t before = 0;
  for (int64_t task = 0; task < 5; ++task) {
    before = journal.syncs();
    journal.append(task, record);
    if (journal.syncs() == before) break;
  }
  REQUIRE(journal.syncs() == before);
  // Not a timing check: a deadline so that a missing flush fails instead of hanging.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (journal.syncs() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(journal.syncs() == before + 1);
}

TEST_CASE("sweep --fsync-interval sets how often the journal is flushed, and bad values are refused",
          "[sweep][resume][cli]") {
  TinySweep t;
  std::string out;
  REQUIRE(sweeptest::cardsim({"sweep", t.spec, "--out", t.dir / "a.h5", "-t", "2", "--fsync-interval", "0"}, "", out) ==
          0);
  CHECK(out.find("12 runs in ") != std::string::npos);
  CHECK(out.find("journal flushes to disk: 13 (--fsync-interval 0 s)") != std::string::npos);  // header + each run
  REQUIRE(sweeptest::cardsim({"sweep", t.spec, "--out", t.dir / "b.h5", "-t", "2", "--fsync-interval", "3600"}, "",
                             out) == 0);
  CHECK(out.find("journal flushes to disk: 1 (--fsync-interval 3600 s)") != std::string::npos);  // the header only
  CHECK(sweeptest::compare_files(t.dir / "a.h5", t.dir / "b.h5") == "");

  for (const std::string bad : {"-1", "nan", "1e9", "abc"}) {
    CHECK(sweeptest::cardsim({"sweep", t.spec, "--out", t.dir / "c.h5", "--fsync-interval", bad}, "", out) == 2);
    INFO(out);
    CHECK(out.find("--fsync-interval") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(t.dir / "c.h5"));
  }
  CHECK(sweeptest::cardsim({"sweep", t.spec, "--out", t.dir / "c.h5", "--fsync-interval", "-1"}, "", out) == 2);
  CHECK(out.find("from 0 (after every run) to 86400 (a day)") != std::string::npos);
}

TEST_CASE("submit.sh sizes the array with cardsim and gives the merge its own request (dry run)",
          "[sweep][slurm][cli]") {
  TinySweep t;
  setenv("CARDSIM", CARDSIM_BINARY, 1);
  std::string out;
  const int rc = sweeptest::run_command(
      {kSubmit, "spec.yaml", "out.h5", "--task-minutes", "1", "--run-seconds", "15", "--threads", "2",
       "--array-option", "--mem-per-cpu=3G", "--merge-option", "--mem=4G", "--dry-run", "--", "--partition=p"},
      t.dir.path.string(), out);
  INFO(out);
  CHECK(rc == 0);
  // 8 runs per task -> 2 tasks; the array's limit is 2 x 1 + 5 minutes.
  CHECK(out.find("sbatch --array=0-1 --cpus-per-task=2 --time=7 --partition=p --mem-per-cpu=3G " CARDSIM_SOURCE_DIR
                 "/scripts/slurm/sweep.sbatch spec.yaml out.h5") != std::string::npos);
  CHECK(out.find("sbatch --dependency=afterok:JOB_ID --kill-on-invalid-dep=yes --partition=p --mem=4G " CARDSIM_SOURCE_DIR
                 "/scripts/slurm/merge.sbatch out.h5 2") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t.dir / "results"));  // a dry run creates nothing

  CHECK(sweeptest::run_command({kSubmit, "spec.yaml", "out.h5", "--runs-per-task", "100", "--dry-run"},
                               t.dir.path.string(), out) == 0);
  CHECK(out.find("sbatch --output=results/logs/%x-%j.out --cpus-per-task=1 " CARDSIM_SOURCE_DIR
                 "/scripts/slurm/sweep.sbatch spec.yaml out.h5") != std::string::npos);  // one task: no array, no merge
  CHECK(out.find("merge.sbatch") == std::string::npos);

  CHECK(sweeptest::run_command({kSubmit, "spec.yaml", "out.h5", "--dry-run"}, t.dir.path.string(), out) == 2);
  CHECK(out.find("--plan needs either --runs-per-task R or --task-minutes M") != std::string::npos);
  CHECK(sweeptest::run_command({kSubmit, "spec.yaml", "out.h5", "--task-minutes", "1.5", "--dry-run"},
                               t.dir.path.string(), out) == 2);
  CHECK(out.find("--task-minutes must be a whole number of minutes") != std::string::npos);
  CHECK(sweeptest::run_command({kSubmit, "missing.yaml", "out.h5", "--runs-per-task", "2", "--dry-run"},
                               t.dir.path.string(), out) == 2);
  CHECK(out.find("missing.yaml") != std::string::npos);
  unsetenv("CARDSIM");
}
