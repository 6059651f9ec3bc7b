// Faults survived with nothing lost: a full disk, a size-limited file, an
// unwritable output path and Ctrl-C during a run each end with a clear
// message and a known exit code, and never leave a file at the output path
// (nor a temporary file beside it) that could pass for a finished result.
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_process.h"
#include "model_fixtures.h"
#include "core/interrupt.h"
#include "core/simulation.h"

using namespace cardsim;
using namespace cardsim::testing;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("cardsim-faults-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Files in `dir`, hidden temporaries included.
std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

/// A run whose output (~330 kB) does not fit in 64 kB.
std::vector<std::string> small_run_to(const std::string& out) {
  return {"run", "-q", "-r", "4", "-t", "2", "--set", "population=20000", "--set", "days=365", "--out", out};
}

/// A tmpfs of 64 kB mounted for the life of the object; `mounted` is false
/// where mounting is impossible (not root, no CAP_SYS_ADMIN, no tmpfs).
struct SmallTmpfs {
  fs::path dir;
  bool mounted = false;
  explicit SmallTmpfs(const fs::path& at) : dir(at) {
    mounted = mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") == 0;
  }
  ~SmallTmpfs() {
    if (mounted) umount(dir.c_str());
  }
};

}  // namespace

TEST_CASE("a full disk is a clear error and leaves no file", "[faults]") {
  const fs::path dir = fresh_dir("tmpfs");
  {
    SmallTmpfs disk(dir);
    if (!disk.mounted) {
      WARN("cannot mount a 64 kB tmpfs here (" << std::strerror(errno) << "); full-disk test skipped");
      return;
    }
    const std::string out = (dir / "run.h5").string();
    const Outcome o = run_cardsim(small_run_to(out));
    INFO("stderr: " << o.err);
    REQUIRE(o.exited);
    CHECK(o.code == 1);
    CHECK(o.err.find(out) != std::string::npos);
    CHECK(o.err.find("No space left on device") != std::string::npos);
    CHECK(files_in(dir).empty());
  }
  fs::remove_all(dir);
}

TEST_CASE("a file-size limit (EFBIG) is a clear error and leaves no file", "[faults]") {
  // Works without privileges, so the write-failure path is tested everywhere.
  const fs::path dir = fresh_dir("fsize");
  const std::string out = (dir / "run.h5").string();
  ChildOptions opts;
  opts.file_size_limit = 64 * 1024;
  const Outcome o = run_cardsim(small_run_to(out), opts);
  INFO("stderr: " << o.err);
  REQUIRE(o.exited);
  CHECK(o.code == 1);
  CHECK(o.err.find(out + ": cannot write output") != std::string::npos);
  CHECK(o.err.find("File too large") != std::string::npos);
  CHECK(files_in(dir).empty());
  fs::remove_all(dir);
}

TEST_CASE("an unwritable output path is refused before the run, naming the path", "[faults]") {
  // Nobody, root included, can create a file below a regular file.
  const fs::path dir = fresh_dir("unwritable");
  std::fclose(std::fopen((dir / "file").c_str(), "w"));
  const std::string out = (dir / "file" / "run.h5").string();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> args = small_run_to(out);
  args.insert(args.end(), {"--set", "days=3650"});  // would take a while if it ran first
  const Outcome o = run_cardsim(args);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("stderr: " << o.err);
  REQUIRE(o.exited);
  CHECK(o.code == 1);
  CHECK(o.err.find(out + ": cannot create output folder") != std::string::npos);
  CHECK(seconds < 5);
  CHECK(files_in(dir) == std::vector<std::string>{"file"});
  fs::remove_all(dir);
}

TEST_CASE("SIGINT during a run stops it at a day boundary with code 130 and no file", "[faults][sigint]") {
  const fs::path dir = fresh_dir("sigint");
  const std::string out = (dir / "run.h5").string();
  // Minutes of work uninterrupted (--check inspects the whole world every
  // day); the signal comes after a second.
  ChildOptions opts;
  opts.sigint_after_s = 1.0;
  opts.timeout_s = 60;
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = run_cardsim({"run", "-q", "--check", "-r", "4", "-t", "2", "--set", "population=200000",
                                 "--set", "days=3650", "--out", out},
                                opts);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("stderr: " << o.err);
  REQUIRE_FALSE(o.timed_out);
  REQUIRE(o.exited);  // handled, not killed by the signal
  CHECK(o.code == 130);
  CHECK(o.err.find("interrupted (SIGINT) on day") != std::string::npos);
  CHECK(o.err.find("no output file was written") != std::string::npos);
  CHECK(seconds < 20);  // stops at the next day boundary, not at the end
  CHECK(files_in(dir).empty());
  fs::remove_all(dir);
}

TEST_CASE("an interrupt request stops run_days at the next day boundary", "[faults][sigint]") {
  const Scenario sc = small_baseline(20000, 30);
  auto w = build_world(sc, 1, 0);
  run_days(*w, sc, 5, {});
  request_interrupt();
  try {
    run_days(*w, sc, 30, {});
    FAIL("interrupt ignored");
  } catch (const Interrupted& e) {
    CHECK(e.day == 5);
  }
  clear_interrupt();
  CHECK(w->day == 5);  // nothing of day 5 ran: the world is still consistent
  RunOptions check;
  check.check_invariants = true;
  REQUIRE_NOTHROW(run_days(*w, sc, 30, check));  // and it can go on
}

TEST_CASE("compare under a file-size limit fails clearly and leaves no file", "[faults]") {
  const fs::path dir = fresh_dir("compare-fsize");
  const std::string out = (dir / "compare.h5").string();
  const std::string scenarios = std::string(CARDSIM_SOURCE_DIR) + "/scenarios/";
  ChildOptions opts;
  opts.file_size_limit = 1024;
  const Outcome o = run_cardsim({"compare", scenarios + "baseline.yaml", scenarios + "policies/dealer_cap.yaml",
                                 "--set", "population=20000", "--set", "days=30", "-r", "2", "-t", "2", "-q",
                                 "--out", out},
                                opts);
  INFO("stderr: " << o.err);
  REQUIRE(o.exited);
  CHECK(o.code == 1);
  CHECK(o.err.find(out) != std::string::npos);
  CHECK(files_in(dir).empty());
  fs::remove_all(dir);
}
