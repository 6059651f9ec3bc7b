// --check mode: each invariant, broken on purpose in a world that has run for
// some days, stops the run with the day, the invariant and the agent named.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>

#include "invariant_fixtures.h"
#include "model_fixtures.h"
#include "core/invariants.h"
#include "core/simulation.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

constexpr int64_t kDays = 40;

/// A world that has run kDays days with every invariant checked daily.
std::unique_ptr<World> settled_world() {
  // Half the outlets corrupt, so that a small world has insiders to arrest.
  const Scenario sc = with(small_baseline(50000, 60), {"insiders.share_of_outlets=0.5"});
  auto w = build_world(sc, 3, 0);
  RunOptions opts;
  opts.check_invariants = true;
  run_days(*w, sc, kDays, opts);
  return w;
}

template <class Pred>
std::size_t first_index(std::size_t n, Pred pred) {
  for (std::size_t i = 0; i < n; ++i)
    if (pred(i)) return i;
  FAIL("no agent fits the corruption");
  return 0;
}

/// Applies `corrupt` to a settled world whose invariants hold and expects the
/// checks to name this invariant, day kDays and every fragment (the agent).
void expect_broken(const std::function<void(World&)>& corrupt, const std::string& invariant,
                   const std::vector<std::string>& fragments) {
  auto w = settled_world();
  REQUIRE_NOTHROW(check_invariants(*w));
  REQUIRE(w->day == kDays);
  corrupt(*w);
  cardsim::testing::expect_broken(*w, invariant, fragments);
}

std::size_t ring_with_cards(const World& w) {
  return first_index(w.rings.fleet.size(), [&](std::size_t r) { return !w.rings.fleet[r].empty(); });
}

std::size_t broker_holding_something(const World& w) {
  const Brokers& b = w.brokers;
  return first_index(b.kind.size(), [&](std::size_t i) {
    return !b.stock[i].empty() || !b.raising[i].empty() || !b.records[i].empty();
  });
}

}  // namespace

TEST_CASE("card-state conservation: counts by state", "[invariants]") {
  expect_broken([](World& w) { w.cards_by_state[std::size_t(CardState::Seized)] += 1; }, "cards by state",
                {"state 4 holds"});
}

TEST_CASE("card-state conservation: a ring holding a card it cannot hold", "[invariants]") {
  expect_broken(
      [](World& w) {
        const std::size_t r = ring_with_cards(w);
        w.set_card_state(w.rings.fleet[r].front(), CardState::Expired);
      },
      "cards held", {"ring "});
}

TEST_CASE("card-state conservation: a card in two fleets", "[invariants]") {
  expect_broken(
      [](World& w) {
        const std::size_t r = ring_with_cards(w);
        const std::size_t other = (r + 1) % w.rings.fleet.size();
        w.rings.fleet[other].push_back(w.rings.fleet[r].front());
      },
      "cards held", {"bought by another buyer"});
}

TEST_CASE("honest cards add up", "[invariants]") {
  expect_broken([](World& w) { w.legit_live += 1; }, "honest cards", {"honest cards"});
}

TEST_CASE("criminal cards per identity", "[invariants]") {
  expect_broken([](World& w) { w.citizens.person[17].set_criminal_cards(w.citizens.person[17].criminal_cards() + 1); }, "cards per identity", {"identity 17 "});
}

TEST_CASE("money conservation: a payment with one side only", "[invariants]") {
  expect_broken([](World& w) { w.ledger.raw_balances()[w.ledger.broker(0)] += 250.0; }, "money",
                {"balances add up to"});
}

TEST_CASE("money: a balance that is not a number names its agent", "[invariants]") {
  expect_broken(
      [](World& w) { w.ledger.raw_balances()[w.ledger.ring(2)] = std::numeric_limits<double>::quiet_NaN(); },
      "money", {"ring 2 has balance"});
}

TEST_CASE("prices finite and positive", "[invariants]") {
  expect_broken([](World& w) { w.market.price_white = std::numeric_limits<double>::infinity(); }, "prices",
                {"white price"});
  expect_broken([](World& w) { w.market.price_scammer = 0.0; }, "prices", {"scammer price"});
  expect_broken([](World& w) { w.market.price_record = -3.0; }, "prices", {"record price"});
}

TEST_CASE("quantities in range: channel weights, ring revenue factors", "[invariants]") {
  expect_broken([](World& w) { w.brokers.weight[kProductionChannels * 1 + 2] = -0.5; }, "quantities in range",
                {"broker 1 has channel weight"});
  expect_broken([](World& w) { w.rings.revenue_factor[3] = std::nan(""); }, "quantities in range",
                {"ring 3 has revenue factor"});
}

TEST_CASE("police cases: heads, running day sums, cases conserved", "[invariants][police_queue]") {
  expect_broken([](World& w) { w.police_cases.head[0] = w.police_cases.card[0].size() + 1; }, "police cases",
                {"source 0: head"});
  expect_broken([](World& w) { w.police_cases.day_sum[0] += 1; }, "police cases", {"running sum"});
  expect_broken([](World& w) { w.recorder.add(Metric::police_cases_traced, 1); }, "police cases", {"cases queued"});
}

TEST_CASE("cards shut by reason: as many as each reason's metric counts", "[invariants][reported_shutdown]") {
  expect_broken([](World& w) { w.recorder.add(Metric::shutdowns_reported, 1); }, "cards shut by reason",
                {"metric counts 1"});
  expect_broken([](World& w) { w.recorder.add(Metric::shutdowns_fraud, -1); }, "cards shut by reason", {"state 3"});
}

TEST_CASE("arrested agents inactive", "[invariants]") {
  expect_broken(
      [](World& w) {
        const std::size_t b = broker_holding_something(w);
        w.brokers.absent_until[b] = int32_t(w.day + 10);
      },
      "arrested agents inactive", {"broker ", "while arrested"});
  expect_broken(
      [](World& w) { w.rings.absent_until[ring_with_cards(w)] = int32_t(w.day + 10); }, "arrested agents inactive",
      {"ring ", "while broken"});
  expect_broken(
      [](World& w) {
        REQUIRE_FALSE(w.insiders.outlet.empty());
        w.insiders.vacant_until[0] = int32_t(w.day + 10);
        w.insiders.white_left_today[0] = 3;
      },
      "arrested agents inactive", {"insider 0 sells white cards"});
}

TEST_CASE("parts' arrays in step: a field one code path forgot to grow", "[invariants]") {
  expect_broken([](World& w) { w.cards.commission_day.pop_back(); }, "parts' arrays in step",
                {"cards: field cards.commission_day holds"});
  expect_broken([](World& w) { w.outlets.burst_day.push_back(0); }, "parts' arrays in step",
                {"outlets: field outlets.burst_day holds"});
  expect_broken([](World& w) { w.brokers.stock.emplace_back(); }, "parts' arrays in step",
                {"brokers: field brokers.stock holds"});
}
