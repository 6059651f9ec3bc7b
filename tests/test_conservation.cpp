// Conservation holds every day: each card in exactly one state, honest and
// criminal cards per identity add up, money paid equals money received.
// check_invariants throws on the first broken day, so running with the check
// on is the test.
#include <catch2/catch.hpp>
#include <cmath>

#include "invariant_fixtures.h"
#include "model_fixtures.h"
#include "core/invariants.h"
#include "core/simulation.h"

using namespace cardsim;
using namespace cardsim::testing;

TEST_CASE("invariants hold every day of the baseline", "[conservation]") {
  REQUIRE_NOTHROW(run(small_baseline(200000, 365), 2, 1, 0, true));
}

TEST_CASE("invariants hold every day with each channel alone", "[conservation]") {
  const char* channels[] = {"farmer", "harvested", "white_card", "raising", "code_harvesting"};
  for (const char* only : channels) {
    std::vector<std::string> sets;
    for (const char* c : channels)
      sets.push_back(std::string("channels.") + c + ".enabled=" + (std::string(c) == only ? "true" : "false"));
    INFO("only channel: " << only);
    REQUIRE_NOTHROW(run(with(small_baseline(100000, 200), sets), 1, 2, 0, true));
  }
}

TEST_CASE("invariants hold under strict controls and heavy enforcement", "[conservation]") {
  const Scenario sc = with(small_baseline(100000, 200),
                           {"controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=5",
                            "controls.velocity.enabled=true", "commission.clawback=true",
                            "controls.police.capacity_per_million=20", "controls.police.p_broker=0.9",
                            "controls.audits.per_year=50", "controls.monitoring.strength=5"});
  REQUIRE_NOTHROW(run(sc, 2, 3, 0, true));
}

TEST_CASE("a broken invariant names the day and the invariant", "[conservation]") {
  auto w = build_world(small_baseline(50000, 20), 1, 0);
  RunOptions opts;
  opts.check_invariants = true;
  run_days(*w, small_baseline(50000, 20), 10, opts);
  w->legit_live += 1;  // corrupt the honest-card count
  REQUIRE(w->day == 10);
  expect_broken(*w, "honest cards", {"day 10"});
}

TEST_CASE("money is conserved with fines, damages and seizures along the whole chain", "[conservation][enforcement]") {
  const Scenario sc = with(small_baseline(100000, 200),
                           {"controls.police.capacity_per_million=30", "controls.police.p_broker=0.9",
                            "controls.police.p_outlet=0.9", "controls.police.p_supplier=0.9",
                            "controls.police.p_organiser=0.9", "controls.police.sentences_served=true",
                            "controls.police.damages_yuan=290000"});
  REQUIRE_NOTHROW(run(sc, 2, 3, 0, true));
  // Fines and damages are the State's only receipts: its balance is their sum.
  auto w = build_world(sc, 3, 0);
  run_days(*w, sc, 200, RunOptions{});
  const double fines = w->recorder.total(int(Metric::fines_paid_yuan));
  const double damages = w->recorder.total(int(Metric::damages_paid_yuan));
  CHECK(fines > 0);
  CHECK(damages > 0);
  CHECK(w->ledger.balance(w->ledger.pool(Pool::State)) == Approx(fines + damages).epsilon(1e-12));
  CHECK(std::fabs(w->ledger.sum()) < 1e-6 * w->ledger.moved());
}
