// Demand from what a card earns: rings run cards while a card's expected
// revenue beats its price, so a supply control that makes cards dearer cuts
// fraud when the rings' margin is thin and is displaced when it is fat.
// Regimes are set by the cash-out share (the share of a loss that reaches the
// ring); the control removes the two cheap channels (harvested records and
// white cards), leaving card farmers. Paired over 20 replicates.
#include <catch2/catch.hpp>

#include "agents/scammer.h"
#include "model_fixtures.h"
#include "core/simulation.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

constexpr int kReplicates = 20;
const std::vector<std::string> kSupplyControl = {"channels.white_card.enabled=false",
                                                 "channels.harvested.enabled=false"};

/// Relative change of fraud cases under the supply control at this cash-out
/// share: mean and 90% confidence interval of the mean, as shares of the
/// cases without the control.
Interval relative_change_in_cases(const std::string& cash_out) {
  const Scenario base = with(small_baseline(1000000, 365), {"scammers.cash_out_share=" + cash_out});
  std::vector<std::string> sets = kSupplyControl;
  sets.push_back("scammers.cash_out_share=" + cash_out);
  const Scenario control = with(small_baseline(1000000, 365), sets);
  const RunResult a = run(base, kReplicates, 42);
  const RunResult b = run(control, kReplicates, 42);
  const Interval d = mean_difference_ci90(a, b, "fraud_cases");
  const double scale = mean_total(a, "fraud_cases");
  return {d.mean / scale, d.lo / scale, d.hi / scale};
}

}  // namespace

TEST_CASE("thin margin: making cards dearer cuts fraud cases", "[demand][regimes]") {
  const Interval change = relative_change_in_cases("0.15");
  INFO("relative change " << change.mean << ", 90% CI [" << change.lo << ", " << change.hi << "]");
  CHECK(change.mean <= -0.10);
  CHECK(change.hi < 0);
}

TEST_CASE("fat margin: making cards dearer is displaced and fraud cases stay", "[demand][regimes]") {
  const Interval change = relative_change_in_cases("1");
  INFO("relative change " << change.mean << ", 90% CI [" << change.lo << ", " << change.hi << "]");
  CHECK(change.lo >= -0.05);
  CHECK(change.hi <= 0.05);
}

TEST_CASE("a card's expected revenue follows its use, life and cash-out", "[demand]") {
  // Free and unlimited accounts: a case's cash-out is a share of its loss
  // (with bank accounts it also pays for the share of a kit it uses up,
  // tests/test_bank.cpp).
  const Scenario sc = with(small_baseline(1000000, 30), {"bank.enabled=false"});
  auto w = build_world(sc, 1, 0);
  const double base = card_revenue_yuan(*w, 0);
  CHECK(base > 0);
  w->p.scammers_cash_out_share *= 2;
  CHECK(card_revenue_yuan(*w, 0) == Approx(2 * base));
  w->p.scammers_cash_out_share /= 2;
  w->p.monitoring_strength *= 2;  // shut sooner: a shorter life
  CHECK(card_revenue_yuan(*w, 0) < base);
  // No margin at all: the ring wants no cards.
  w->market.price_scammer = 100 * base;
  CHECK(ring_demand(*w, 0) == 0.0);
}
