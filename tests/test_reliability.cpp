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
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include "cli_process.h"
#include "results/h5.h"
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

// ---- 3. Damaged or altered snapshots -------------------------------------

namespace {

/// Opens a snapshot for in-place edits, as someone tampering with it would.
cardsim::h5::Handle open_for_edit(const std::string& path) {
  return cardsim::h5::Handle(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
}

/// Sets entry `index` of a numeric dataset (HDF5 converts to its type).
void set_entry(const std::string& path, const std::string& dataset, std::size_t index, double value) {
  auto f = open_for_edit(path);
  std::vector<hsize_t> dims;
  std::vector<double> v = cardsim::h5::read_doubles(f, dataset, dims);
  REQUIRE(index < v.size());
  v[index] = value;
  cardsim::h5::Handle ds(H5Dopen2(f, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  REQUIRE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
}

double entry(const std::string& path, const std::string& dataset, std::size_t index) {
  cardsim::h5::Handle f = cardsim::h5::open_file(path);
  std::vector<hsize_t> dims;
  const std::vector<double> v = cardsim::h5::read_doubles(f, dataset, dims);
  REQUIRE(index < v.size());
  return v[index];
}

/// Replaces a dataset by one entry shorter (a truncated field).
void shorten(const std::string& path, const std::string& dataset) {
  auto f = open_for_edit(path);
  std::vector<hsize_t> dims;
  std::vector<double> v = cardsim::h5::read_doubles(f, dataset, dims);
  REQUIRE(!v.empty());
  v.pop_back();
  REQUIRE(H5Ldelete(f, dataset.c_str(), H5P_DEFAULT) >= 0);
  cardsim::h5::write_doubles(f, dataset, {hsize_t(v.size())}, v.data());
}

void remove_link(const std::string& path, const std::string& name) {
  auto f = open_for_edit(path);
  REQUIRE(H5Ldelete(f, name.c_str(), H5P_DEFAULT) >= 0);
}

void set_root_attr(const std::string& path, const std::string& name, int64_t value) {
  auto f = open_for_edit(path);
  cardsim::h5::write_attr(f, name, value);
}

struct Tampering {
  const char* what;
  std::function<void(const std::string&)> apply;
  const char* fragment;  // expected in the message
};

}  // namespace

TEST_CASE("a damaged or altered snapshot is refused with a message, never crashes or runs", "[reliability][snapshot]") {
  TempDir dir;
  // Two replicates after a 20-day burn-in of a small world (criminal numbers
  // scale with the population): cards made, some sold to rings, cases reported.
  const Outcome made = run_cardsim({"compare", kScenarios + "baseline.yaml", kScenarios + "policies/dealer_cap.yaml",
                                    "--set", "population=200000", "--set", "days=40", "--burn-in", "20", "-r", "2",
                                    "-t", "2", "-q", "--out", dir / "c.h5"});
  require_clean_exit(made, 0);
  const std::string snapshot = dir / "c.snapshot.h5";
  REQUIRE(fs::exists(snapshot));
  const std::string r1 = "replicate_000001/";
  const std::vector<Tampering> cases = {
      {"ring fleet names a card never made", [&](const std::string& p) { set_entry(p, r1 + "rings.fleet.values", 0, 4e9); },
       "rings.fleet"},
      {"card names an identity outside the population",
       [&](const std::string& p) { set_entry(p, r1 + "cards.identity", 0, 4e9); }, "cards.identity"},
      {"police queue head past the queue",
       [&](const std::string& p) { set_entry(p, r1 + "world.police_cases.head", 0, 1e12); }, "police"},
      {"broker in a region that does not exist",
       [&](const std::string& p) { set_entry(p, r1 + "brokers.region", 0, 60000); }, "brokers.region"},
      {"negative day", [&](const std::string& p) { set_root_attr(p, "day", -5); }, "day = -5"},
      {"negative day inside a replicate",
       [&](const std::string& p) { set_entry(p, r1 + "world.day", 0, -3); }, "world.day"},
      {"list offsets out of range",
       [&](const std::string& p) { set_entry(p, r1 + "brokers.stock.offsets", 1, 1e9); }, "brokers.stock"},
      {"missing replicate group", [&](const std::string& p) { remove_link(p, "replicate_000001"); }, "replicate 1"},
      {"card states cut short", [&](const std::string& p) { shorten(p, r1 + "cards.state"); }, "field 'cards."},
      {"bank accounts' funds cut short", [&](const std::string& p) { shorten(p, r1 + "bank.funds"); },
       "field 'bank.funds'"},
      {"account sold by a holder outside the population",
       [&](const std::string& p) { set_entry(p, r1 + "bank.seller", 0, 4e9); }, "field 'bank.seller'"},
      {"account held by a collector or ring that does not exist",
       [&](const std::string& p) { set_entry(p, r1 + "bank.holder", 0, 1000); }, "field 'bank.holder'"},
      {"buyer at home in a region that does not exist",
       [&](const std::string& p) { set_entry(p, r1 + "trade.home.values", 0, 60000); }, "trade.home"},
      {"refused customer's retry naming an identity outside the population",
       [&](const std::string& p) { set_entry(p, r1 + "world.honest_retry_due.values", 0, 4e9); }, "honest retries"},
      {"account assembled by a collector that does not exist",
       [&](const std::string& p) { set_entry(p, r1 + "bank.collector", 0, 1e6); }, "field 'bank.collector'"},
      {"unknown card state", [&](const std::string& p) { set_entry(p, r1 + "cards.state", 0, 200); }, "snapshot"},
      {"altered ledger balance",
       [&](const std::string& p) { set_entry(p, r1 + "ledger.balances", 3, entry(p, r1 + "ledger.balances", 3) + 1e6); },
       "snapshot"},
      {"altered price that breaks no rule",
       [&](const std::string& p) { set_entry(p, r1 + "market.price_farmer", 0, entry(p, r1 + "market.price_farmer", 0) * 1.01); },
       "snapshot"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      const std::string copy = dir / "tampered.snapshot.h5";
      fs::copy_file(snapshot, copy, fs::copy_options::overwrite_existing);
      c.apply(copy);
      const Outcome o = run_cardsim({"run", "--from-snapshot", copy, "-q", "-t", "2", "--out", dir / "cont.h5"});
      require_clean_exit(o, 2);
      CHECK_THAT(o.err, Catch::Matchers::Contains(c.fragment));
      CHECK_FALSE(fs::exists(dir / "cont.h5"));
    }
  }
}

// ---- 2. Memory: checked before anything is built, for every command -----

TEST_CASE("inputs that would exhaust memory are refused up front with the estimate", "[reliability][memory]") {
  TempDir dir;
  SECTION("a 1 KB grid of 10 parameters x 10 values (1e10 points) is refused before it is built") {
    std::string spec = "design:\n  kind: grid\n  parameters:\n";
    for (const char* key : {"controls.per_id_cap.max_cards", "controls.dealer_cap.max_activations",
                            "farmer.cards_per_farmer", "farmer.contacts_per_recruiter", "carriers", "regions", "scammers.horizon_days",
                            "controls.liveness.strength", "citizens.share_elderly", "citizens.share_student"})
      spec += std::string("    ") + key + ": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
    write_text(dir / "grid.yaml", spec);
    ChildOptions opts;
    opts.timeout_s = 30;
    const Outcome o = run_cardsim({"sweep", dir / "grid.yaml", "--out", dir / "grid.h5"}, opts);
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("has 10000000000 points; at most 10000000 are allowed"));
  }
  SECTION("a sweep spec that never ends (/dev/zero) is refused unread") {
    ChildOptions opts;
    opts.timeout_s = 30;
    const Outcome o = run_cardsim({"sweep", "/dev/zero", "--out", dir / "zero.h5"}, opts);
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("/dev/zero: is a device or socket, not a sweep spec file"));
  }
  SECTION("sweep applies the memory estimate") {
    std::string spec = tiny_sweep();
    spec.replace(spec.find("replicates: 1"), 13, "replicates: 100000");
    write_text(dir / "big.yaml", spec);
    const Outcome o = run_cardsim({"sweep", dir / "big.yaml", "-t", "2", "--out", dir / "big.h5"},
                                  {30, -1, {"CARDSIM_MEMORY_LIMIT_MB=1"}, -1});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("needs an estimated"));
    CHECK_THAT(o.err, Catch::Matchers::Contains("but the limit is 0.00 GB (CARDSIM_MEMORY_LIMIT_MB)"));
  }
  SECTION("compare applies the memory estimate") {
    const Outcome o = run_cardsim({"compare", kScenarios + "baseline.yaml", kScenarios + "policies/dealer_cap.yaml",
                                   "--set", "population=2000000000", "-t", "2", "--out", dir / "c.h5"},
                                  {30, -1, {"SLURM_MEM_PER_NODE=4096"}, -1});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("compare: needs an estimated"));
    CHECK_THAT(o.err, Catch::Matchers::Contains("but the limit is 4.29 GB (Slurm's SLURM_MEM_PER_NODE)"));
  }
  SECTION("a replicate count near 2^60 is refused, not overflowed") {
    const Outcome o = run_cardsim({"run", "--set", "population=2000", "--set", "days=5", "-r",
                                   "1152921504606846976", "-q", "--out", dir / "r.h5"});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("needs an estimated more than 18 EB of memory"));
  }
  for (const char* f : {"grid.h5", "zero.h5", "big.h5", "c.h5", "r.h5"}) CHECK_FALSE(fs::exists(dir / f));
}

// ---- 5. Output paths ------------------------------------------------------

TEST_CASE("outputs never replace an input, a folder or an earlier result, nor escape results/", "[reliability][output]") {
  TempDir dir;
  write_text(dir / "scen.yaml", tiny_scenario("scen"));
  const std::string scenario_text = sweeptest::read_text(dir / "scen.yaml");
  SECTION("run --out the scenario itself") {
    const Outcome o = run_cardsim({"run", dir / "scen.yaml", "-q", "-r", "1", "--out", dir / "scen.yaml"});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("is also an input of this command"));
    CHECK(sweeptest::read_text(dir / "scen.yaml") == scenario_text);
  }
  SECTION("run --out an existing folder fails before the run") {
    fs::create_directories(dir / "folder");
    const Outcome o = run_cardsim({"run", dir / "scen.yaml", "-q", "-r", "1", "--set", "days=36500", "--set",
                                   "population=2000000", "--out", dir / "folder"},
                                  {20, -1, {}, -1});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("is a folder; the output must be a file"));
  }
  SECTION("sweep --out an existing folder fails before the sweep") {
    fs::create_directories(dir / "folder");
    write_text(dir / "spec.yaml", tiny_sweep());
    const Outcome o = run_cardsim({"sweep", dir / "spec.yaml", "--out", dir / "folder"});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("is a folder"));
    CHECK_FALSE(fs::exists(dir / "folder.journal"));
  }
  SECTION("compare --out r.csv would replace its own HDF5 file with the CSV") {
    const Outcome o = run_cardsim({"compare", dir / "scen.yaml", kScenarios + "policies/dealer_cap.yaml", "-r", "1",
                                   "-q", "--set", "days=5", "--out", dir / "r.csv"});
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains("the CSV is written beside the HDF5 file"));
    CHECK_FALSE(fs::exists(dir / "r.csv"));
  }
  SECTION("a name with '..' or a separator cannot choose where the default output goes") {
    for (const char* name : {"../../x/y", "a/b", "..", ".hidden"}) {
      write_text(dir / "evil.yaml", tiny_scenario(std::string("\"") + name + "\""));
      sweeptest::write_text(dir / "work/.keep", "");
      std::string output;
      const int rc = sweeptest::cardsim({"run", dir / "evil.yaml", "-q", "-r", "1"}, dir / "work", output);
      INFO(name << ": " << output);
      CHECK(rc == 2);
      CHECK_THAT(output, Catch::Matchers::Contains("cannot name the output file"));
      CHECK_FALSE(fs::exists(dir / "x"));
      CHECK_FALSE(fs::exists(dir / "work/results"));
    }
  }
}

TEST_CASE("default outputs come from name:, land under results/ and are not replaced without --force",
          "[reliability][output]") {
  TempDir dir;
  write_text(dir / "scen.yaml", tiny_scenario("my_scenario"));
  write_text(dir / "spec.yaml", "name: my_sweep\n" + tiny_sweep());
  std::string output;
  const std::string work = dir / "work";
  fs::create_directories(work);
  SECTION("run") {
    REQUIRE(sweeptest::cardsim({"run", dir / "scen.yaml", "-q", "-r", "1"}, work, output) == 0);
    REQUIRE(fs::exists(work + "/results/my_scenario.h5"));
    const auto first = fs::last_write_time(work + "/results/my_scenario.h5");
    CHECK(sweeptest::cardsim({"run", dir / "scen.yaml", "-q", "-r", "1"}, work, output) == 2);
    CHECK_THAT(output, Catch::Matchers::Contains("exists, from an earlier run; pass --force to replace it"));
    CHECK(fs::last_write_time(work + "/results/my_scenario.h5") == first);
    CHECK(sweeptest::cardsim({"run", dir / "scen.yaml", "-q", "-r", "1", "--force"}, work, output) == 0);
    // An explicit --out replaces as asked (as `make run` relies on).
    CHECK(sweeptest::cardsim({"run", dir / "scen.yaml", "-q", "-r", "1", "--out", "results/my_scenario.h5"}, work,
                             output) == 0);
  }
  SECTION("sweep") {
    REQUIRE(sweeptest::cardsim({"sweep", dir / "spec.yaml", "-t", "1"}, work, output) == 0);
    REQUIRE(fs::exists(work + "/results/my_sweep.h5"));
    CHECK(sweeptest::cardsim({"sweep", dir / "spec.yaml", "-t", "1"}, work, output) == 2);
    CHECK_THAT(output, Catch::Matchers::Contains("pass --force to replace it"));
    CHECK(sweeptest::cardsim({"sweep", dir / "spec.yaml", "-t", "1", "--force"}, work, output) == 0);
  }
  SECTION("compare") {
    REQUIRE(sweeptest::cardsim({"compare", dir / "scen.yaml", kScenarios + "policies/dealer_cap.yaml", "-r", "1", "-t",
                                "1", "-q", "--set", "days=5"},
                               work, output) == 0);
    REQUIRE(fs::exists(work + "/results/compare/my_scenario.h5"));
    REQUIRE(fs::exists(work + "/results/compare/my_scenario.csv"));
    CHECK(sweeptest::cardsim({"compare", dir / "scen.yaml", kScenarios + "policies/dealer_cap.yaml", "-r", "1", "-t",
                              "1", "-q", "--set", "days=5"},
                             work, output) == 2);
    CHECK_THAT(output, Catch::Matchers::Contains("pass --force to replace it"));
  }
}

// ---- 6. Schedule validation is linear -------------------------------------

TEST_CASE("a long aliased schedule validates in seconds, not minutes", "[reliability][scenario]") {
  // 36,499 entries of five changes each (182,495 changes) in under 1 MB,
  // through a YAML alias. Checking each change against parameters rebuilt
  // from the whole schedule took minutes; the limit only catches a hang.
  TempDir dir;
  std::string text = "name: long_schedule\ndays: 36500\nschedule:\n  - {day: 1, set: &s {citizens.activation_rate: "
                     "0.0004, citizens.churn_rate: 0.0003, citizens.remote_share: 0.08, channels.farmer.enabled: "
                     "true, farmer.cards_per_farmer: 2}}\n";
  for (int day = 2; day < 36500; ++day) text += "  - {day: " + std::to_string(day) + ", set: *s}\n";
  REQUIRE(text.size() < (std::size_t(1) << 20));
  write_text(dir / "long.yaml", text);
  ChildOptions opts;
  opts.timeout_s = 45;
  const Outcome o = run_cardsim({"validate", dir / "long.yaml"}, opts);
  require_clean_exit(o, 0);
  CHECK_THAT(o.err, Catch::Matchers::Contains("long.yaml: valid"));
}

// ---- 7. Smaller: hangs, silent choices, echoed file contents --------------

TEST_CASE("small traps: FIFOs, double schedules, second documents, echoed contents, discarded journals",
          "[reliability][scenario]") {
  TempDir dir;
  auto refused = [](const Outcome& o, const std::string& fragment) {
    require_clean_exit(o, 2);
    CHECK_THAT(o.err, Catch::Matchers::Contains(fragment));
  };
  ChildOptions limited;
  limited.timeout_s = 20;
  SECTION("extends: a FIFO with no writer is refused instead of waiting forever") {
    REQUIRE(mkfifo((dir / "fifo.yaml").c_str(), 0644) == 0);
    write_text(dir / "child.yaml", "extends: fifo.yaml\n");
    refused(run_cardsim({"validate", dir / "child.yaml"}, limited), "is a pipe (FIFO), not a scenario file");
  }
  SECTION("the same day and key scheduled twice") {
    write_text(dir / "twice.yaml", "days: 30\nschedule:\n  - {day: 5, set: {controls.liveness.strength: 0.2}}\n"
                                   "  - {day: 5, set: {controls.liveness.strength: 0.9}}\n");
    refused(run_cardsim({"validate", dir / "twice.yaml"}), "scheduled twice for day 5");
  }
  SECTION("a second YAML document in a sweep spec") {
    write_text(dir / "spec.yaml", tiny_sweep() + "---\nreplicates: 50\n");
    refused(run_cardsim({"sweep", dir / "spec.yaml", "--out", dir / "s.h5"}), "holds one YAML document");
  }
  SECTION("a file read by mistake through extends: is not echoed") {
    const std::string secret = "ghp_" + std::string(40, 'Z') + "/token+value";
    write_text(dir / "credentials", secret + ": 1\n");
    write_text(dir / "child.yaml", "extends: credentials\n");
    const Outcome o = run_cardsim({"validate", dir / "child.yaml"});
    refused(o, "no parameter name (not shown)");
    CHECK(o.err.find("ZZZZ") == std::string::npos);
  }
  SECTION("a 900 KB value and ANSI escapes are quoted short and escaped") {
    write_text(dir / "big.yaml", "days: " + std::string(900 * 1024, '7') + "x\n");
    const Outcome big = run_cardsim({"validate", dir / "big.yaml"});
    refused(big, "(921601 bytes)");
    CHECK(big.err.size() < 1000);
    write_text(dir / "ansi.yaml", "days: \"\\e[31mred\\e[0m\"\n");
    const Outcome ansi = run_cardsim({"validate", dir / "ansi.yaml"});
    refused(ansi, "got '\\x1b[31mred\\x1b[0m'");
    CHECK(ansi.err.find('\x1b') == std::string::npos);
  }
  SECTION("a NUL in a key does not cut the message short") {
    write_text(dir / "nul.yaml", std::string("\"da\\0ys\": 5\n"));
    const Outcome o = run_cardsim({"validate", dir / "nul.yaml"});
    refused(o, "unknown parameter");
    CHECK(o.err.find('\0') == std::string::npos);
  }
  SECTION("a 5 KB base: path is a short input error") {
    write_text(dir / "spec.yaml", "base: " + std::string(5000, 'a') + "\n" + tiny_sweep());
    const Outcome o = run_cardsim({"sweep", dir / "spec.yaml", "--out", dir / "s.h5"});
    refused(o, "not found beside the spec");
    CHECK(o.err.size() < 500);
  }
  SECTION("running a sweep again without --resume keeps its journal") {
    write_text(dir / "spec.yaml", tiny_sweep());
    write_text(dir / "s.h5.journal", "cardsim sweep journal 1\n");
    refused(run_cardsim({"sweep", dir / "spec.yaml", "--out", dir / "s.h5"}), "pass --resume to continue it");
    CHECK(fs::exists(dir / "s.h5.journal"));
  }
}
