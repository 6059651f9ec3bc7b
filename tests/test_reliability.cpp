// Hostile and careless use, each case a reproduction of a failure found by a
// red-team pass: work computed and then lost, inputs that exhaust memory or
// crash, a file-size limit, output paths that clobber inputs or escape
// results/, quadratic validation, and smaller leaks of file contents into
// messages. Every case runs the real binary (or the real loader) and checks
// the exit code, the message and what is left on disk.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_process.h"
#include "sim/h5.h"
#include "sweep_test_util.h"

using cardsim::testing::ChildOptions;
using cardsim::testing::Outcome;
using cardsim::testing::run_cardsim;
using sweeptest::TempDir;
using sweeptest::write_text;
namespace fs = std::filesystem;

namespace {

const std::string kScenarios = std::string(CARDSIM_SOURCE_DIR) + "/scenarios/";

/// A scenario small enough to run in well under a second.
std::string tiny_scenario(const std::string& name, const std::string& extra = "") {
  return "name: " + name + "\npopulation: 2000\ndays: 5\n" + extra;
}

/// A one-point grid sweep over a tiny world, with `extra` appended.
std::string tiny_sweep(const std::string& extra = "") {
  return "replicates: 1\nset: {population: 2000, days: 5}\ndesign:\n  kind: grid\n  parameters:\n"
         "    controls.per_id_cap.max_cards: [3]\n" +
         extra;
}

void require_clean_exit(const Outcome& o, int code) {
  INFO("stderr: " << o.err);
  REQUIRE_FALSE(o.timed_out);
  REQUIRE(o.exited);  // never killed by a signal
  CHECK(o.code == code);
}

}  // namespace

// ---- 1. Texts over HDF5's 64 KB attribute limit ---------------------------

TEST_CASE("a description or sweep spec over 64 KB is stored, not lost after the run", "[reliability][h5]") {
  TempDir dir;
  const std::string long_text(70 * 1024, 'x');
  SECTION("scenario description") {
    write_text(dir / "long.yaml", tiny_scenario("long", "description: " + long_text + "\n"));
    const Outcome o = run_cardsim({"run", dir / "long.yaml", "-q", "-r", "1", "-t", "1", "--out", dir / "long.h5"});
    require_clean_exit(o, 0);
    CHECK(sweeptest::root_attr(dir / "long.h5", "scenario_yaml").find(long_text) != std::string::npos);
  }
  SECTION("sweep spec with long comments") {
    const std::string spec = "# " + long_text + "\n" + tiny_sweep();
    write_text(dir / "spec.yaml", spec);
    const Outcome o = run_cardsim({"sweep", dir / "spec.yaml", "-t", "1", "--out", dir / "spec.h5"});
    require_clean_exit(o, 0);
    CHECK(sweeptest::root_attr(dir / "spec.h5", "spec_yaml") == spec);
    CHECK_FALSE(fs::exists(dir / "spec.h5.journal"));
  }
}

// ---- 3 and 4. A full disk or file-size limit while journalling a sweep ----

TEST_CASE("a sweep under a file-size limit fails with a message, not a signal or abort", "[reliability][faults]") {
  // SIGXFSZ is at its default in the child (tests/cli_process.h), as in a
  // shell after `ulimit -f`: without cardsim ignoring it, the first write
  // past the limit kills the process (exit 153). The journal's header fits
  // in 300 bytes, its first record does not: the write fails inside the
  // critical section that serialises journal appends, which used to abort.
  TempDir dir;
  write_text(dir / "spec.yaml", tiny_sweep());
  ChildOptions opts;
  opts.file_size_limit = 300;
  const Outcome o = run_cardsim({"sweep", dir / "spec.yaml", "-t", "2", "--out", dir / "out/spec.h5"}, opts);
  require_clean_exit(o, 1);
  CHECK_THAT(o.err, Catch::Matchers::Contains("cannot write journal: File too large"));
  CHECK_FALSE(fs::exists(dir / "out/spec.h5"));
}
