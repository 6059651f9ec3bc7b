// Income by role (net_income_*_yuan): each day's figure is
// what the party's ledger accounts gained that day, read back from the run's
// balances independently of the metric; and a supply control moves money
// between roles.
#include <catch2/catch.hpp>
#include <cmath>
#include <utility>

#include "invariant_fixtures.h"
#include "model_fixtures.h"
#include "core/invariants.h"
#include "core/simulation.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

/// A role's accounts summed, found by the role and broker kind of each
/// account (not by the ledger's party table, which the metrics use).
double role_balance(const World& w, Role role, int broker_kind = -1) {
  double sum = 0;
  for (uint32_t a = 0; a < w.ledger.accounts(); ++a) {
    if (w.ledger.role_of(a) != role) continue;
    if (role == Role::Broker) {
      const auto b = std::size_t(a - w.ledger.broker(0));
      if (int(w.brokers.kind[b]) != broker_kind) continue;
    }
    sum += w.ledger.balance(a);
  }
  return sum;
}

struct RoleIncome {
  const char* metric;
  double (*balance)(const World&);
};

const RoleIncome kIncomes[] = {
    {"net_income_farmers_yuan", [](const World& w) { return w.ledger.balance(w.ledger.pool(Pool::Farmers)); }},
    {"net_income_insiders_yuan", [](const World& w) { return role_balance(w, Role::Insider); }},
    {"net_income_merchants_yuan", [](const World& w) { return role_balance(w, Role::Broker, int(BrokerKind::Merchant)); }},
    {"net_income_record_sellers_yuan",
     [](const World& w) {
       return role_balance(w, Role::Broker, int(BrokerKind::LaborAgency)) +
              role_balance(w, Role::Broker, int(BrokerKind::DataSeller));
     }},
    {"net_income_raisers_yuan", [](const World& w) { return role_balance(w, Role::Broker, int(BrokerKind::Raiser)); }},
    {"net_income_organisers_yuan", [](const World& w) { return role_balance(w, Role::Broker, int(BrokerKind::Organiser)); }},
    {"net_income_sim_banks_yuan", [](const World& w) { return role_balance(w, Role::SimBank); }},
    {"net_income_rings_yuan", [](const World& w) { return role_balance(w, Role::Ring); }},
};

}  // namespace

TEST_CASE("each role's daily income is what its accounts gained that day", "[income][conservation]") {
  // Heavy enforcement so that fines and damages flow too, raising and SIM banks on.
  // A SIM-bank card earns about 4 codes x 1 yuan x 97 days, near the card
  // price, so whether operators buy at all, and whether raisers still find
  // white cards, turns on the run. Measured with `cardsim run` on the same
  // settings (seed 5, one replicate): at 2 yuan a code operators buy 987
  // cards and raisers raise 1; at 1.5 yuan (this test's setting before
  // farmers' and insiders' perceived risk was read per million holders,
  // docs/model.md 10.3, which changed the run's path) they buy 575 and
  // raisers raise none. Since production's checks draw from streams of their
  // own (agents/broker.cpp), seed 5 at 2 yuan raises none; seed 7 raises 54
  // cards and operators buy 668 (seed 6: 116 raised, seed 8: 12).
  const Scenario sc = with(small_baseline(200000, 120),
                           {"controls.police.capacity_per_million=30", "controls.police.p_broker=0.9",
                            "controls.police.p_organiser=0.9", "controls.police.p_supplier=0.9",
                            "sim_banks.fee_per_code_yuan=2"});
  auto w = build_world(sc, 7, 0);
  RunOptions opts;
  opts.check_invariants = true;  // money by party is one of them
  std::vector<double> before;
  for (const RoleIncome& r : kIncomes) before.push_back(r.balance(*w));
  std::vector<double> moved(std::size(kIncomes), 0.0);
  for (int64_t day = 0; day < sc.params.days; ++day) {
    run_days(*w, sc, day + 1, opts);
    for (std::size_t k = 0; k < std::size(kIncomes); ++k) {
      const double now = kIncomes[k].balance(*w);
      const double income = w->recorder.series(find_metric(kIncomes[k].metric))[day];
      INFO(kIncomes[k].metric << " on day " << day);
      CHECK(income == Approx(now - before[k]).margin(1e-6).epsilon(1e-9));
      moved[k] += std::fabs(income);
      before[k] = now;
    }
  }
  // Every role's money moved at some point (a figure that is always 0 proves nothing).
  for (std::size_t k = 0; k < std::size(kIncomes); ++k) {
    INFO(kIncomes[k].metric);
    CHECK(moved[k] > 0);
  }
  // Rings made money; farmers were paid, and their fines are what their income lacks of their pay.
  CHECK(w->recorder.total(find_metric("net_income_rings_yuan")) > 0);
  const double paid = w->recorder.total(find_metric("pay_to_farmers_yuan"));
  CHECK(paid > 0);
  REQUIRE(w->recorder.total(find_metric("arrests_farmer")) > 0);
  CHECK(w->recorder.total(find_metric("net_income_farmers_yuan")) < paid);
}

TEST_CASE("a broken balance is caught by money by party", "[income][conservation]") {
  const Scenario sc = small_baseline(50000, 20);
  auto w = build_world(sc, 1, 0);
  run_days(*w, sc, 10, RunOptions{});
  // Move money between two parties without a transfer: the total still adds up to 0.
  w->ledger.raw_balances()[w->ledger.pool(Pool::Farmers)] += 50;
  w->ledger.raw_balances()[w->ledger.pool(Pool::State)] -= 50;
  expect_broken(*w, "money by party", {"farmers"});
}

TEST_CASE("without white cards and harvested records, farmers are paid more", "[income]") {
  const Scenario base = small_baseline(300000, 240);
  const Scenario farmers_only =
      with(base, {"channels.white_card.enabled=false", "channels.harvested.enabled=false"});
  const RunResult a = run(base, 6, 21);
  const RunResult b = run(farmers_only, 6, 21);
  const Interval d = mean_difference_ci90(a, b, "pay_to_farmers_yuan");
  INFO("farmers' pay change " << d.mean << " yuan [" << d.lo << ", " << d.hi << "]");
  CHECK(d.lo > 0);
  // Merchants' margin and the farmers' income after fines are read, not required: more farmers
  // also means more farmers fined (10,000-300,000 yuan each, F16).
  const Interval net = mean_difference_ci90(a, b, "net_income_farmers_yuan");
  const Interval merchants = mean_difference_ci90(a, b, "net_income_merchants_yuan");
  WARN("farmers' income after fines changes by " << net.mean << " yuan [" << net.lo << ", " << net.hi
                                                 << "]; merchants' margin by " << merchants.mean << " [" << merchants.lo
                                                 << ", " << merchants.hi << "]");
}
