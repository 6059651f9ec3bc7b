// Agent-level tests: a tiny World made by hand (four identity holders in two
// regions, one outlet per region, one insider, one merchant) and one role
// function called on it, with exact outcomes. They pin down rules that
// whole-run tests only see through averages: the order of the activation
// checks, the dealer cap on white-card requisitions, the location edit under
// a remote block, when an arrested insider's, broker's or ring's replacement
// arrives (through the life-cycle functions world building uses too), and that
// brokers' kinds are found by their kind field, not by their layout.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "model_fixtures.h"
#include "agents/broker.h"
#include "agents/card_market.h"
#include "agents/carrier.h"
#include "agents/citizen.h"
#include "agents/insider.h"
#include "agents/police.h"
#include "agents/scammer.h"
#include "agents/sim_bank.h"
#include "agents/farmer_pool.h"
#include "core/activation_checks.h"
#include "core/world.h"
#include "scenario/params.h"

using namespace cardsim;

namespace {

/// Holders 0 and 1 live in region 0, holders 2 and 3 in region 1; outlet 0
/// is in region 0, outlet 1 in region 1; the one insider keeps outlet 0 or 1.
Params tiny_params() {
  Params p = testing::tiny_area_params();
  p.dealer_cap_enabled = false;
  p.velocity_enabled = false;
  p.remote_mode = RemoteMode::allow;
  p.liveness_strength = 0;
  p.per_id_cap_max = 5;
  return p;
}

std::unique_ptr<World> tiny_world(const Params& p = tiny_params()) {
  auto w = std::make_unique<World>(p, 7, 0);
  for (uint32_t id = 0; id < 4; ++id) w->set_legit_cards(id, 0);
  w->day = 10;
  return w;
}

ActivationAttempt honest(uint32_t identity, uint32_t outlet) {
  ActivationAttempt a;
  a.identity = identity;
  a.outlet = outlet;
  return a;
}

Refusal verdict(World& w, const ActivationAttempt& a) {
  Stream s = w.stream(Phase::HonestDemand, 0);
  return check_activation(w, s, a).kind;
}

}  // namespace

TEST_CASE("a tiny hand-made world has the layout the agent tests assume", "[agents]") {
  auto w = tiny_world();
  REQUIRE(w->outlet_count() == 2);
  REQUIRE(w->outlets.region[0] == 0);
  REQUIRE(w->outlets.region[1] == 1);
  REQUIRE(w->region_of(1) == 0);
  REQUIRE(w->region_of(2) == 1);
  REQUIRE(w->insiders.outlet.size() == 1);
  REQUIRE(w->brokers.kind.size() == 1);
}

TEST_CASE("activation checks refuse in rank order: dealer cap, per-ID cap, remote rule, face check", "[agents][checks]") {
  auto w = tiny_world();
  Params& p = w->p;
  // Holder 0 (region 0) at outlet 1 (region 1): every check would refuse.
  p.dealer_cap_enabled = true;
  p.dealer_cap_max = 1;
  w->outlets.cap_window_start[1] = int32_t(w->day);
  w->outlets.cap_count[1] = 1;
  w->set_legit_cards(0, int(p.per_id_cap_max));
  p.remote_mode = RemoteMode::block;
  p.liveness_strength = 1;
  p.liveness_false_reject = 1;
  const ActivationAttempt a = honest(0, 1);
  CHECK(verdict(*w, a) == Refusal::DealerCap);
  p.dealer_cap_enabled = false;
  CHECK(verdict(*w, a) == Refusal::IdCap);
  w->set_legit_cards(0, 0);
  CHECK(verdict(*w, a) == Refusal::Remote);
  p.remote_mode = RemoteMode::allow;
  CHECK(verdict(*w, a) == Refusal::Liveness);
  p.liveness_strength = 0;
  CHECK(verdict(*w, a) == Refusal::None);
}

TEST_CASE("the built-in checks are registered under their names in rank order", "[agents][checks]") {
  std::vector<std::string> names;
  int last_rank = -1;
  for (const auto& c : builtin_activation_checks()) {
    names.push_back(c.name);
    CHECK(c.rank > last_rank);
    last_rank = c.rank;
  }
  CHECK(names == std::vector<std::string>{"dealer_cap", "velocity_outlet", "id_cap", "velocity_identity", "remote",
                                          "liveness", "credit_sanction"});
}

// The velocity check counts an outlet's activations of the day only while it
// is on (it is switched at day start); the dealer cap counts its window
// always, since a cap switched on mid-window must see the window's
// activations.
TEST_CASE("activations count toward the outlet's day only while the velocity check is on", "[agents][checks]") {
  auto w = tiny_world();
  Params& p = w->p;
  p.velocity_max_per_outlet_day = 2;
  p.velocity_max_per_identity = 1000;  // only the outlet's day can refuse
  p.dealer_cap_window_days = 30;
  count_activation(*w, 0, 0);
  count_activation(*w, 1, 0);
  CHECK(w->outlets.burst_count[0] == 0);
  CHECK(w->outlets.cap_count[0] == 2);
  CHECK(verdict(*w, honest(0, 0)) == Refusal::None);
  // Switched on the next day: that day's activations count from zero.
  w->day += 1;
  p.velocity_enabled = true;
  CHECK(verdict(*w, honest(0, 0)) == Refusal::None);
  count_activation(*w, 0, 0);
  CHECK(verdict(*w, honest(1, 0)) == Refusal::None);
  count_activation(*w, 1, 0);
  CHECK(w->outlets.burst_count[0] == 2);
  CHECK(verdict(*w, honest(0, 0)) == Refusal::Velocity);
  CHECK(verdict(*w, honest(2, 1)) == Refusal::None);  // the other outlet's day is its own
  CHECK(w->outlets.cap_count[0] == 4);
}

TEST_CASE("white-card requisitions count against the dealer cap and stop at it", "[agents]") {
  auto w = tiny_world();
  w->p.dealer_cap_enabled = true;
  w->p.dealer_cap_max = 3;
  w->p.dealer_cap_window_days = 30;
  for (int k = 0; k < 3; ++k) CHECK(requisition_white_card(*w, 0));
  CHECK_FALSE(requisition_white_card(*w, 0));
  CHECK(w->outlets.cap_count[0] == 3);
  CHECK(requisition_white_card(*w, 1));  // the other outlet has its own cap
  // The cap window restarts after window_days.
  w->day += 30;
  CHECK(requisition_white_card(*w, 0));
  CHECK(w->outlets.cap_count[0] == 1);
  // With the cap off, requisitions are never refused.
  w->p.dealer_cap_enabled = false;
  for (int k = 0; k < 10; ++k) CHECK(requisition_white_card(*w, 0));
}

TEST_CASE("under a remote block a shared login's location edit passes unless edits are protected", "[agents]") {
  auto w = tiny_world();
  w->p.remote_mode = RemoteMode::block;
  ActivationAttempt a = honest(2, 0);  // holder in region 1 at an outlet in region 0
  a.person_present = false;
  a.reused_photo = true;
  CHECK(verdict(*w, a) == Refusal::Remote);
  a.location_edit = true;
  w->p.location_edit_protected = false;
  CHECK(verdict(*w, a) == Refusal::None);
  w->p.location_edit_protected = true;
  CHECK(verdict(*w, a) == Refusal::Remote);
  // A local activation is never a remote one.
  CHECK(verdict(*w, honest(0, 0)) == Refusal::None);
}

TEST_CASE("an arrested insider's slot is empty for replacement_days, then a new insider takes it", "[agents]") {
  auto w = tiny_world();
  w->p.insiders_replacement_days = 60;
  w->insiders.white_left_today[0] = 4;
  REQUIRE(w->insider_present(0));
  Stream s = w->stream(Phase::Police, 0);
  arrest_insider(*w, s, 0);
  CHECK(w->insiders.vacant_until[0] == 70);
  CHECK(w->insiders.white_left_today[0] == 0);
  CHECK(w->recorder.today(Metric::arrests_insider) == 1);
  w->day = 69;
  CHECK_FALSE(w->insider_present(0));
  w->day = 70;
  CHECK(w->insider_present(0));
}

TEST_CASE("insiders_active counts insiders in post whose last illicit business is at most active_window_days old", "[agents]") {
  auto w = tiny_world();
  w->p.insiders_active_window_days = 30;
  w->day = 40;
  w->insiders.last_business_day[0] = 40;  // today is day 0 of the window
  CHECK(insider_active(*w, 0));
  w->insiders.last_business_day[0] = 10;  // the window's last day
  CHECK(insider_active(*w, 0));
  w->insiders.last_business_day[0] = 9;
  CHECK_FALSE(insider_active(*w, 0));
  w->insiders.last_business_day[0] = 40;
  w->insiders.vacant_until[0] = 41;  // the post is vacant after an arrest
  CHECK_FALSE(insider_active(*w, 0));
}

TEST_CASE("an arrested insider's successor is drawn by the same function that staffs the post at world building", "[agents][life]") {
  auto w = tiny_world();
  // World building: one outlet draw, then insider_takes_post on the build stream.
  auto replay = tiny_world();
  Stream build(7, 0, -1, Phase::Init, kWorldBuildEntity);
  build.below(2);
  insider_takes_post(*replay, build, 0);
  CHECK(replay->insiders.reservation[0] == w->insiders.reservation[0]);
  CHECK(replay->insiders.shares_login[0] == w->insiders.shares_login[0]);
  // Arrest on day 10: the successor comes from the insider's own Police stream.
  w->p.insiders_replacement_days = 25;
  Stream s = w->stream(Phase::Police, 0);
  arrest_insider(*w, s, 0);
  CHECK(w->insiders.vacant_until[0] == 35);
  Stream successor = w->stream(Phase::Police, kPoliceReplacementEntity + 0);
  insider_takes_post(*replay, successor, 0);
  CHECK(w->insiders.reservation[0] == replay->insiders.reservation[0]);
  CHECK(w->insiders.shares_login[0] == replay->insiders.shares_login[0]);
}

TEST_CASE("an arrested broker's niche is empty for replacement_days and the successor starts afresh", "[agents][life]") {
  auto w = tiny_world();
  w->p.brokers_replacement_days = 45;
  const uint32_t card = w->new_card(Channel::Farmer, 1, 0, 0, -1);
  w->brokers.stock[0].push_back(card);
  w->brokers.records[0] = {2, 3};
  w->brokers.weight[0] = 0.9;
  w->brokers.profit_ema[1] = 12.5;
  w->brokers.unit_cost_ema[0] = 77;
  Stream s = w->stream(Phase::Police, 0);
  arrest_broker(*w, s, 0);
  CHECK(w->brokers.absent_until[0] == 55);
  CHECK(w->cards.state[card] == uint8_t(CardState::Seized));
  CHECK(w->brokers.stock[0].empty());
  CHECK(w->brokers.records[0].empty());
  for (int c = 0; c < kProductionChannels; ++c) {
    CHECK(w->brokers.weight[std::size_t(c)] == 1.0 / kProductionChannels);
    CHECK(w->brokers.profit_ema[std::size_t(c)] == 0.0);
  }
  CHECK(w->brokers.unit_cost_ema[0] == 77);  // the niche's cost knowledge stays
  w->day = 54;
  CHECK_FALSE(w->broker_present(0));
  w->day = 55;
  CHECK(w->broker_present(0));
  // A freshly built broker is in the state the successor starts in.
  auto fresh = tiny_world();
  CHECK(fresh->brokers.weight == w->brokers.weight);
  CHECK(fresh->brokers.profit_ema == w->brokers.profit_ema);
  CHECK(fresh->brokers.raising_profit_ema == w->brokers.raising_profit_ema);
}

TEST_CASE("brokers' kinds come from their kind field: a supplier laid out before the merchant still sells records", "[agents][life]") {
  Params p = tiny_world()->p;
  p.density_labor_agencies = 250000;  // one labor agency beside the merchant
  p.channel_farmer = false;
  p.channel_white_card = false;
  p.brokers_target_stock = 1;
  auto w = std::make_unique<World>(p, 7, 0);
  for (uint32_t id = 0; id < 4; ++id) w->set_legit_cards(id, 0);
  w->day = 10;
  Brokers& b = w->brokers;
  REQUIRE(b.kind == std::vector<BrokerKind>{BrokerKind::Merchant, BrokerKind::LaborAgency});
  // Lay them out the other way round: the agency first, the merchant second.
  std::swap(b.kind[0], b.kind[1]);
  std::swap(b.insiders[0], b.insiders[1]);
  b.index_kinds();
  CHECK(b.all(BrokerKind::LaborAgency) == std::vector<int32_t>{0});
  CHECK(b.all(BrokerKind::Merchant) == std::vector<int32_t>{1});
  b.records[0] = {2};
  produce_cards(*w);
  REQUIRE(b.stock[1].size() == 1);
  CHECK(w->cards.identity[b.stock[1][0]] == 2);
  CHECK(w->cards.channel[b.stock[1][0]] == uint8_t(Channel::Harvested));
  CHECK(b.records[0].empty());
  CHECK(w->ledger.balance(w->ledger.broker(0)) == w->market.price_record);
}

TEST_CASE("production decides activations on records after buying: a holder's second record under a cap of one is refused and paid for",
          "[agents][production]") {
  Params p = tiny_world()->p;
  p.density_labor_agencies = 250000;  // one labor agency beside the merchant
  p.channel_farmer = false;
  p.channel_white_card = false;
  p.brokers_target_stock = 2;
  p.per_id_cap_max = 1;
  p.liveness_strength = 0;  // no draw refuses: the cap alone decides
  World w(p, 7, 0);
  for (uint32_t id = 0; id < 4; ++id) w.set_legit_cards(id, 0);
  w.day = 10;
  Brokers& b = w.brokers;
  REQUIRE(b.kind == std::vector<BrokerKind>{BrokerKind::Merchant, BrokerKind::LaborAgency});
  b.records[1] = {2, 2};  // sold from the back: both records are holder 2's
  const double scammer_price = w.market.price_scammer, record_price = w.market.price_record;
  const double unit_cost = b.unit_cost_ema[0];
  produce_cards(w);
  // Both records were bought before either was checked; the first card took
  // holder 2's only slot, so the second was refused, its record paid for.
  CHECK(b.records[1].empty());
  REQUIRE(b.stock[0].size() == 1);
  CHECK(w.cards.size() == 1);
  CHECK(w.cards.identity[b.stock[0][0]] == 2);
  CHECK(w.cards.supplier[b.stock[0][0]] == 1);
  CHECK(w.citizens.person[2].criminal_cards() == 1);
  CHECK((w.citizens.person[2].flags() & Citizens::kMisused) != 0);
  CHECK(w.ledger.balance(w.ledger.broker(1)) == 2 * record_price);
  // The harvested channel ordered 2 and obtained 1: its profit per card ordered.
  const std::size_t harvested = 1;
  REQUIRE(kMerchantChannels[harvested] == Channel::Harvested);
  CHECK(b.profit_ema[harvested] == Approx(0.1 * (scammer_price - 2 * record_price) / 2));
  CHECK(b.unit_cost_ema[0] == Approx(unit_cost + 0.1 * (2 * record_price / 1 - unit_cost)));
}

TEST_CASE("raising teams keep their profit apart from merchants' channel slots", "[agents][life]") {
  Params p = tiny_world()->p;
  p.density_raisers = 250000;  // one raiser beside the merchant
  World w(p, 7, 0);
  REQUIRE(w.brokers.all(BrokerKind::Raiser) == std::vector<int32_t>{1});
  init_broker_expectations(w);
  CHECK(w.brokers.raising_profit_ema[1] != 0.0);
  for (double slot : w.brokers.profit_ema) CHECK(slot == 0.0);
  Stream s = w.stream(Phase::Police, 0);
  arrest_broker(w, s, 1);
  CHECK(w.brokers.raising_profit_ema[1] == 0.0);
}

/// The tiny world with one fraud ring beside the merchant.
std::unique_ptr<World> tiny_world_with_ring() {
  Params p = tiny_world()->p;
  p.density_rings = 250000;  // 4 persons -> one ring
  auto w = std::make_unique<World>(p, 7, 0);
  for (uint32_t id = 0; id < 4; ++id) w->set_legit_cards(id, 0);
  w->day = 10;
  return w;
}

TEST_CASE("a run of failed trials drawn at once: failures before the first success are geometric", "[agents][monitoring]") {
  Stream s(3, 0, 0, Phase::Monitoring, 0);
  for (const double p : {0.5, 0.06, 0.002}) {
    CAPTURE(p);
    constexpr int kDraws = 200000;
    double sum = 0, zeros = 0;
    for (int k = 0; k < kDraws; ++k) {
      const uint64_t n = s.failures_before_success(p);
      sum += double(n);
      zeros += n == 0;
    }
    // Mean (1 - p) / p, variance (1 - p) / p^2; P(0) = p. Five standard errors.
    const double mean = (1 - p) / p, se = std::sqrt((1 - p) / (p * p) / kDraws);
    CHECK(std::abs(sum / kDraws - mean) < 5 * se);
    CHECK(std::abs(zeros / kDraws - p) < 5 * std::sqrt(p * (1 - p) / kDraws));
  }
  CHECK(s.failures_before_success(1.0) == 0);
  CHECK(s.failures_before_success(0.0) == UINT64_MAX);
}

TEST_CASE("monitoring detects each card in use with its own channel's hazard", "[agents][monitoring]") {
  auto w = tiny_world_with_ring();
  w->p.monitoring_raised_factor = 0.5;  // raised cards at half the others' hazard (they look normal)
  // 600 cards in one ring's fleet, every third one raised (the holders' slots
  // are not counted: four holders could not hold them).
  for (int k = 0; k < 600; ++k) {
    const Channel c = k % 3 == 2 ? Channel::Raised : Channel::Farmer;
    const uint32_t card = w->new_card_in_taken_slot(c, uint32_t(k % 4), 0, 0, -1);
    w->put_in_use(card, CardUse::FraudCalls, 0);
    w->rings.fleet[0].push_back(card);
  }
  const double farmer = fraud_card_hazard(w->p, Channel::Farmer), raised = fraud_card_hazard(w->p, Channel::Raised);
  REQUIRE(raised > 0);
  REQUIRE(raised < farmer);
  double detected[2] = {0, 0};
  const int days = 80;
  for (int d = 0; d < days; ++d) {
    w->day = d;
    Stream s = w->stream(Phase::Monitoring, 0);
    detect_cards_in_use(*w, s);
    auto& due = w->shutdown_due[std::size_t(d + w->p.monitoring_delay_days)];
    for (uint32_t card : due) detected[w->cards.channel[card] == uint8_t(Channel::Raised)] += 1;
    due.clear();
  }
  // Each card's daily chance is its channel's hazard: 400 farmer and 200
  // raised cards a day over 80 days, within five standard errors.
  const double n[2] = {400.0 * days, 200.0 * days}, h[2] = {farmer, raised};
  for (int c = 0; c < 2; ++c) {
    CAPTURE(c, detected[c], n[c] * h[c]);
    CHECK(std::abs(detected[c] - n[c] * h[c]) < 5 * std::sqrt(n[c] * h[c] * (1 - h[c])));
  }
}

TEST_CASE("a ring's place is founded at world building by found_ring on the build stream", "[agents][life]") {
  auto w = tiny_world_with_ring();
  REQUIRE(w->rings.fleet.size() == 1);
  CHECK(w->rings.fleet[0].empty());
  CHECK(w->rings.absent_until[0] == 0);
  // Replay world building's draws: the insider's outlet and post, the
  // merchant's region and insider links, then the ring's place.
  auto replay = tiny_world_with_ring();
  Stream build(7, 0, -1, Phase::Init, kWorldBuildEntity);
  build.below(2);
  insider_takes_post(*replay, build, 0);
  build.below(uint64_t(w->p.regions));
  for (int64_t k = 0; k < w->p.brokers_insider_links; ++k) build.below(1);
  replay->rings.revenue_factor[0] = -1;
  found_ring(*replay, build, 0);
  CHECK(replay->rings.revenue_factor[0] == w->rings.revenue_factor[0]);
  // The factor is the log-normal draw of scammers.value_sigma.
  Stream a(1, 2, 3, Phase::Init, 4), b(1, 2, 3, Phase::Init, 4);
  found_ring(*replay, a, 0);
  CHECK(replay->rings.revenue_factor[0] == std::exp(w->p.scammers_value_sigma * b.normal()));
}

TEST_CASE("a broken ring's place is empty for replacement_days, then a successor with no cards buys again", "[agents][life]") {
  auto w = tiny_world_with_ring();
  Params& p = w->p;
  p.scammers_replacement_days = 30;
  const double factor = w->rings.revenue_factor[0];
  const uint32_t card = w->new_card(Channel::Farmer, 1, 0, 0, -1);
  w->put_in_use(card, CardUse::FraudCalls, 0);
  w->rings.fleet[0].push_back(card);
  Stream s = w->stream(Phase::Police, 0);
  arrest_ring(*w, s, 0);
  // The fine is the arrest's first draw.
  Stream replay = w->stream(Phase::Police, 0);
  const double fine = p.police_fine_min_yuan + replay.uniform() * (p.police_fine_max_yuan - p.police_fine_min_yuan);
  CHECK(w->ledger.balance(w->ledger.ring(0)) == -fine);
  CHECK(w->ledger.balance(w->ledger.pool(Pool::State)) == fine);
  CHECK(w->recorder.today(Metric::arrests_scammer) == 1);
  CHECK(w->rings.absent_until[0] == 40);
  CHECK(w->cards.state[card] == uint8_t(CardState::Seized));
  CHECK(w->rings.fleet[0].empty());
  CHECK(w->rings.revenue_factor[0] == factor);  // the place's targets stay
  // A merchant has a card for sale at a price every ring takes.
  const uint32_t offered = w->new_card(Channel::Farmer, 2, 1, 0, -1);
  w->brokers.stock[0].push_back(offered);
  w->market.price_scammer = 1;
  w->day = 39;
  CHECK_FALSE(w->ring_present(0));
  CHECK(ring_demand(*w, 0) == 0);
  buyers_buy_cards(*w);
  CHECK(w->brokers.stock[0].size() == 1);
  w->day = 40;
  CHECK(w->ring_present(0));
  CHECK(ring_demand(*w, 0) > 1);
  buyers_buy_cards(*w);
  CHECK(w->brokers.stock[0].empty());
  CHECK(w->rings.fleet[0] == std::vector<uint32_t>{offered});
  CHECK(w->cards.buyer[offered] == 0);
  CHECK(w->cards.use[offered] == uint8_t(CardUse::FraudCalls));
  CHECK(w->cards.state[offered] == uint8_t(CardState::InUse));
}

TEST_CASE("a ring back from a sentence works its cards with fewer callers, and its attempts total follows", "[agents][life]") {
  auto w = tiny_world_with_ring();
  Params& p = w->p;
  p.scammers_callers_cards = 10;
  p.scammers_attempts_per_card = 2;
  p.police_record_restraint = 0.5;
  w->rings.convictions[0] = 1;  // one sentence served: half the callers
  REQUIRE(ring_callers_cards(*w, 0) == 5.0);
  for (uint32_t k = 0; k < 5; ++k) {
    const uint32_t card = w->new_card(Channel::Farmer, k % 4, 0, 0, -1);
    w->put_in_use(card, CardUse::FraudCalls, 0);
    w->rings.fleet[0].push_back(card);
  }
  // Five cards, five callers: 2 x 5 / (1 + 5 / 5) = 5 attempts a day, not the
  // 2 x 5 / (1 + 5 / 10) = 6.67 of a ring without a record.
  CHECK(ring_attempts_per_day(*w, 0, 5) == 5.0);
  CHECK(w->rings.attempts_per_day == Approx(5.0).epsilon(1e-12));
  // The demand that restraint sets is the one its attempts saturate at:
  // F = C' (sqrt(R / p) - 1) with C' = 5 callers.
  const double value = card_revenue_yuan(*w, 0), price = value / 4;  // sqrt(4) - 1 = 1
  CHECK(ring_demand_at(*w, 0, price) == Approx(5.0 - 5.0).margin(1e-9));
  w->rings.convictions[0] = 0;
  CHECK(ring_demand_at(*w, 0, price) == Approx(10.0 - 5.0).margin(1e-9));
}

TEST_CASE("a refused honest customer tries again days later at home, then gets a card or gives up", "[agents][retries]") {
  auto w = tiny_world();
  Params& p = w->p;
  p.citizens_activation_rate = 0;  // no new customers: only the retry below
  p.citizens_churn_rate = 0;
  p.citizens_retry_share = 1;
  p.citizens_retry_delay_days = 3;
  p.citizens_retry_max = 2;
  w->set_legit_cards(0, int(p.per_id_cap_max));  // holder 0 is at the per-ID cap
  Stream choices = w->stream(Phase::HonestDemand, 99);
  honest_refused_wait(*w, choices, 0, w->day, 0);  // first refused today, day 10
  REQUIRE(w->honest_retry_due[13].size() == 1);

  w->day = 13;  // the retry: still at the cap, refused, waits again
  honest_demand(*w);
  CHECK(w->recorder.today(Metric::honest_retries) == 1);
  CHECK(w->recorder.today(Metric::honest_refused) == 0);  // a customer is counted once, at the first refusal
  CHECK(w->honest_retry_due[13].empty());
  REQUIRE(w->honest_retry_due[16].size() == 1);

  w->day = 16;  // a card given up meanwhile: the second retry gets one, 6 days after the first refusal
  w->set_legit_cards(0, int(p.per_id_cap_max) - 1);
  honest_demand(*w);
  CHECK(w->recorder.today(Metric::honest_retries) == 2);
  CHECK(w->recorder.today(Metric::cards_activated_legit) == 1);
  CHECK(w->legit_cards(0) == int(p.per_id_cap_max));
  CHECK(w->recorder.today(Metric::honest_days_to_card) == 6);
  CHECK(w->recorder.today(Metric::honest_gave_up) == 0);

  // After retry_max retries, or when they do not retry, the customer gives up.
  honest_refused_wait(*w, choices, 1, 12, 2);
  CHECK(w->recorder.today(Metric::honest_gave_up) == 1);
  p.citizens_retry_share = 0;
  honest_refused_wait(*w, choices, 1, 16, 0);
  CHECK(w->recorder.today(Metric::honest_gave_up) == 2);
  CHECK(w->honest_retry_due[19].empty());
}

// ---- enforcement along the chain: upstream traces, raids, served sentences ----

namespace {

/// The tiny world with one labour agency, one organiser and one SIM bank
/// beside the merchant, police that trace one case a day, every trace step
/// certain, and a fixed fine.
Params chain_params() {
  Params p = tiny_params();
  p.density_labor_agencies = p.density_sim_banks = 250000;
  p.insiders_per_organiser = 60;  // the one insider's group
  p.police_capacity_per_million = 250000;  // one trace a day at 4 persons
  p.police_p_scammer = 0;
  p.police_p_identity = p.police_p_outlet = p.police_p_broker = 1;
  p.police_p_supplier = p.police_p_organiser = p.police_p_sim_bank = 1;
  p.police_fine_min_yuan = p.police_fine_max_yuan = 50000;
  p.police_damages_yuan = 140000;
  p.brokers_replacement_days = 45;
  p.sim_banks_replacement_days = 30;
  return p;
}

int32_t first_of(const World& w, BrokerKind k) { return w.brokers.all(k).at(0); }

double arrests_today(const World& w, Metric m) { return w.recorder.today(m); }

}  // namespace

TEST_CASE("a trace follows a harvested card past its merchant to the labour agency that sold its record", "[agents][enforcement]") {
  auto w = tiny_world(chain_params());
  const int32_t merchant = first_of(*w, BrokerKind::Merchant), agency = first_of(*w, BrokerKind::LaborAgency);
  const uint32_t card = w->new_card(Channel::Harvested, 1, 0, merchant, -1);
  w->cards.supplier[card] = agency;
  w->brokers.stock[std::size_t(merchant)].push_back(card);
  w->brokers.records[std::size_t(agency)] = {0, 2, 3};
  report_case(*w, card);
  trace_cases(*w);
  CHECK(arrests_today(*w, Metric::arrests_merchant) == 1);
  CHECK(arrests_today(*w, Metric::arrests_labor_agency) == 1);
  CHECK(arrests_today(*w, Metric::arrests_broker) == 2);  // the kinds add up to it
  CHECK(arrests_today(*w, Metric::arrests_organiser) == 0);
  CHECK(w->cards.state[card] == uint8_t(CardState::Seized));
  CHECK(w->brokers.records[std::size_t(agency)].empty());  // the agency's 3 records seized
  CHECK(w->brokers.absent_until[std::size_t(agency)] == 55);
  // Each paid a fine of 50,000 and damages of 140,000 yuan to the State.
  CHECK(w->ledger.balance(w->ledger.broker(agency)) == -190000);
  CHECK(w->recorder.today(Metric::fines_paid_yuan) == 100000);
  CHECK(w->recorder.today(Metric::damages_paid_yuan) == 280000);
  CHECK(w->ledger.balance(w->ledger.pool(Pool::State)) == 380000);
  w->day = 54;
  CHECK_FALSE(w->broker_present(agency));
  w->day = 55;
  CHECK(w->broker_present(agency));
}

TEST_CASE("with the upstream steps off a trace stops at the merchant, as before", "[agents][enforcement]") {
  Params p = chain_params();
  p.police_p_supplier = p.police_p_organiser = p.police_p_sim_bank = 0;
  auto w = tiny_world(p);
  const int32_t merchant = first_of(*w, BrokerKind::Merchant), agency = first_of(*w, BrokerKind::LaborAgency);
  const uint32_t card = w->new_card(Channel::Harvested, 1, 0, merchant, -1);
  w->cards.supplier[card] = agency;
  w->brokers.records[std::size_t(agency)] = {0, 2, 3};
  report_case(*w, card);
  trace_cases(*w);
  CHECK(arrests_today(*w, Metric::arrests_merchant) == 1);
  CHECK(arrests_today(*w, Metric::arrests_labor_agency) == 0);
  CHECK(w->brokers.records[std::size_t(agency)].size() == 3);
}

TEST_CASE("a trace follows a white card's insider to the organiser of their code-harvesting group", "[agents][enforcement]") {
  auto w = tiny_world(chain_params());
  const int32_t merchant = first_of(*w, BrokerKind::Merchant), organiser = first_of(*w, BrokerKind::Organiser);
  REQUIRE(organiser_of(*w, 0) == organiser);
  const uint32_t card = w->new_card(Channel::White, 1, uint32_t(w->insiders.outlet[0]), merchant, 0);
  report_case(*w, card);
  trace_cases(*w);
  CHECK(arrests_today(*w, Metric::arrests_insider) == 1);
  CHECK(arrests_today(*w, Metric::arrests_organiser) == 1);
  CHECK(arrests_today(*w, Metric::arrests_merchant) == 1);
  CHECK(arrests_today(*w, Metric::arrests_labor_agency) == 0);  // the card remembers no supplier
  CHECK(w->brokers.absent_until[std::size_t(organiser)] == 55);
  CHECK(w->ledger.balance(w->ledger.insider(0)) == -190000);
}

TEST_CASE("organisers run groups of insiders.per_organiser consecutive insiders (F13)", "[agents][enforcement]") {
  Params p = tiny_params();
  p.insiders_share_of_outlets = 1;  // both outlets corrupt: two insiders
  p.insiders_per_organiser = 1;
  auto two = tiny_world(p);
  REQUIRE(two->insiders.outlet.size() == 2);
  const auto& groups = two->brokers.all(BrokerKind::Organiser);
  REQUIRE(groups.size() == 2);
  CHECK(organiser_of(*two, 0) == groups[0]);
  CHECK(organiser_of(*two, 1) == groups[1]);
  p.insiders_per_organiser = 60;  // one part-filled group
  auto one = tiny_world(p);
  REQUIRE(one->brokers.all(BrokerKind::Organiser).size() == 1);
  CHECK(organiser_of(*one, 0) == organiser_of(*one, 1));
  p.insiders_per_organiser = 0;  // none: insiders harvest codes alone
  auto none = tiny_world(p);
  CHECK(none->brokers.all(BrokerKind::Organiser).empty());
  CHECK(organiser_of(*none, 1) == -1);
}

TEST_CASE("a trace of a SIM bank's card raids the SIM bank: every card in its rack is seized at once", "[agents][enforcement]") {
  Params p = chain_params();
  p.police_p_identity = 0;  // the raid alone
  auto w = tiny_world(p);
  const int32_t merchant = first_of(*w, BrokerKind::Merchant);
  std::vector<uint32_t> rack;
  for (uint32_t id = 0; id < 3; ++id) {
    const uint32_t card = w->new_card(Channel::Farmer, id, 0, merchant, -1);
    w->put_in_use(card, CardUse::SimBank, 0);
    w->sim_banks.fleet[0].push_back(card);
    rack.push_back(card);
  }
  REQUIRE(w->cards_by_use[std::size_t(CardUse::SimBank)] == 3);
  report_case(*w, rack[1]);
  trace_cases(*w);
  for (uint32_t card : rack) CHECK(w->cards.state[card] == uint8_t(CardState::Seized));
  CHECK(w->sim_banks.fleet[0].empty());
  CHECK(w->cards_by_use[std::size_t(CardUse::SimBank)] == 0);
  CHECK(w->cards_by_state[std::size_t(CardState::Seized)] == 3);
  CHECK(arrests_today(*w, Metric::arrests_sim_bank) == 1);
  CHECK(arrests_today(*w, Metric::arrests_scammer) == 0);
  CHECK(w->ledger.balance(w->ledger.sim_bank(0)) == -50000);  // a fine; SIM-bank operators pay no damages
  CHECK(w->sim_banks.absent_until[0] == 40);
  CHECK(sim_bank_demand(*w, 0) == 0);  // an empty niche buys nothing
  w->day = 40;
  CHECK(w->sim_bank_present(0));
}

TEST_CASE("a served sentence keeps an insider's post empty for the sentence, then the same person returns asking more", "[agents][enforcement]") {
  Params p = chain_params();
  p.police_sentences_served = true;
  p.police_sentence_min_days = p.police_sentence_max_days = 300;
  p.police_record_restraint = 0.5;
  p.risk_per_arrest = 0;  // the ask moves by the record only
  auto w = tiny_world(p);
  const double reservation = w->insiders.reservation[0];
  const double ask = insider_ask(*w, 0);
  Stream s = w->stream(Phase::Police, 0);
  arrest_insider(*w, s, 0);
  CHECK(w->insiders.vacant_until[0] == 310);  // the sentence, longer than insiders.replacement_days
  CHECK(w->insiders.convictions[0] == 1);
  CHECK(w->insiders.reservation[0] == reservation);  // no successor drawn: the same person
  w->day = 309;
  CHECK_FALSE(w->insider_present(0));
  w->day = 310;
  CHECK(w->insider_present(0));
  CHECK(insider_ask(*w, 0) == 2 * ask);
}

TEST_CASE("a served sentence empties a supplier's niche for the sentence and seizes its records", "[agents][enforcement]") {
  Params p = chain_params();
  p.police_sentences_served = true;
  p.police_sentence_min_days = p.police_sentence_max_days = 300;
  auto w = tiny_world(p);
  const int32_t agency = first_of(*w, BrokerKind::LaborAgency);
  w->brokers.records[std::size_t(agency)] = {0, 1};
  Stream s = w->stream(Phase::Police, 0);
  arrest_broker(*w, s, agency);
  CHECK(w->brokers.records[std::size_t(agency)].empty());
  CHECK(w->brokers.absent_until[std::size_t(agency)] == 310);
  CHECK(w->brokers.convictions[std::size_t(agency)] == 1);
  CHECK(w->restraint(w->brokers.convictions[std::size_t(agency)]) == 0.5);
  // Caught again after return: a newcomer only when sentences are not served.
  w->day = 310;
  arrest_broker(*w, s, agency);
  CHECK(w->brokers.convictions[std::size_t(agency)] == 2);
  w->p.police_sentences_served = false;
  w->day = 700;
  arrest_broker(*w, s, agency);
  CHECK(w->brokers.convictions[std::size_t(agency)] == 0);
  CHECK(w->brokers.absent_until[std::size_t(agency)] == 745);
}

TEST_CASE("a ring back from a served sentence wants half the cards a ring with no record wants", "[agents][enforcement]") {
  Params p = chain_params();
  p.density_rings = 250000;
  p.police_sentences_served = true;
  p.police_sentence_min_days = p.police_sentence_max_days = 200;
  p.police_record_restraint = 0.5;
  auto w = tiny_world(p);
  const double fresh = ring_demand(*w, 0);
  REQUIRE(fresh > 0);
  Stream s = w->stream(Phase::Police, 0);
  arrest_ring(*w, s, 0);
  CHECK(w->rings.absent_until[0] == 210);
  w->day = 209;
  CHECK(ring_demand(*w, 0) == 0);
  w->day = 210;
  CHECK(ring_demand(*w, 0) == 0.5 * fresh);
}

TEST_CASE("an arrested farmer serving a sentence is barred for it, then for the credit sanction on record", "[agents][enforcement]") {
  Params p = chain_params();
  p.police_sentences_served = true;
  p.police_sentence_min_days = p.police_sentence_max_days = 300;
  p.sanctions_enabled = true;
  p.sanctions_duration_days = 730;
  auto w = tiny_world(p);
  Stream s = w->stream(Phase::Police, 0);
  arrest_farmer(*w, s, 1);
  REQUIRE(w->farmer_pool.sanctioned == std::vector<uint32_t>{1});
  CHECK(w->farmer_pool.sanctioned_until[0] == 10 + 300 + 730);
  CHECK(under_sanction(*w, 1));
  w->day = 10 + 300 + 730;
  update_farmer_pool(*w);
  CHECK_FALSE(under_sanction(*w, 1));
}

// ---- entry and exit by profit (agents/scammer.cpp, rings_enter_and_exit) ----
namespace {

/// Arrested people serve 200 days and come back with half their activity per conviction.
void serve_200_day_sentences(World& w) {
  w.p.police_sentences_served = true;
  w.p.police_sentence_min_days = w.p.police_sentence_max_days = 200;
  w.p.police_record_restraint = 0.5;
}

/// The tiny world's one ring, with entry by profit on: a 10-day profit memory,
/// 3 losing days below 0 yuan a day to leave, 10 yuan a day expected to enter,
/// 5 days from the decision to the first day of work.
std::unique_ptr<World> tiny_world_with_ring_entry() {
  Params p = tiny_params();
  p.density_rings = 250000;  // 4 persons -> one ring
  p.ring_entry_enabled = true;
  p.ring_profit_window_days = 10;
  p.ring_exit_threshold_yuan = 0;
  p.ring_exit_days = 3;
  p.ring_entry_threshold_yuan = 10;
  p.ring_entry_delay_days = 5;
  return tiny_world(p);
}

}  // namespace

TEST_CASE("a ring losing money for exit_days days leaves on the last of them, and an empty place that pays is taken delay_days after the decision", "[agents][entry]") {
  auto w = tiny_world_with_ring_entry();
  const uint32_t card = w->new_card(Channel::Farmer, 1, 0, 0, -1);
  w->put_in_use(card, CardUse::FraudCalls, 0);
  w->rings.fleet[0].push_back(card);
  w->rings.recent_profit[0] = 0;
  // Day 10: it paid 100 yuan for a card and earned nothing.
  w->rings.profit_today[0] = -100;
  rings_enter_and_exit(*w);
  CHECK(w->rings.recent_profit[0] == -10.0);  // 0 + (-100 - 0) / 10
  CHECK(w->rings.profit_today[0] == 0.0);
  CHECK(w->rings.low_profit_days[0] == 1);
  CHECK(w->recorder.today(Metric::ring_profit_yuan) == -100.0);
  CHECK(w->recorder.today(Metric::rings_active) == 1);
  w->day = 11;
  rings_enter_and_exit(*w);
  CHECK(w->rings.recent_profit[0] == Approx(-9.0));
  CHECK(w->rings.low_profit_days[0] == 2);
  CHECK(w->recorder.today(Metric::ring_exits) == 0);
  w->day = 12;  // the third losing day: it leaves, its card abandoned
  rings_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::ring_exits) == 1);
  CHECK(w->recorder.today(Metric::rings_active) == 0);
  CHECK(w->rings.vacant[0] == 1);
  CHECK_FALSE(w->ring_present(0));
  CHECK(w->rings.fleet[0].empty());
  CHECK(w->cards.state[card] == uint8_t(CardState::Expired));
  CHECK(w->cards_by_use[std::size_t(CardUse::FraudCalls)] == 0);
  // Day 13: no margin at this price, nobody expects a profit; the place stays empty.
  w->day = 13;
  w->market.price_scammer = 1e9;
  CHECK(expected_ring_profit_yuan_per_day(*w, 0) == 0.0);
  rings_enter_and_exit(*w);
  CHECK(w->rings.vacant[0] == 1);
  // Day 14: cards are cheap; a ring decides to enter and works from day 19.
  w->day = 14;
  w->market.price_scammer = 1;
  const double expected = expected_ring_profit_yuan_per_day(*w, 0);
  REQUIRE(expected >= 10);
  rings_enter_and_exit(*w);
  CHECK(w->rings.vacant[0] == 0);
  CHECK(w->rings.absent_until[0] == 19);
  CHECK(w->rings.recent_profit[0] == expected);  // its first view of its profit
  w->day = 18;
  CHECK_FALSE(w->ring_present(0));
  CHECK(ring_demand(*w, 0) == 0);
  rings_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::ring_entries) == 0);
  CHECK(w->recorder.today(Metric::rings_active) == 0);
  w->day = 19;
  CHECK(w->ring_present(0));
  CHECK(ring_demand(*w, 0) > 1);
  rings_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::ring_entries) == 1);
  CHECK(w->recorder.today(Metric::rings_active) == 1);
}

TEST_CASE("with entry by profit a convict back from a sentence takes the place only when half the profit of a newcomer pays", "[agents][entry]") {
  auto w = tiny_world_with_ring_entry();
  serve_200_day_sentences(*w);
  w->market.price_scammer = 100;
  const double fresh = expected_ring_profit_yuan_per_day(*w, 0);
  REQUIRE(fresh > 0);
  w->p.ring_entry_threshold_yuan = 0.75 * fresh;
  Stream s = w->stream(Phase::Police, 0);
  arrest_ring(*w, s, 0);
  CHECK(w->rings.vacant[0] == 1);
  CHECK(w->rings.convictions[0] == 1);
  CHECK(w->rings.absent_until[0] == 210);
  CHECK(expected_ring_profit_yuan_per_day(*w, 0) == Approx(0.5 * fresh));
  // Out of prison on day 210, the convict expects half a newcomer's profit: too little.
  w->day = 210;
  rings_enter_and_exit(*w);
  CHECK(w->rings.vacant[0] == 1);
  CHECK_FALSE(w->ring_present(0));
  // Cheaper cards make even the restrained ring's profit pay: it enters, back on day 216.
  w->day = 211;
  w->market.price_scammer = 1;
  rings_enter_and_exit(*w);
  CHECK(w->rings.vacant[0] == 0);
  CHECK(w->rings.absent_until[0] == 216);
  CHECK(w->rings.convictions[0] == 1);  // the same people, record kept
}

TEST_CASE("with entry by profit off, no place is ever left empty and the bookkeeping alone runs", "[agents][entry]") {
  auto w = tiny_world_with_ring();
  REQUIRE_FALSE(w->p.ring_entry_enabled);
  w->rings.profit_today[0] = -1e6;
  for (int d = 0; d < 200; ++d, ++w->day) rings_enter_and_exit(*w);
  CHECK(w->rings.vacant[0] == 0);
  CHECK(w->ring_present(0));
  CHECK(w->recorder.today(Metric::ring_exits) == 0);
  CHECK(w->rings.recent_profit[0] < 0);
}
// ---- end entry and exit by profit ----

// ---- entry and exit by profit: merchants (agents/broker.cpp, merchants_enter_and_exit) ----
namespace {

/// The tiny world's one merchant, with entry by profit on and the rings'
/// numbers: a 10-day profit memory, 2 losing days below 0 yuan a day to
/// leave, 10 yuan a day expected to enter, 5 days from decision to work.
std::unique_ptr<World> tiny_world_with_merchant_entry() {
  Params p = tiny_params();
  p.merchant_entry_enabled = true;
  p.merchant_profit_window_days = 10;
  p.merchant_exit_threshold_yuan = 0;
  p.merchant_exit_days = 2;
  p.merchant_entry_threshold_yuan = 10;
  p.merchant_entry_delay_days = 5;
  auto w = tiny_world(p);
  w->brokers.recent_profit[0] = 0;
  return w;
}

}  // namespace

TEST_CASE("a merchant losing money for exit_days days leaves with its stock abandoned, and an empty place that pays is taken delay_days after the decision", "[agents][entry]") {
  auto w = tiny_world_with_merchant_entry();
  REQUIRE(w->brokers.kind[0] == BrokerKind::Merchant);
  const uint32_t account = w->ledger.broker(0);
  const uint32_t card = w->new_card(Channel::Farmer, 1, 0, 0, -1);
  w->brokers.stock[0].push_back(card);
  w->brokers.worth_seen[0] = broker_worth_yuan(*w, 0);  // the card was in stock when phase Entry last ran
  // Day 10: it paid a farmer 100 yuan and sold nothing.
  w->ledger.transfer(account, w->ledger.pool(Pool::Farmers), 100);
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.recent_profit[0] == -10.0);  // 0 + (-100 - 0) / 10
  CHECK(w->brokers.low_profit_days[0] == 1);
  CHECK(w->recorder.today(Metric::merchant_profit_yuan) == -100.0);
  CHECK(w->recorder.today(Metric::merchants_active) == 1);
  // Day 11: a ring pays it 40 yuan; still losing on average: it leaves.
  w->day = 11;
  w->ledger.transfer(w->ledger.pool(Pool::Victims), account, 40);
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.recent_profit[0] == Approx(-5.0));  // -10 + (40 + 10) / 10
  CHECK(w->recorder.today(Metric::merchant_profit_yuan) == -60.0);  // no day closed between the calls: -100 + 40
  CHECK(w->recorder.today(Metric::merchant_exits) == 1);
  CHECK(w->recorder.today(Metric::merchants_active) == 0);
  CHECK(w->brokers.vacant[0] == 1);
  CHECK_FALSE(w->broker_present(0));
  CHECK(w->brokers.stock[0].empty());
  CHECK(w->cards.state[card] == uint8_t(CardState::Expired));
  // Day 12: buyers wanted no card today; nobody expects a profit.
  w->day = 12;
  w->market.scammer_wanted = 0;
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.vacant[0] == 1);
  // Day 13: buyers wanted 3 cards at 100 yuan, cards cost merchants 40 to make:
  // the candidate expects all 3 (no other place taken) at 60 yuan each.
  w->day = 13;
  w->market.scammer_wanted = 3;
  w->market.price_scammer = 100;
  w->brokers.unit_cost_ema[0] = 40;
  CHECK(expected_merchant_profit_yuan_per_day(*w, entry_view(*w, BrokerKind::Merchant), 0) == 180.0);
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.vacant[0] == 0);
  CHECK(w->brokers.absent_until[0] == 18);
  CHECK(w->brokers.recent_profit[0] == 180.0);  // its first view of its profit
  CHECK(w->brokers.low_profit_days[0] == 0);
  w->day = 17;
  CHECK_FALSE(w->broker_present(0));
  merchants_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::merchant_entries) == 0);
  w->day = 18;
  merchants_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::merchant_entries) == 1);
  CHECK(w->recorder.today(Metric::merchants_active) == 1);
}

TEST_CASE("with merchants' entry by profit an arrested merchant's place waits for candidates, who see the record and not the fine", "[agents][entry]") {
  auto w = tiny_world_with_merchant_entry();
  serve_200_day_sentences(*w);
  w->market.scammer_wanted = 3;
  w->market.price_scammer = 100;
  w->brokers.unit_cost_ema[0] = 40;
  Stream s = w->stream(Phase::Police, 0);
  arrest_broker(*w, s, 0);
  CHECK(w->brokers.vacant[0] == 1);
  CHECK(w->brokers.convictions[0] == 1);
  CHECK(w->brokers.absent_until[0] == 210);
  // The fine and damages are paid; the next holder's profit starts from there.
  CHECK(w->brokers.worth_seen[0] == broker_worth_yuan(*w, 0));
  CHECK(w->ledger.balance(w->ledger.broker(0)) < 0);
  // The convict expects half a newcomer's 180 yuan a day.
  CHECK(expected_merchant_profit_yuan_per_day(*w, entry_view(*w, BrokerKind::Merchant), 0) == 90.0);
  w->p.merchant_entry_threshold_yuan = 100;
  w->day = 210;
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.vacant[0] == 1);  // 90 < 100: stays empty
  w->p.merchant_entry_threshold_yuan = 90;
  w->day = 211;
  merchants_enter_and_exit(*w);
  CHECK(w->brokers.vacant[0] == 0);
  CHECK(w->brokers.absent_until[0] == 216);
  CHECK(w->brokers.convictions[0] == 1);  // the same person, record kept
}

TEST_CASE("with merchants' entry by profit off, a losing merchant keeps its place", "[agents][entry]") {
  auto w = tiny_world(tiny_params());
  REQUIRE_FALSE(w->p.merchant_entry_enabled);
  for (int d = 0; d < 200; ++d, ++w->day) {
    w->ledger.transfer(w->ledger.broker(0), w->ledger.pool(Pool::Farmers), 100);
    merchants_enter_and_exit(*w);
  }
  CHECK(w->brokers.vacant[0] == 0);
  CHECK(w->broker_present(0));
  CHECK(w->recorder.today(Metric::merchant_exits) == 0);
  CHECK(w->brokers.recent_profit[0] < 0);
}
// ---- end entry and exit by profit: merchants ----

// ---- entry and exit by profit: raisers, record suppliers, organisers (agents/broker.cpp, brokers_enter_and_exit) ----
namespace {

/// The enforcement tests' tiny world (one insider, one merchant, one labour
/// agency, one organiser) with a raising team, every broker kind's entry rule
/// on with the merchants' test numbers (10-day memory, 2 losing days below the
/// exit threshold, 5 days from decision to work), no memory of profit yet.
std::unique_ptr<World> tiny_world_with_broker_entry() {
  Params p = chain_params();
  p.density_raisers = 250000;
  p.raiser_entry_enabled = p.supplier_entry_enabled = p.organiser_entry_enabled = true;
  p.raiser_profit_window_days = p.supplier_profit_window_days = p.organiser_profit_window_days = 10;
  p.raiser_exit_days = p.supplier_exit_days = p.organiser_exit_days = 2;
  p.raiser_entry_delay_days = p.supplier_entry_delay_days = p.organiser_entry_delay_days = 5;
  p.raiser_exit_threshold_yuan = p.supplier_exit_threshold_yuan = 0;
  p.organiser_exit_threshold_yuan = 1;
  auto w = tiny_world(p);
  for (double& recent : w->brokers.recent_profit) recent = 0;
  w->risk.insider = 0;
  return w;
}

}  // namespace

TEST_CASE("an organiser expects its cut of its group's code bounties, leaves when the cut stays below its exit threshold, and its insiders then keep the whole bounty", "[agents][entry]") {
  auto w = tiny_world_with_broker_entry();
  Params& p = w->p;
  p.insiders_codes_per_day = 2;
  p.insiders_bounty_yuan = 10;
  p.insiders_organiser_share = 0.25;
  const int32_t organiser = first_of(*w, BrokerKind::Organiser);
  const auto o = std::size_t(organiser);
  REQUIRE(organiser_of(*w, 0) == organiser);
  // One insider at work: 2 codes x 10 yuan, a quarter to the organiser.
  CHECK(expected_organiser_cut_yuan_per_day(*w, organiser) == 5.0);
  CHECK(expected_code_income(*w, 0) == 15.0);
  // Days 10 and 11: no bounty reached it (profit 0 < 1): it leaves on the second.
  brokers_enter_and_exit(*w);
  CHECK(w->brokers.low_profit_days[o] == 1);
  CHECK(w->recorder.today(Metric::organisers_active) == 1);
  w->day = 11;
  brokers_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::organiser_exits) == 1);
  CHECK(w->recorder.today(Metric::organisers_active) == 0);
  CHECK_FALSE(w->broker_present(organiser));
  CHECK(expected_code_income(*w, 0) == 20.0);  // no organiser takes a cut
  // Day 12: candidates expect 5 yuan a day; at a threshold of 6 the place stays empty, at 5 it is taken.
  w->day = 12;
  p.organiser_entry_threshold_yuan = 6;
  brokers_enter_and_exit(*w);
  CHECK(w->brokers.vacant[o] == 1);
  p.organiser_entry_threshold_yuan = 5;
  brokers_enter_and_exit(*w);
  CHECK(w->brokers.vacant[o] == 0);
  CHECK(w->brokers.absent_until[o] == 17);
  CHECK(w->brokers.recent_profit[o] == 5.0);
}

TEST_CASE("a raising team expects its cards a day at today's raising margin, none without a dealer insider, and leaving abandons its cards being raised", "[agents][entry]") {
  auto w = tiny_world_with_broker_entry();
  Params& p = w->p;
  const int32_t raiser = first_of(*w, BrokerKind::Raiser);
  const auto r = std::size_t(raiser);
  p.raising_cards_per_day = 4;
  p.commission_amount_yuan = 150;
  p.raising_insider_share = 0.3;
  p.raising_upkeep_yuan = 0.5;
  p.commission_delay_days = 60;
  w->market.price_white = 20;
  w->market.price_record = 10;
  w->market.price_scammer = 0;  // a matured card fetches nothing
  w->brokers.insiders[r] = {0};
  // Per card: 105 yuan of commission less 20 + 10 + 0.5 x 60 = 60 yuan of cost.
  CHECK(expected_raiser_profit_yuan_per_day(*w, raiser) == Approx(4 * 45.0).epsilon(1e-12));
  w->brokers.convictions[r] = 1;  // half the cards with a record (record_restraint 0.5)
  CHECK(expected_raiser_profit_yuan_per_day(*w, raiser) == Approx(2 * 45.0).epsilon(1e-12));
  w->brokers.convictions[r] = 0;
  w->brokers.insiders[r].clear();
  CHECK(expected_raiser_profit_yuan_per_day(*w, raiser) == 0.0);
  // A team paying upkeep every day leaves on its second losing day; its card being raised is abandoned.
  const uint32_t card = w->new_card(Channel::Raised, 1, 0, raiser, 0);
  w->brokers.raising[r].push_back(card);
  // Its worth counts the card at the 30 yuan it cost: no gain the day it was bought.
  CHECK(broker_worth_yuan(*w, r) == w->ledger.balance(w->ledger.broker(raiser)) + 30.0);
  w->brokers.worth_seen[r] = broker_worth_yuan(*w, r);
  for (int64_t day : {10, 11}) {
    w->day = day;
    w->ledger.transfer(w->ledger.broker(raiser), w->ledger.pool(Pool::Suppliers), 0.5);
    brokers_enter_and_exit(*w);
  }
  CHECK(w->recorder.today(Metric::raiser_exits) == 1);
  CHECK(w->brokers.raising[r].empty());
  CHECK(w->cards.state[card] == uint8_t(CardState::Expired));
}

TEST_CASE("a record supplier expects an equal share of today's record orders at its price less the harvesting cost", "[agents][entry]") {
  auto w = tiny_world_with_broker_entry();
  const int32_t agency = first_of(*w, BrokerKind::LaborAgency);
  w->p.records_cost_yuan = 8;
  w->market.price_record = 12;
  w->market.record_ordered = 6;
  REQUIRE(supplier_places_taken(*w) == 1.0);
  CHECK(expected_supplier_profit_yuan_per_day(*w, agency, 1.0) == 24.0);  // 6 orders x (12 - 8), one place taken
  CHECK(expected_supplier_profit_yuan_per_day(*w, agency, 2.0) == 12.0);  // shared with a second place
  // Orders below its cost: it expects a loss and does not enter.
  w->market.price_record = 7;
  CHECK(expected_supplier_profit_yuan_per_day(*w, agency, 1.0) == -6.0);
}

// ---- end entry and exit by profit: raisers, record suppliers, organisers ----

// ---- entry and exit by profit: insiders (agents/insider.cpp, insiders_enter_and_exit) ----
TEST_CASE("a corrupt outlet whose insider earns too little turns honest, and its staff turn again when white cards pay", "[agents][entry]") {
  Params p = tiny_params();
  p.insider_entry_enabled = true;
  p.insider_profit_window_days = 10;
  p.insider_exit_threshold_yuan = 1;
  p.insider_exit_days = 2;
  p.insider_entry_threshold_yuan = 10;
  p.insider_entry_delay_days = 5;
  p.insiders_white_per_day = 6;
  auto w = tiny_world(p);
  REQUIRE(w->insiders.outlet.size() == 1);
  REQUIRE(w->insider_present(0));
  // Days 10 and 11: no illicit income, below 1 yuan a day: it stops on the second.
  insiders_enter_and_exit(*w);
  CHECK(w->insiders.low_profit_days[0] == 1);
  CHECK(w->recorder.today(Metric::insiders_in_post) == 1);
  w->day = 11;
  insiders_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::insider_exits) == 1);
  CHECK(w->recorder.today(Metric::insiders_in_post) == 0);
  CHECK(w->insiders.vacant[0] == 1);
  CHECK_FALSE(w->insider_present(0));
  // Code bounties alone: 2 accounts a day at 10 yuan, no organiser to take a cut.
  w->p.channel_white_card = w->p.channel_raising = false;
  w->p.insiders_codes_per_day = 2;
  w->p.insiders_bounty_yuan = 10;
  w->risk.insider = 0;
  CHECK(expected_insider_income_yuan_per_day(*w, 0) == 20.0);
  // Day 12: no codes, and white cards at 10 yuan against an ask of 20: nothing pays.
  w->day = 12;
  w->p.channel_code_harvesting = false;
  w->p.channel_white_card = true;
  w->insiders.reservation[0] = 20;
  w->market.price_white = 10;
  CHECK(expected_insider_income_yuan_per_day(*w, 0) == 0.0);
  insiders_enter_and_exit(*w);
  CHECK(w->insiders.vacant[0] == 1);
  // Day 13: white cards fetch 50 and half of those offered today sold: 6 * 0.5 * 50.
  w->day = 13;
  w->market.price_white = 50;
  w->market.white_capacity = 6;
  w->market.white_delivered = 3;
  CHECK(expected_insider_income_yuan_per_day(*w, 0) == 150.0);
  insiders_enter_and_exit(*w);
  CHECK(w->insiders.vacant[0] == 0);
  CHECK(w->insiders.vacant_until[0] == 18);
  CHECK(w->insiders.recent_profit[0] == 150.0);
  w->day = 18;
  insiders_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::insider_entries) == 1);
  CHECK(w->recorder.today(Metric::insiders_in_post) == 1);
  // A white card sold today is income: 50 yuan from a merchant.
  w->day = 19;
  w->ledger.transfer(w->ledger.broker(0), w->ledger.insider(0), 50);
  insiders_enter_and_exit(*w);
  CHECK(w->recorder.today(Metric::insider_profit_yuan) == 50.0);
}

TEST_CASE("with insiders' entry by profit off, an insider without income keeps its post", "[agents][entry]") {
  auto w = tiny_world(tiny_params());
  REQUIRE_FALSE(w->p.insider_entry_enabled);
  for (int d = 0; d < 200; ++d, ++w->day) insiders_enter_and_exit(*w);
  CHECK(w->insiders.vacant[0] == 0);
  CHECK(w->insider_present(0));
  CHECK(w->recorder.today(Metric::insider_exits) == 0);
}
// ---- end entry and exit by profit: insiders ----
