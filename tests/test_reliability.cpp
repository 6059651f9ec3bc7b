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
  // Two replicates after a 20-day burn-in of a small world: cards made,
  // some sold to rings, cases reported.
  const Outcome made = run_cardsim({"compare", kScenarios + "baseline.yaml", kScenarios + "policies/dealer_cap.yaml",
                                    "--set", "population=20000", "--set", "days=40", "--burn-in", "20", "-r", "2",
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
       [&](const std::string& p) { set_entry(p, r1 + "world.police_head", 0, 1e12); }, "police"},
      {"broker in a region that does not exist",
       [&](const std::string& p) { set_entry(p, r1 + "brokers.region", 0, 60000); }, "brokers.region"},
      {"negative day", [&](const std::string& p) { set_root_attr(p, "day", -5); }, "day = -5"},
      {"negative day inside a replicate",
       [&](const std::string& p) { set_entry(p, r1 + "world.day", 0, -3); }, "world.day"},
      {"list offsets out of range",
       [&](const std::string& p) { set_entry(p, r1 + "brokers.stock.offsets", 1, 1e9); }, "brokers.stock"},
      {"missing replicate group", [&](const std::string& p) { remove_link(p, "replicate_000001"); }, "replicate 1"},
      {"card states cut short", [&](const std::string& p) { shorten(p, r1 + "cards.state"); }, "field 'cards."},
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
