#include "agents/carrier.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "agents/broker.h"
#include "agents/card_market.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "agents/police.h"
#include "core/identity_lookahead.h"

namespace cardsim {
namespace {

int32_t cap_count_today(World& w, uint32_t outlet) {
  Outlets& o = w.outlets;
  if (w.day - o.cap_window_start[outlet] >= w.p.dealer_cap_window_days) {
    o.cap_window_start[outlet] = int32_t(w.day);
    o.cap_count[outlet] = 0;
  }
  return o.cap_count[outlet];
}

int32_t burst_count_today(World& w, uint32_t outlet) {
  Outlets& o = w.outlets;
  if (o.burst_day[outlet] != w.day) {
    o.burst_day[outlet] = int32_t(w.day);
    o.burst_count[outlet] = 0;
  }
  return o.burst_count[outlet];
}

/// The holder's velocity window as of today (restarted when it has run out).
VelocityWindow& identity_window(World& w, uint32_t identity) {
  VelocityWindow& win = w.citizens.velocity[identity];
  if (w.day - win.start >= w.p.velocity_window_days) {
    win.start = int32_t(w.day);
    win.count = 0;
  }
  return win;
}

/// The dealer cap binds this outlet today: it is on, in every region or in
/// the outlet's (controls.dealer_cap.region, a provincial control).
bool dealer_cap_binds(const World& w, uint32_t outlet) {
  return w.p.dealer_cap_enabled && (w.p.dealer_cap_region < 0 || w.outlets.region[outlet] == w.p.dealer_cap_region);
}

bool dealer_cap_refuses(World& w, Stream&, const ActivationAttempt& a) {
  return dealer_cap_binds(w, a.outlet) && cap_count_today(w, a.outlet) >= w.p.dealer_cap_max;
}

bool outlet_velocity_refuses(World& w, Stream&, const ActivationAttempt& a) {
  return w.p.velocity_enabled && burst_count_today(w, a.outlet) >= w.p.velocity_max_per_outlet_day;
}

bool id_cap_refuses(World& w, Stream&, const ActivationAttempt& a) {
  return w.legit_cards(a.identity) + w.citizens.person[a.identity].criminal_cards() >= w.p.per_id_cap_max;
}

bool identity_velocity_refuses(World& w, Stream&, const ActivationAttempt& a) {
  return w.p.velocity_enabled && identity_window(w, a.identity).count >= w.p.velocity_max_per_identity;
}

bool remote_refuses(World& w, Stream& s, const ActivationAttempt& a) {
  const bool remote = home_region_of(w, a) != w.outlets.region[a.outlet];
  if (!remote || w.p.remote_mode == RemoteMode::allow) return false;
  if (a.location_edit && !w.p.location_edit_protected) return false;  // F3
  if (w.p.remote_mode == RemoteMode::block) return true;
  const double pass = a.person_present ? 1.0 - w.p.remote_verify_false_reject : w.p.remote_verify_pass;
  return !s.bernoulli(pass);
}

bool face_check_refuses(World& w, Stream& s, const ActivationAttempt& a) {
  if (a.insider_login) return false;
  const double fail = a.reused_photo ? w.p.liveness_strength
                                     : w.p.liveness_strength * w.p.liveness_false_reject;
  return s.bernoulli(fail);
}

/// A built-in activation check: an entry of the registry.
struct BuiltinCheck {
  const char* name;
  int rank;
  Refusal kind;
  CheckFunction refuses;
};

// The built-in checks, listed once, in rank order: the registry's entries
// (builtin_activation_checks) and the direct path (run_builtin_activation_checks)
// both come from this table. The order is part of the model: checks that draw
// random numbers (remote, face) come last, so a refusal by an earlier one
// leaves the stream as it was.
/// F19 Art. 31: a holder under credit sanction gets no new card in their name.
bool sanction_refuses(World& w, Stream&, const ActivationAttempt& a) {
  return w.p.sanctions_bars_new_cards && under_sanction(w, a.identity);
}

constexpr BuiltinCheck kBuiltinChecks[] = {
    {"dealer_cap", 10, Refusal::DealerCap, dealer_cap_refuses},
    {"velocity_outlet", 20, Refusal::Velocity, outlet_velocity_refuses},
    {"id_cap", 30, Refusal::IdCap, id_cap_refuses},
    {"velocity_identity", 40, Refusal::Velocity, identity_velocity_refuses},
    {"remote", 50, Refusal::Remote, remote_refuses},
    {"liveness", 60, Refusal::Liveness, face_check_refuses},
    {"credit_sanction", 70, Refusal::Other, sanction_refuses},
};

constexpr bool ranks_ascend() {
  for (std::size_t i = 1; i < std::size(kBuiltinChecks); ++i)
    if (kBuiltinChecks[i - 1].rank >= kBuiltinChecks[i].rank) return false;
  return true;
}
static_assert(ranks_ascend(), "list the built-in checks in rank order: a check's index is its place in the registry");

/// The checks of kBuiltinChecks in order until one refuses, each called
/// directly (so the compiler inlines it) rather than through the registry's
/// function pointers: the registry's loop doubled the instructions per
/// activation attempt, which follow every honest activation.
template <std::size_t... I>
Verdict run_in_order(World& w, Stream& s, const ActivationAttempt& a, std::index_sequence<I...>) {
  Verdict v;
  (void)((kBuiltinChecks[I].refuses(w, s, a) && (v = {kBuiltinChecks[I].kind, int(I)}, true)) || ...);
  return v;
}

void pay_honest_commissions(World& w) {
  const auto carriers = std::size_t(w.p.carriers);
  for (std::size_t c = 0; c < carriers; ++c) {
    const int64_t n = w.honest_commission_due[std::size_t(w.day) * carriers + c];
    if (n == 0) continue;
    const double amount = double(n) * w.p.commission_amount_yuan;
    w.ledger.transfer(w.ledger.carrier(int(c)), w.ledger.pool(Pool::Dealers), amount);
    w.recorder.add(Metric::commissions_honest_yuan, amount);
  }
}

bool card_live(const World& w, uint32_t card) {
  const auto s = CardState(w.cards.state[card]);
  return s == CardState::Stock || s == CardState::Raising || s == CardState::InUse || s == CardState::InTransit;
}

/// Pays the commission on a live criminal card. Raised cards pay the dealer
/// insider, who passes the raising team its share.
void pay_card_commission(World& w, uint32_t card) {
  const double amount = w.p.commission_amount_yuan;
  // The insider whose stock or login made the card collects it as the dealer.
  const int32_t insider = w.cards.insider[card];
  const bool to_insider = insider >= 0 && w.insider_present(insider);
  const uint32_t payee = to_insider ? w.ledger.insider(insider) : w.ledger.pool(Pool::Dealers);
  w.ledger.transfer(w.ledger.carrier(w.outlets.carrier[w.cards.outlet[card]]), payee, amount);
  w.cards.commission_payee[card] = payee;
  w.cards.commission_paid[card] = float(amount);
  w.cards.commission_day[card] = int32_t(w.day);
  w.recorder.add(Metric::commissions_fraudulent_yuan, amount);
  if (w.cards.channel[card] == uint8_t(Channel::Raised)) {
    const int32_t raiser = w.cards.broker[card];
    const double share = amount * (1.0 - w.p.raising_insider_share);
    w.ledger.transfer(payee, w.ledger.broker(raiser), share);
    raiser_commission_paid(w, card, share);
  }
}

void clawback(World& w, uint32_t card) {
  const uint32_t payee = w.cards.commission_payee[card];
  if (!w.p.commission_clawback || payee == kNone) return;
  if (w.day - w.cards.commission_day[card] > w.p.commission_clawback_window_days) return;
  const double amount = w.cards.commission_paid[card];
  const uint32_t carrier = w.ledger.carrier(w.outlets.carrier[w.cards.outlet[card]]);
  w.ledger.transfer(payee, carrier, amount);
  w.recorder.add(Metric::commissions_clawed_back_yuan, amount);
  w.cards.commission_payee[card] = kNone;
  if (w.cards.channel[card] == uint8_t(Channel::Raised)) {
    // The raising team refunds the dealer its share of the clawed-back commission.
    const int32_t raiser = w.cards.broker[card];
    const double share = amount * (1.0 - w.p.raising_insider_share);
    w.ledger.transfer(w.ledger.broker(raiser), payee, share);
    raiser_card_lost(w, raiser, share);
  }
}

}  // namespace

double fraud_use_hazard(const Params& p) {
  const double h = std::min(1.0, p.monitoring_hazard * p.monitoring_strength);
  const double use = p.scammers_attempts_per_card / p.monitoring_reference_attempts;
  if (use == 1.0) return h;  // exactly `hazard` at the reference use, not 1 - (1 - h) rounded
  return 1.0 - std::pow(1.0 - h, use);
}

double fraud_card_hazard(const Params& p, Channel channel) {
  const double h = fraud_use_hazard(p);
  return channel == Channel::Raised ? std::min(1.0, h * p.monitoring_raised_factor) : h;
}

namespace {

void detect_fleet(World& w, Stream& s) {
  detect_cards_in_use(w, s);
  const double h_raising = std::min(1.0, w.p.monitoring_raising_hazard * w.p.monitoring_strength);
  for (auto& list : w.brokers.raising)
    for (uint32_t card : list)
      if (s.bernoulli(h_raising)) {
        const auto due = std::size_t(w.day + w.p.monitoring_delay_days);
        if (due < w.horizon()) w.shutdown_due[due].push_back(card);
      }
}

}  // namespace

namespace {

/// shut_one_honest_card with its holders from `next_holder()`.
template <class NextHolder>
bool shut_one_honest_card_of(World& w, NextHolder next_holder) {
  for (int tries = 0; tries < kHolderSearchDraws; ++tries) {
    const uint32_t id = next_holder();
    if (const int have = w.legit_cards(id); have > 0) {
      w.set_legit_cards(id, have - 1);
      w.legit_live--;
      w.legit_shut++;
      return true;
    }
  }
  return false;
}

}  // namespace

bool shut_one_honest_card(World& w, Stream& s) {
  return shut_one_honest_card_of(w, [&] { return w.random_identity(s); });
}

namespace {

/// Honest cards shut by mistake. After the count, `s` serves only to draw
/// holders, so they are drawn ahead of use (IdentityLookahead, the same
/// holders in the same order); `s` is taken by value: nothing draws from it
/// after this.
void shut_honest_cards(World& w, Stream s) {
  const double rate = w.p.monitoring_false_positive * w.p.monitoring_strength;
  const int64_t n = s.poisson(double(w.legit_live) * rate);
  if (n == 0 || w.citizens.count == 0) return;
  IdentityLookahead who(w, s, -1, n);
  for (int64_t k = 0; k < n; ++k)
    if (shut_one_honest_card_of(w, [&] { return who.next(); })) w.recorder.add(Metric::shutdowns_honest, 1);
}

bool shut_for_fraud_keeping_slot(World& w, uint32_t card);

/// Shuts the cards due today. A shutdown touches its holder's record only to
/// free the card's slot under the per-ID cap, and nothing else in a shutdown
/// reads that count; counting down is the same in any order, so the slots are
/// freed after all of today's shutdowns, in the order of the records' pages,
/// by blocks of holders on the world's block threads (update_records_by_page):
/// at national scale each would be a cache and TLB miss.
void shut_due_today(World& w) {
  static thread_local std::vector<uint32_t> holders;
  static thread_local PageOrder scratch;
  auto& due = w.shutdown_due[std::size_t(w.day)];
  holders.clear();
  for (uint32_t card : due)
    if (shut_for_fraud_keeping_slot(w, card)) holders.push_back(w.cards.identity[card]);
  const std::vector<uint32_t>& freed = holders;
  update_records_by_page(w, freed, scratch, [&w, &freed](std::size_t k) { w.free_slot(freed[k]); });
  due.clear();
  due.shrink_to_fit();
}

// ---- monitoring leads and reported numbers shut ----
/// Takes a card in use or being raised out of its holder's list (a buyer's
/// fleet, a raiser's cards); false when the card is in neither state (already
/// seized, expired or shut). `in_use_shut`: count a card in use in its use's
/// shutdown metric (monitoring's shutdowns only).
bool take_from_holder(World& w, uint32_t card, bool in_use_shut) {
  const auto state = CardState(w.cards.state[card]);
  if (state == CardState::InUse) {
    leave_use(w, card);
    if (in_use_shut) w.recorder.add(card_use_spec(CardUse(w.cards.use[card])).shut, 1);
    return true;
  }
  if (state == CardState::Raising) {
    const int32_t raiser = w.cards.broker[card];
    erase_card(w.brokers.raising[std::size_t(raiser)], card);
    raiser_card_lost(w, raiser, 0.0);
    return true;
  }
  return false;
}

/// A card monitoring shut becomes a police lead with controls.police.lead_prob,
/// drawn from the card's own stream.
void pass_lead(World& w, uint32_t card) {
  if (w.p.police_lead_prob <= 0) return;
  Stream s = w.stream(Phase::Monitoring, kLeadEntity + card);
  if (s.bernoulli(w.p.police_lead_prob)) report_case(w, card, CaseSource::MonitoringLead);
}

/// A reported number's shutdown: the card leaves its holder like a
/// monitoring shutdown (clawback, the farmer's sanction) but ends in its own
/// state, counted in shutdowns_reported.
void shut_reported(World& w, uint32_t card) {
  if (!take_from_holder(w, card, false)) return;  // already gone
  w.end_card(card, CardState::ShutReported);
  farmer_card_shut(w, card);
  w.recorder.add(Metric::shutdowns_reported, 1);
  clawback(w, card);
}

void shut_reported_due_today(World& w) {
  auto& due = w.reported_shutdown_due[std::size_t(w.day)];
  for (uint32_t card : due) shut_reported(w, card);
  due.clear();
  due.shrink_to_fit();
}
// ---- end monitoring leads and reported numbers shut ----

}  // namespace

const std::vector<ActivationCheck>& builtin_activation_checks() {
  static const std::vector<ActivationCheck> checks = [] {
    std::vector<ActivationCheck> list;
    for (const BuiltinCheck& c : kBuiltinChecks) list.push_back({c.name, c.rank, c.kind, c.refuses});
    return list;
  }();
  return checks;
}

Verdict run_builtin_activation_checks(World& w, Stream& s, const ActivationAttempt& a) {
  return run_in_order(w, s, a, std::make_index_sequence<std::size(kBuiltinChecks)>());
}

void count_activation(World& w, uint32_t identity, uint32_t outlet) {
  // The dealer cap's window spans days, so it counts while the cap is off: a
  // cap switched on mid-window sees the window's activations.
  cap_count_today(w, outlet);
  w.outlets.cap_count[outlet]++;
  // The velocity check's windows (an outlet's day, a holder's window) are
  // kept only while it is on: a schedule switches it at day start, and it
  // counts activations from then. Two fewer outlet arrays read per
  // activation while it is off (a cache miss each at national scale).
  if (!w.p.velocity_enabled) return;
  burst_count_today(w, outlet);
  w.outlets.burst_count[outlet]++;
  identity_window(w, identity).count++;
}

bool checks_read_no_outlet_counts(const Params& p) {
  return !p.dealer_cap_enabled && !p.velocity_enabled && only_builtin_activation_checks();
}

bool requisition_white_card(World& w, uint32_t outlet) {
  if (dealer_cap_binds(w, outlet) && cap_count_today(w, outlet) >= w.p.dealer_cap_max) return false;
  cap_count_today(w, outlet);
  w.outlets.cap_count[outlet]++;
  return true;
}

void schedule_commission(World& w, uint32_t card) {
  const auto due = std::size_t(w.day + w.p.commission_delay_days);
  if (due < w.horizon()) w.commission_due[due].push_back(card);
}

void schedule_honest_commission(World& w, uint32_t outlet) {
  const auto due = std::size_t(w.day + w.p.commission_delay_days);
  if (due < w.horizon())
    w.honest_commission_due[due * std::size_t(w.p.carriers) + w.outlets.carrier[outlet]]++;
}

void pay_commissions(World& w) {
  pay_honest_commissions(w);
  Stream s = w.stream(Phase::Commissions, 0);
  for (uint32_t card : w.commission_due[std::size_t(w.day)]) {
    if (!card_live(w, card)) continue;
    pay_card_commission(w, card);
    if (CardState(w.cards.state[card]) == CardState::Raising) raised_card_matured(w, s, card);
  }
  w.commission_due[std::size_t(w.day)].clear();
  w.commission_due[std::size_t(w.day)].shrink_to_fit();
}

namespace {

/// shut_for_fraud but for freeing the card's slot under the per-ID cap, which
/// the caller does (World::free_slot); false when the card was gone already
/// (seized, expired, or shut).
bool shut_for_fraud_keeping_slot(World& w, uint32_t card) {
  if (!take_from_holder(w, card, true)) return false;
  w.end_card_keeping_slot(card, CardState::ShutFraud);
  farmer_card_shut(w, card);
  w.recorder.add(Metric::shutdowns_fraud, 1);
  w.recorder.add_ratio(Metric::days_to_shutdown_mean, double(w.day - w.cards.activation_day[card]), 1);
  clawback(w, card);
  pass_lead(w, card);
  return true;
}

}  // namespace

void shut_for_fraud(World& w, uint32_t card) {
  if (shut_for_fraud_keeping_slot(w, card)) w.free_slot(w.cards.identity[card]);
}

void number_reported(World& w, uint32_t card, uint64_t report) {
  if (w.p.reported_shutdown_share <= 0 || !card_live(w, card)) return;
  Stream s = w.stream(Phase::Monitoring, kReportedNumberEntity + report);
  if (!s.bernoulli(w.p.reported_shutdown_share)) return;
  const auto due = std::size_t(w.day + w.p.reported_shutdown_delay_days);
  if (due < w.horizon()) w.reported_shutdown_due[due].push_back(card);
}

void monitor_cards(World& w) {
  shut_due_today(w);
  shut_reported_due_today(w);
  Stream s = w.stream(Phase::Monitoring, 0);
  detect_fleet(w, s);
  if (w.p.monitoring_delay_days == 0) shut_due_today(w);  // detected today, shut today
  shut_honest_cards(w, s);
}

void audit_outlets(World& w) {
  Stream s = w.stream(Phase::Audits, 0);
  const double p_audit = w.p.audits_per_year / 365.0;
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i) {
    if (!w.insider_present(int32_t(i)) || !s.bernoulli(p_audit)) continue;
    if (insider_active(w, int32_t(i)) && s.bernoulli(w.p.audits_detection)) arrest_insider(w, s, int32_t(i));
  }
}

}  // namespace cardsim
