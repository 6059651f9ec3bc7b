#include "agents/scammer.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "agents/bank.h"
#include "agents/card_market.h"
#include "agents/carrier.h"
#include "agents/citizen.h"
#include "agents/entry.h"
#include "agents/police.h"

namespace cardsim {
namespace {

// ---- two cards: a case's money through a bank account (agents/bank.cpp) ----
/// One case with the bank module on: the fraud stream draws the loss, the
/// card and the report in the same order as with it off; the bank stream
/// decides the route. A case whose money would go to an account while the
/// ring holds none never happens: the victim keeps the money.
void case_through_bank(World& w, Stream& s, Stream& bank_stream, int32_t ring) {
  const auto& fleet = w.rings.fleet[std::size_t(ring)];
  const double loss = s.lognormal_mean(w.p.scammers_loss_mean_yuan, w.p.scammers_loss_sigma);
  const uint32_t card = fleet[s.below(fleet.size())];
  const bool reported = s.bernoulli(w.p.police_report_prob);
  uint32_t account = kNoAccount;
  const CaseRoute route = route_case(w, bank_stream, ring, loss, reported, account);
  if (route == CaseRoute::NoAccount) {
    w.recorder.add(Metric::bank_cases_without_account, 1);
    return;
  }
  if (route == CaseRoute::Other) {
    w.ledger.transfer(w.ledger.pool(Pool::Victims), w.ledger.ring(ring), loss);
    w.rings.profit_today[std::size_t(ring)] += loss * w.p.scammers_cash_out_share;
    w.recorder.add(Metric::bank_other_routes_yuan, loss);
  }
  w.recorder.add(Metric::fraud_cases, 1);
  w.recorder.add_region(RegionSeries::FraudCases, w.buyer_home(CardUse::FraudCalls, ring), 1);
  w.recorder.add(Metric::fraud_losses_yuan, loss);
  if (reported) report_case(w, card, CaseSource::VictimReport, account);  // a trace may follow the account
}
// ---- end two cards ----

/// `bank_stream` is null with the bank module off.
void ring_fraud(World& w, Stream& s, Stream* bank_stream, int32_t ring) {
  auto& fleet = w.rings.fleet[std::size_t(ring)];
  if (fleet.empty()) return;
  int64_t attempts = s.poisson(ring_attempts_per_day(w, ring, fleet.size()));
  const double saturation = target_saturation(w);
  w.recorder.add(Metric::fraud_attempts, double(attempts));
  // Victims by group: elderly, then students among the rest, then everyone
  // else (the last group takes the attempts left).
  double share_of_rest[std::size_t(VictimGroup::Count)];
  share_of_rest[std::size_t(VictimGroup::Elderly)] = w.p.citizens_share_elderly;
  share_of_rest[std::size_t(VictimGroup::Student)] =
      w.p.citizens_share_elderly < 1 ? w.p.citizens_share_student / (1.0 - w.p.citizens_share_elderly) : 0.0;
  share_of_rest[std::size_t(VictimGroup::Other)] = 1.0;
  for (int g = 0; g < int(VictimGroup::Count); ++g) {
    static_assert(int(VictimGroup::Other) == int(VictimGroup::Count) - 1, "the everyone-else group comes last");
    const bool last = VictimGroup(g) == VictimGroup::Other;
    const int64_t reached = last ? attempts : s.binomial(attempts, std::min(1.0, share_of_rest[g]));
    attempts -= reached;
    const int64_t cases = s.binomial(reached, deception_probability(w, VictimGroup(g)) * saturation);
    for (int64_t k = 0; k < cases; ++k) {
      if (bank_stream) {
        case_through_bank(w, s, *bank_stream, ring);
        continue;
      }
      const double loss = s.lognormal_mean(w.p.scammers_loss_mean_yuan, w.p.scammers_loss_sigma);
      w.ledger.transfer(w.ledger.pool(Pool::Victims), w.ledger.ring(ring), loss);
      w.rings.profit_today[std::size_t(ring)] += loss * w.p.scammers_cash_out_share;
      w.recorder.add(Metric::fraud_cases, 1);
      w.recorder.add_region(RegionSeries::FraudCases, w.buyer_home(CardUse::FraudCalls, ring), 1);
      w.recorder.add(Metric::fraud_losses_yuan, loss);
      const uint32_t card = fleet[s.below(fleet.size())];
      if (s.bernoulli(w.p.police_report_prob)) report_case(w, card);
    }
  }
}

}  // namespace

void found_ring(World& w, Stream& s, int32_t ring) {
  w.rings.revenue_factor[std::size_t(ring)] = std::exp(w.p.scammers_value_sigma * s.normal());
  ring_enters(w, ring);
}

void ring_enters(World& w, int32_t ring) {
  assert(w.rings.fleet[std::size_t(ring)].empty());  // a predecessor's cards were seized
  w.rings.fleet[std::size_t(ring)].clear();
}

void replace_ring(World& w, int32_t ring) {
  bank_ring_leaves(w, ring);  // two cards: its accounts are closed
  w.rings.absent_until[std::size_t(ring)] = int32_t(w.day + w.p.scammers_replacement_days);
  w.rings.convictions[std::size_t(ring)] = 0;  // newcomers, with no record
  ring_enters(w, ring);
  // Entry by profit: the newcomers (or the convict back from a sentence) are
  // only candidates; they take the place when entry pays.
  if (w.p.ring_entry_enabled) w.rings.vacant[std::size_t(ring)] = 1;
}

void ring_serves_sentence(World& w, int32_t ring, int64_t sentence_days) {
  const auto r = std::size_t(ring);
  const int32_t record = w.rings.convictions[r];
  replace_ring(w, ring);
  return_after_sentence(w.day, sentence_days, record, w.rings.absent_until[r], w.rings.convictions[r]);
}

double ring_callers_cards(const World& w, int32_t ring) {
  return w.p.scammers_callers_cards * w.restraint(w.rings.convictions[std::size_t(ring)]);
}

double ring_attempts_per_day(const World& w, int32_t ring, std::size_t cards) {
  // scammers.callers_cards = 0 is the rule without callers: every card works in full.
  if (w.p.scammers_callers_cards <= 0) return w.p.scammers_attempts_per_card * double(cards);
  return w.p.scammers_attempts_per_card * cards_at_work(double(cards), ring_callers_cards(w, ring));
}

double target_saturation(const World& w) {
  if (w.citizens.count == 0) return 1.0;
  const double attempts = w.p.scammers_callers_cards > 0
                             ? w.rings.attempts_per_day
                             : double(w.cards_by_use[std::size_t(CardUse::FraudCalls)]) * w.p.scammers_attempts_per_card;
  return 1.0 / (1.0 + attempts / (w.p.scammers_saturation_attempts * double(w.citizens.count)));
}

double expected_card_life_days(const Params& p) {
  return expected_life_days(fraud_use_hazard(p), double(p.scammers_horizon_days));
}

namespace {

/// Chance that an attempt deceives, averaged over the victim groups, before
/// target saturation.
double deceived_per_attempt(const World& w) {
  const Params& p = w.p;
  const double elderly = p.citizens_share_elderly, student = std::min(p.citizens_share_student, 1.0 - elderly);
  return elderly * deception_probability(w, VictimGroup::Elderly) +
         student * deception_probability(w, VictimGroup::Student) +
         (1.0 - elderly - student) * deception_probability(w, VictimGroup::Other);
}

}  // namespace

double expected_cases_per_card_day(const World& w) {
  return w.p.scammers_attempts_per_card * deceived_per_attempt(w) * target_saturation(w);
}

double ring_expected_cases_per_day(const World& w, int32_t ring) {
  const std::size_t cards = w.rings.fleet[std::size_t(ring)].size();
  return ring_attempts_per_day(w, ring, cards) * deceived_per_attempt(w) * target_saturation(w);
}

double card_revenue_yuan(const World& w, int32_t ring) {
  const Params& p = w.p;
  const double factor = w.rings.revenue_factor[std::size_t(ring)];
  if (!p.bank_enabled) {
    const double per_day = expected_cases_per_card_day(w) * p.scammers_loss_mean_yuan * p.scammers_cash_out_share;
    return per_day * expected_card_life_days(p) * factor;
  }
  // Two cards: a case's cash-out less what the accounts it needs cost the
  // ring (agents/bank.h, case_value_with_accounts_yuan).
  const double per_case = case_value_with_accounts_yuan(w, p.scammers_loss_mean_yuan * p.scammers_cash_out_share * factor);
  return expected_cases_per_card_day(w) * per_case * expected_card_life_days(p);
}

double ring_demand(const World& w, int32_t ring) { return ring_demand_at(w, ring, w.market.price_scammer); }

double ring_demand_at(const World& w, int32_t ring, double price_yuan) {
  if (!w.ring_present(ring)) return 0;
  // With no margin a ring runs no cards: it leaves the market until the margin returns.
  // A ring back from a sentence runs fewer cards (World::restraint). Cards in
  // the post to it count as held (regions that trade).
  const std::size_t held = w.rings.fleet[std::size_t(ring)].size() + w.cards_coming(CardUse::FraudCalls, ring);
  if (w.p.scammers_callers_cards > 0)
    return demand_with_callers(card_revenue_yuan(w, ring), price_yuan, ring_callers_cards(w, ring), held);
  const double restraint = w.restraint(w.rings.convictions[std::size_t(ring)]);
  return demand_from_margin(card_revenue_yuan(w, ring), price_yuan, w.p.scammers_cards_per_margin * restraint, held);
}

void ring_takes_card(World& w, int32_t ring, int32_t seller, uint32_t card) {
  w.ledger.transfer(w.ledger.ring(ring), w.ledger.broker(seller), w.market.price_scammer);
  w.rings.profit_today[std::size_t(ring)] -= w.market.price_scammer;
  (void)card;  // its supply share is counted when it enters fraud use (World::put_in_use)
}

void rings_commit_fraud(World& w) {
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r) {
    Stream s = w.stream(Phase::Fraud, r);
    if (!w.p.bank_enabled) {
      ring_fraud(w, s, nullptr, int32_t(r));
      continue;
    }
    Stream bank_stream = w.stream(Phase::Bank, kBankRingEntity + r);
    ring_fraud(w, s, &bank_stream, int32_t(r));
  }
}

// ---- entry and exit by profit (scammers.entry.*) ----

double expected_ring_profit_yuan_per_day(const World& w, int32_t ring) {
  const double value = card_revenue_yuan(w, ring), price = w.market.price_scammer;
  // Cards it would run from an empty fleet; a record restrains it (World::restraint),
  // which is how the entry rule sees a returning convict's higher risk.
  const double callers = ring_callers_cards(w, ring);
  if (callers > 0) {
    // The cards' revenue saturates in the callers; each card is still bought.
    const double cards = demand_with_callers(value, price, callers, 0);
    return (value * cards_at_work(cards, callers) - price * cards) / expected_card_life_days(w.p);
  }
  const double restraint = w.restraint(w.rings.convictions[std::size_t(ring)]);
  const double cards = demand_from_margin(value, price, w.p.scammers_cards_per_margin * restraint, 0);
  // Each card is replaced when shut: the fleet turns over once per card life.
  return cards * (value - price) / expected_card_life_days(w.p);
}

namespace {

PlaceProfit ring_place(World& w, std::size_t r) { return {w.rings.recent_profit[r], w.rings.low_profit_days[r]}; }

}  // namespace

void ring_exits(World& w, int32_t ring) {
  const auto r = std::size_t(ring);
  leave_place(w, w.rings.fleet[r], ring_place(w, r), w.rings.vacant[r], Metric::ring_exits);
  bank_ring_leaves(w, ring);  // two cards: its accounts are closed
}

void ring_decides_to_enter(World& w, int32_t ring) {
  const auto r = std::size_t(ring);
  take_place(ring_entry_rule(w.p), w.day, expected_ring_profit_yuan_per_day(w, ring), ring_place(w, r),
             w.rings.absent_until[r], w.rings.vacant[r]);
  ring_enters(w, ring);
}

namespace {

/// Today's profit enters the ring's moving average; a ring below the exit
/// threshold for exit_days days in a row leaves (agents/entry.h). Returns
/// whether it still works.
bool ring_keeps_place(World& w, int32_t ring, double profit_today) {
  if (!leaves_by_profit(ring_entry_rule(w.p), ring_place(w, std::size_t(ring)), profit_today)) return true;
  ring_exits(w, ring);
  return false;
}

/// Empty places whose candidates are free (no sentence or replacement delay
/// left) are taken when the candidates expect at least the entry threshold.
void fill_places_that_pay(World& w) {
  for (std::size_t r = 0; r < w.rings.vacant.size(); ++r)
    if (w.rings.vacant[r] && w.rings.absent_until[r] <= w.day &&
        enters_by_profit(ring_entry_rule(w.p), expected_ring_profit_yuan_per_day(w, int32_t(r))))
      ring_decides_to_enter(w, int32_t(r));
}

}  // namespace

void rings_enter_and_exit(World& w) {
  if (w.p.ring_entry_enabled) fill_places_that_pay(w);
  double active = 0, profit = 0;
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r) {
    const double today = w.rings.profit_today[r];
    w.rings.profit_today[r] = 0;
    profit += today;
    const auto ring = int32_t(r);
    if (!w.ring_present(ring)) continue;
    if (w.rings.absent_until[r] == w.day && w.day > 0) w.recorder.add(Metric::ring_entries, 1);
    if (ring_keeps_place(w, ring, today)) active += 1;
  }
  w.recorder.add(Metric::ring_profit_yuan, profit);
  w.recorder.set(Metric::rings_active, active);
}

void init_ring_expectations(World& w) {
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r)
    w.rings.recent_profit[r] = expected_ring_profit_yuan_per_day(w, int32_t(r));
}

// ---- end entry and exit by profit ----

}  // namespace cardsim
