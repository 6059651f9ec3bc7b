// Extreme scenarios: each row must either complete (exit 0, a results file,
// every invariant checked every day with --check) or be refused with exit
// code 2 and a clear message. None may crash or hang: the real binary runs in
// a child process under a time limit.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_process.h"
#include "scenario/params.h"

using namespace cardsim;
using namespace cardsim::testing;
namespace fs = std::filesystem;

namespace {

enum class Expect { Completes, Refused };

struct ExtremeCase {
  std::string name;
  std::vector<std::string> sets;  // --set key=value
  std::string replicates;  // -r
  Expect expect;
  std::vector<std::string> fragments;  // must appear in stderr when refused
  std::vector<std::string> env = {};
};

// Small worlds keep each row to a second or two (longer under ASan).
const std::vector<std::string> kSmall = {"population=20000", "days=200"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Every parameter declared with unit 'probability' in sim/scenario/params.def, at `value`.
std::vector<std::string> all_probabilities(const std::string& value) {
  std::vector<std::string> sets;
  for (const auto& spec : param_registry())
    if (spec.unit == "probability") sets.push_back(spec.key + "=" + value);
  REQUIRE(sets.size() >= 10);
  return sets;
}

const std::vector<std::string> kNoCriminals = {
    "density.merchants_caught_per_million=0", "density.labor_agencies_caught_per_million=0",
    "density.data_sellers_caught_per_million=0", "density.raisers_caught_per_million=0",
    "insiders.per_organiser=0", "density.rings_caught_per_million=0"};

// Every control at the end of its range that stops the most fraud.
const std::vector<std::string> kStrictest = {
    "controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=1",
    "controls.dealer_cap.window_days=3650", "controls.remote_activation.mode=block",
    "controls.remote_activation.verify_pass=0", "controls.remote_activation.location_edit_protected=true",
    "controls.per_id_cap.max_cards=1", "controls.liveness.strength=1", "controls.velocity.enabled=true",
    "controls.velocity.max_per_identity=1", "controls.velocity.max_per_outlet_day=1",
    "controls.velocity.window_days=3650", "controls.monitoring.hazard=1", "controls.monitoring.strength=10",
    "controls.monitoring.raised_factor=1", "controls.monitoring.raising_hazard=1",
    "controls.monitoring.delay_days=0", "controls.police.report_prob=1",
    "controls.police.capacity_per_million=100000", "controls.police.p_identity=1", "controls.police.p_outlet=1",
    "controls.police.p_broker=1", "controls.police.p_scammer=1", "controls.police.sentence_min_days=36500",
    "controls.police.sentence_max_days=36500", "controls.police.fine_min_yuan=1e9",
    "controls.police.fine_max_yuan=1e9", "controls.audits.per_year=365", "controls.audits.detection=1",
    "controls.awareness.level=1", "controls.awareness.victim_effect=1", "controls.awareness.farmer_effect=100",
    "controls.data_protection.level=1", "commission.clawback=true", "commission.clawback_window_days=3650",
    "commission.delay_days=3650"};

// Every control off or at the end of its range that stops the least fraud.
const std::vector<std::string> kWeakest = {
    "controls.dealer_cap.enabled=false", "controls.remote_activation.mode=allow",
    "controls.remote_activation.verify_pass=1", "controls.per_id_cap.max_cards=60",
    "controls.liveness.strength=0", "controls.liveness.false_reject=0", "controls.velocity.enabled=false",
    "controls.monitoring.hazard=0", "controls.monitoring.strength=0", "controls.monitoring.raised_factor=0",
    "controls.monitoring.raising_hazard=0", "controls.monitoring.delay_days=365",
    "controls.monitoring.false_positive=0", "controls.police.report_prob=0",
    "controls.police.capacity_per_million=0", "controls.police.p_identity=0", "controls.police.p_outlet=0",
    "controls.police.p_broker=0", "controls.police.p_scammer=0", "controls.police.sentence_min_days=0",
    "controls.police.sentence_max_days=0", "controls.police.fine_min_yuan=0", "controls.police.fine_max_yuan=0",
    "controls.audits.per_year=0", "controls.audits.detection=0", "controls.awareness.level=0",
    "controls.data_protection.level=0", "commission.clawback=false", "commission.delay_days=1"};

const std::vector<std::string> kBankOn = {"bank.enabled=true"};

std::vector<ExtremeCase> extreme_cases() {
  return {
      {"zero population", {"population=0", "days=200"}, "2", Expect::Completes, {}},
      {"zero criminals", kSmall + kNoCriminals, "2", Expect::Completes, {}},
      {"all controls at their strictest", kSmall + kStrictest, "2", Expect::Completes, {}},
      {"all controls at their weakest", kSmall + kWeakest, "2", Expect::Completes, {}},
      {"one day", {"population=20000", "days=1"}, "2", Expect::Completes, {}},
      {"ten years", {"population=20000", "days=3650"}, "2", Expect::Completes, {}},
      {"probability 0 everywhere", kSmall + all_probabilities("0"), "2", Expect::Completes, {}},
      {"probability 1 everywhere", kSmall + all_probabilities("1"), "2", Expect::Completes, {}},
      {"one identity, every criminal role", {"population=1", "days=200", "regions=64"}, "2", Expect::Completes, {}},
      // The same with bank accounts as a market (bank.enabled, off in the
      // baseline): collectors, account sellers and kits with nobody or
      // everything to draw on.
      {"zero population, bank accounts on", {"population=0", "days=200", "bank.enabled=true"}, "2", Expect::Completes, {}},
      {"probability 1 everywhere, bank accounts on", kSmall + all_probabilities("1") + kBankOn, "2", Expect::Completes, {}},
      {"probability 0 everywhere, bank accounts on", kSmall + all_probabilities("0") + kBankOn, "2", Expect::Completes, {}},
      {"one identity, every criminal role, bank accounts on",
       {"population=1", "days=200", "regions=64", "bank.enabled=true"}, "2", Expect::Completes, {}},
      // The baseline's 1,000,000 identity holders a million times over: refused
      // up front by the memory estimate (the limit is fixed so that the row does
      // not depend on this machine's memory).
      {"a million replicates",
       {},
       "1000000",
       Expect::Refused,
       {"needs an estimated", "1000000 replicates", "but the limit is 65.54 GB"},
       {"CARDSIM_MEMORY_LIMIT_MB=62500"}},
      {"zero days", {"days=0"}, "2", Expect::Refused, {"key 'days'", "outside the allowed range"}},
  };
}

std::vector<std::string> command_line(const ExtremeCase& c, const std::string& out) {
  std::vector<std::string> args = {"run", "--check", "-q", "-r", c.replicates, "-t", "2", "--out", out};
  for (const auto& kv : c.sets) args.insert(args.end(), {"--set", kv});
  return args;
}

}  // namespace

TEST_CASE("extreme scenarios complete or are refused, never crash or hang", "[extremes]") {
  const fs::path dir = fs::temp_directory_path() / ("cardsim-extremes-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& c : extreme_cases()) {
    SECTION(c.name) {
      const std::string out = (dir / "run.h5").string();
      fs::remove(out);
      ChildOptions opts;
      opts.timeout_s = 120;
      opts.env = c.env;
      const Outcome o = run_cardsim(command_line(c, out), opts);
      INFO("stderr: " << o.err);
      REQUIRE_FALSE(o.timed_out);
      REQUIRE(o.exited);  // not killed by a signal
      if (c.expect == Expect::Completes) {
        CHECK(o.code == 0);
        CHECK(fs::exists(out));
      } else {
        CHECK(o.code == 2);
        for (const auto& f : c.fragments) CHECK(o.err.find(f) != std::string::npos);
        CHECK_FALSE(fs::exists(out));
      }
    }
  }
  fs::remove_all(dir);
}
