// Policy comparisons: common random numbers, direction of the main controls'
// effects, honest-harm columns, cost-effectiveness ranking, windows,
// snapshots and warm starts. Small worlds (100,000 identity holders, 120
// days) keep each case to a few seconds.
#include <catch2/catch.hpp>
#include <cmath>

#include <algorithm>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "experiments/compare.h"
#include "core/metrics.h"
#include "core/rng.h"
#include "results/snapshot.h"

using namespace cardsim;
namespace fs = std::filesystem;

namespace {

const std::string kScenarios = std::string(CARDSIM_SOURCE_DIR) + "/scenarios/";

/// A tenth of the baseline's people with all of its criminals and police.
Scenario small(Scenario sc, int64_t days = 120) {
  apply_override(sc, "population=100000");
  apply_override(sc, "density.caught_share=0.07");
  apply_override(sc, "controls.police.capacity_per_million=6");
  apply_override(sc, "days=" + std::to_string(days));
  validate_scenario(sc);
  return sc;
}

Scenario small_file(const std::string& file, int64_t days = 120) {
  return small(load_scenario_file(kScenarios + file), days);
}

CompareRequest request(const std::vector<std::string>& policy_files, int64_t replicates) {
  CompareRequest req;
  req.base = small_file("baseline.yaml");
  for (const auto& f : policy_files) req.policies.push_back(small_file("policies/" + f));
  req.replicates = replicates;
  req.threads = 2;
  return req;
}

const PolicyEffect& effect_of(const CompareResult& r, const std::string& policy) {
  for (const auto& e : r.effects)
    if (e.name == policy) return e;
  FAIL("no policy " << policy);
  return r.effects.front();
}

Interval interval_of(const CompareResult& r, const std::string& policy, const std::string& metric) {
  const int m = find_metric(metric);
  REQUIRE(m >= 0);
  return effect_of(r, policy).interval[std::size_t(m)];
}

/// The whole 90% interval lies below (sign -1) or above (sign +1) zero.
void require_direction(const CompareResult& r, const std::string& policy, const std::string& metric, int sign) {
  const Interval iv = interval_of(r, policy, metric);
  INFO(policy << " " << metric << ": mean " << iv.mean << ", 90% interval [" << iv.lo << ", " << iv.hi << "]");
  if (sign < 0) CHECK(iv.hi < 0.0);
  else CHECK(iv.lo > 0.0);
}

std::string temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cardsim_test_compare_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

void require_same_series(const Recorder& a, const Recorder& b) {
  for (int m = 0; m < kMetricCount; ++m) {
    INFO("metric " << metric_registry()[std::size_t(m)].name);
    for (int64_t d = 0; d < a.days(); ++d) REQUIRE(a.series(m)[d] == b.series(m)[d]);
    REQUIRE(a.total(m) == b.total(m));
  }
}

}  // namespace

TEST_CASE("comparing the baseline with itself gives exactly zero differences", "[compare]") {
  CompareRequest req = request({}, 8);
  req.policies = {small_file("baseline.yaml"), small(builtin_baseline())};
  for (int64_t burn_in : {0, 40}) {
    req.burn_in = burn_in;
    const CompareResult r = run_compare(req);
    REQUIRE(r.effects.size() == 2);
    for (const auto& e : r.effects) {
      for (int m = 0; m < kMetricCount; ++m)
        for (double d : e.diff[std::size_t(m)]) REQUIRE(d == 0.0);
      CHECK(spans_zero(e.interval[std::size_t(Metric::fraud_losses_yuan)]));
      CHECK(e.losses_avoided_yuan == 0.0);
      CHECK(e.honest_harmed == 0.0);
    }
  }
}

TEST_CASE("dealer cap, remote block, per-ID cap and clawback act in the expected direction", "[compare]") {
  const CompareResult r =
      run_compare(request({"dealer_cap.yaml", "remote_lockdown.yaml", "per_id_cap_1.yaml", "commission_clawback.yaml"}, 20));
  // Dealer cap: insider outlets hit the cap first, so fewer white cards.
  require_direction(r, "dealer_cap", "cards_activated_white", -1);
  require_direction(r, "dealer_cap", "honest_refused_dealer_cap", +1);
  // Remote block with location edits protected: harvested identities of other
  // regions can no longer be activated, and honest remote customers are refused.
  require_direction(r, "remote_lockdown", "cards_activated_harvested", -1);
  require_direction(r, "remote_lockdown", "honest_refused_remote", +1);
  // One card per identity: harvested records find few free identities.
  require_direction(r, "per_id_cap_1", "cards_activated_harvested", -1);
  require_direction(r, "per_id_cap_1", "honest_refused_id_cap", +1);
  // Clawback recovers commissions on cards later shut for fraud.
  require_direction(r, "commission_clawback", "commissions_clawed_back_yuan", +1);
  const PolicyEffect& claw = effect_of(r, "commission_clawback");
  std::vector<double> net;
  for (std::size_t i = 0; i < claw.diff[0].size(); ++i)
    net.push_back(claw.diff[std::size_t(Metric::commissions_fraudulent_yuan)][i] -
                  claw.diff[std::size_t(Metric::commissions_clawed_back_yuan)][i]);
  const Interval net_iv = summarize(net);
  INFO("net fraudulent commissions: mean " << net_iv.mean << " [" << net_iv.lo << ", " << net_iv.hi << "]");
  CHECK(net_iv.hi < 0.0);
}

TEST_CASE("honest-harm columns are non-zero for the controls that refuse honest customers", "[compare]") {
  const CompareResult r = run_compare(request({"dealer_cap.yaml", "remote_block.yaml", "per_id_cap_3.yaml",
                                               "per_id_cap_1.yaml", "liveness.yaml", "velocity_check.yaml",
                                               "monitoring_strong.yaml"},
                                              20));
  for (const char* p : {"dealer_cap", "remote_block", "per_id_cap_3", "per_id_cap_1", "liveness", "velocity_check"}) {
    require_direction(r, p, "honest_refused", +1);
    CHECK(effect_of(r, p).honest_harmed > 0.0);
  }
  // Stronger monitoring refuses nobody but wrongly shuts more honest cards.
  require_direction(r, "monitoring_strong", "shutdowns_honest", +1);
  CHECK(effect_of(r, "monitoring_strong").honest_harmed > 0.0);
}

TEST_CASE("stronger bank monitoring freezes more honest accounts, counted in honest harm beside the losses avoided", "[compare][bank]") {
  // The second card's honest cost (issue 14): twice the transfers reviewed
  // means twice the honest transfers that can be frozen in error. The
  // comparison reports them in their own column and inside honest_harmed,
  // next to the losses the policy avoids.
  const CompareResult r = run_compare(request({"bank_monitoring_x2.yaml"}, 10));
  require_direction(r, "bank_monitoring_x2", "bank_accounts_frozen_honest", +1);
  const PolicyEffect& e = effect_of(r, "bank_monitoring_x2");
  const Interval frozen = interval_of(r, "bank_monitoring_x2", "bank_accounts_frozen_honest");
  const Interval refused = interval_of(r, "bank_monitoring_x2", "honest_refused");
  const Interval shut = interval_of(r, "bank_monitoring_x2", "shutdowns_honest");
  const Interval reverified = interval_of(r, "bank_monitoring_x2", "shutdowns_honest_reverification");
  CHECK(e.honest_harmed == Approx(frozen.mean + refused.mean + shut.mean + reverified.mean));
  CHECK(e.harm_measurable);
  CHECK(std::isfinite(e.losses_avoided_yuan));
}

TEST_CASE("a control scheduled on day 180 leaves the days before it untouched", "[compare]") {
  CompareRequest req;
  req.base = small_file("baseline.yaml", 240);
  req.policies = {small_file("policies/per_id_cap_3_from_day180.yaml", 240)};
  req.replicates = 6;
  req.threads = 2;
  req.from_day = 180;
  const CompareResult r = run_compare(req);
  const int64_t days = 240;
  for (int64_t rep = 0; rep < req.replicates; ++rep)
    for (int m = 0; m < kMetricCount; ++m)
      for (int64_t d = 0; d < 180; ++d)
        REQUIRE(r.runs[0].daily[std::size_t(rep)][std::size_t(m * days + d)] ==
                r.runs[1].daily[std::size_t(rep)][std::size_t(m * days + d)]);
  // The window holds only the treated days, and the cap refuses honest customers there.
  const int refused = int(Metric::honest_refused);
  double sum = 0;
  for (int64_t d = 180; d < days; ++d) sum += r.runs[1].daily[0][std::size_t(refused * days + d)];
  CHECK(r.window[1][std::size_t(refused)][0] == sum);
  require_direction(r, "per_id_cap_3_from_day180", "honest_refused_id_cap", +1);
}

namespace {

/// A policy effect with `n` replicates whose losses avoided and honest
/// customers refused have the given means and spreads (alternating +- spread,
/// so the means are exact).
PolicyEffect synthetic_effect(const std::string& name, double avoided, double refused, double spread = 1.0,
                              std::size_t n = 20) {
  PolicyEffect e;
  e.name = name;
  e.diff.assign(kMetricCount, std::vector<double>(n, 0.0));
  for (std::size_t r = 0; r < n; ++r) {
    const double sign = r % 2 ? 1.0 : -1.0;
    const double wobble = r % 4 < 2 ? 1.0 : 0.5;  // replicates differ between policies: not a pure shift
    e.diff[std::size_t(Metric::fraud_losses_yuan)][r] = -avoided + sign * spread * wobble * 10;
    e.diff[std::size_t(Metric::honest_refused)][r] = refused + sign * spread * wobble;
    e.diff[std::size_t(Metric::honest_harmed)][r] = e.diff[std::size_t(Metric::honest_refused)][r];  // its only part here
  }
  return e;
}

const PolicyEffect& named(const std::vector<PolicyEffect>& effects, const std::string& name) {
  for (const auto& e : effects)
    if (e.name == name) return e;
  FAIL("no policy " << name);
  return effects.front();
}

}  // namespace

TEST_CASE("ranking by losses avoided per honest customer harmed, and the frontier", "[compare]") {
  std::vector<PolicyEffect> effects = {synthetic_effect("a", 100, 10),          synthetic_effect("free", 50, 0),
                                       synthetic_effect("big", 200, 100),       synthetic_effect("worse_than_a", 40, 20),
                                       synthetic_effect("harmful", -10, 5)};
  rank_policies(effects, RankOptions{});
  CHECK(effects[0].avoided_per_harmed == Approx(10.0));
  CHECK_FALSE(effects[1].harm_measurable);  // "no measurable harm": its harm's CI includes 0
  CHECK(effects[0].harm_measurable);
  CHECK(effects[1].rank == 1);
  CHECK(effects[0].rank == 2);
  // big and worse_than_a both avoid 2 yuan per customer harmed: a tie, shown as such.
  CHECK(effects[2].rank == 3);
  CHECK(effects[3].rank == 3);
  CHECK(effects[2].tied_with == std::vector<std::string>{"worse_than_a"});
  CHECK(effects[4].rank == 5);
  CHECK(effects[0].tied_with.empty());
  CHECK(effects[0].on_frontier);
  CHECK(effects[1].on_frontier);
  CHECK(effects[2].on_frontier);
  CHECK_FALSE(effects[3].on_frontier);  // dominated by a
  CHECK_FALSE(effects[4].on_frontier);  // dominated by doing nothing
}

TEST_CASE("policies whose paired difference is within noise are tied in the ranking", "[compare]") {
  // Same ratio up to noise: a_noisy's spread makes its difference with a uncertain.
  std::vector<PolicyEffect> effects = {synthetic_effect("a", 100, 10), synthetic_effect("a_noisy", 95, 10, 8.0),
                                       synthetic_effect("clearly_better", 300, 10)};
  rank_policies(effects, RankOptions{});
  CHECK(named(effects, "clearly_better").rank == 1);
  CHECK(named(effects, "clearly_better").tied_with.empty());
  CHECK(named(effects, "a").rank == 2);
  CHECK(named(effects, "a_noisy").rank == 2);
  CHECK(named(effects, "a").tied_with == std::vector<std::string>{"a_noisy"});
  CHECK(named(effects, "a_noisy").tied_with == std::vector<std::string>{"a"});
  // Without noise the same means are ordered.
  std::vector<PolicyEffect> firm = {synthetic_effect("a", 100, 10, 0.01), synthetic_effect("a_firm", 95, 10, 0.01)};
  rank_policies(firm, RankOptions{});
  CHECK(named(firm, "a").rank == 1);
  CHECK(named(firm, "a_firm").rank == 2);
  CHECK(named(firm, "a").tied_with.empty());
}

TEST_CASE("the t-based 90% CI of the mean paired difference covers the true effect 90% of the time",
          "[compare][statistics]") {
  // Synthetic replicate sets with a known normal difference, many seeds.
  const double effect = 3.0, sd = 2.0;
  for (std::size_t n : {4, 10, 30}) {
    int covered = 0;
    const int sets = 4000;
    for (int set = 0; set < sets; ++set) {
      Stream rng(2026, 99, 0, Phase::Init, uint64_t(set));
      std::vector<double> d(n);
      for (auto& x : d) x = effect + sd * rng.normal();
      const Interval ci = mean_confidence_interval(d, 0.90);
      covered += ci.lo <= effect && effect <= ci.hi;
    }
    const double coverage = double(covered) / sets;
    INFO(n << " replicates: coverage " << coverage);
    // Binomial sd of the estimate is 0.0047; a normal quantile instead of
    // Student's t would give about 0.83 with 4 replicates.
    CHECK(coverage > 0.88);
    CHECK(coverage < 0.92);
  }
}

TEST_CASE("the replicates-needed line gives about 80% power", "[compare][statistics]") {
  std::vector<double> unit(1000);
  for (std::size_t i = 0; i < unit.size(); ++i) unit[i] = i % 2 ? 1.0 : -1.0;  // sd ~ 1
  const int64_t n = replicates_to_detect(unit, 0.5, 0.90, 0.80);
  CHECK(n == 25);  // ((1.645 + 0.842) / 0.5)^2 = 24.7
  int detected = 0;
  const int sets = 4000;
  for (int set = 0; set < sets; ++set) {
    Stream rng(7, 98, 0, Phase::Init, uint64_t(set));
    std::vector<double> d(static_cast<std::size_t>(n));
    for (auto& x : d) x = 0.5 + rng.normal();
    detected += !spans_zero(mean_confidence_interval(d, 0.90));
  }
  const double power = double(detected) / sets;
  INFO("power " << power);
  CHECK(power > 0.76);
  CHECK(power < 0.84);
}

TEST_CASE("snapshot continuation is bit-identical to the run done in one piece", "[snapshot]") {
  // A scheduled change after the snapshot day must still apply by day.
  // So must an action (a re-verification drive) after the snapshot day.
  Scenario sc = small(load_scenario_text("name: scheduled\nschedule:\n  - day: 70\n    set: {controls.per_id_cap.max_cards: 3}\n"
                                         "actions:\n  - {day: 80, action: reverify, target: dormant, coverage: 1}\n",
                                         "inline", "."));
  const std::string path = temp_path("continuation.snapshot.h5");
  std::vector<std::unique_ptr<World>> halfway;
  for (uint64_t rep = 0; rep < 3; ++rep) {
    halfway.push_back(build_world(sc, 7, rep));
    run_days(*halfway.back(), sc, 45, RunOptions{});
  }
  write_snapshot_file(path, sc, 7, halfway);
  const SnapshotInfo info = read_snapshot_info(path);
  CHECK(info.day == 45);
  CHECK(info.seed == 7);
  CHECK(info.replicates == 3);
  CHECK(scenario_hash(info.scenario) == scenario_hash(sc));
  for (uint64_t rep = 0; rep < 3; ++rep) {
    auto whole = run_replicate(sc, 7, rep, RunOptions{});
    auto continued = read_snapshot_world(path, info.scenario, int64_t(rep));
    RunOptions checked;
    checked.check_invariants = true;  // the restored world is consistent, day after day
    run_days(*continued, info.scenario, sc.params.days, checked);
    require_same_series(whole->recorder, continued->recorder);
    CHECK(whole->ledger.raw_balances() == continued->ledger.raw_balances());
    CHECK(whole->cards.state == continued->cards.state);
    CHECK(std::equal(whole->citizens.person.begin(), whole->citizens.person.end(), continued->citizens.person.begin(),
                     continued->citizens.person.end(), [](const Identity& a, const Identity& b) {
                       return std::memcmp(&a, &b, sizeof(Identity)) == 0;
                     }));
  }
  fs::remove_all(fs::path(path).parent_path());
}

TEST_CASE("a policy branched from a burn-in equals the policy scheduled at the burn-in day", "[snapshot][compare]") {
  CompareRequest req = request({"per_id_cap_3.yaml"}, 3);
  req.burn_in = 60;
  req.snapshot_path = temp_path("burnin.snapshot.h5");
  const CompareResult r = run_compare(req);
  CHECK(fs::exists(req.snapshot_path));
  Scenario scheduled = small(load_scenario_text(
      "name: scheduled\nschedule:\n  - day: 60\n    set: {controls.per_id_cap.max_cards: 3}\n", "inline", "."));
  for (uint64_t rep = 0; rep < 3; ++rep) {
    auto whole = run_replicate(scheduled, req.seed, rep, RunOptions{});
    const auto& branched = r.runs[1].daily[rep];
    for (int m = 0; m < kMetricCount; ++m)
      for (int64_t d = 0; d < 120; ++d) REQUIRE(branched[std::size_t(m * 120 + d)] == whole->recorder.series(m)[d]);
  }
  fs::remove_all(fs::path(req.snapshot_path).parent_path());
}

TEST_CASE("pairing scenarios of different lengths is bad input", "[compare]") {
  CompareRequest req = request({}, 2);
  req.policies = {small_file("policies/dealer_cap.yaml", 100)};
  CHECK_THROWS_AS(run_compare(req), InputError);
  req.policies = {small(builtin_baseline())};
  req.burn_in = 20;
  apply_override(req.policies[0], "regions=2");
  CHECK_THROWS_WITH(run_compare(req), Catch::Contains("'regions'") && Catch::Contains("--burn-in"));
}

TEST_CASE("cardsim compare writes HDF5 and CSV, and refuses bad input with exit code 2", "[compare][cli]") {
  const std::string out = temp_path("cli/compare.h5");
  const std::string bin = CARDSIM_BINARY;
  const std::string common = " --set population=100000 --set days=60 -r 3 -t 2 -q --out " + out + " > /dev/null 2>&1";
  const std::string files = " " + kScenarios + "baseline.yaml " + kScenarios + "policies/dealer_cap.yaml";
  CHECK(std::system((bin + " compare" + files + common).c_str()) == 0);
  CHECK(fs::exists(out));
  CHECK(fs::exists(fs::path(out).replace_extension(".csv")));
  const int bad_window = std::system((bin + " compare" + files + " --from-day 60" + common).c_str());
  CHECK(WEXITSTATUS(bad_window) == 2);
  const int only_base = std::system((bin + " compare " + kScenarios + "baseline.yaml" + common).c_str());
  CHECK(WEXITSTATUS(only_base) == 2);
  // A warm start saves its snapshot beside the output; `run` continues it.
  CHECK(std::system((bin + " compare" + files + " --burn-in 20" + common).c_str()) == 0);
  const std::string snapshot = fs::path(out).replace_extension(".snapshot.h5").string();
  REQUIRE(fs::exists(snapshot));
  CHECK(std::system((bin + " run --from-snapshot " + snapshot + " -q --out " + out + ".run.h5 > /dev/null 2>&1").c_str()) == 0);
  CHECK(fs::exists(out + ".run.h5"));
  const int not_snapshot = std::system((bin + " run --from-snapshot " + out + " -q --out " + out + ".x > /dev/null 2>&1").c_str());
  CHECK(WEXITSTATUS(not_snapshot) == 2);
  fs::remove_all(fs::path(out).parent_path().parent_path());
}
