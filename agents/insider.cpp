#include "agents/insider.h"

#include <algorithm>
#include <cmath>

#include "agents/carrier.h"
#include "agents/entry.h"

namespace cardsim {
namespace {

void harvest_codes(World& w, Stream& s, int32_t insider) {
  const int64_t accounts =
      s.poisson(w.p.insiders_codes_per_day * (1.0 - w.risk.insider) * w.restraint(w.insiders.convictions[std::size_t(insider)]));
  if (accounts == 0) return;
  w.recorder.add(Metric::accounts_hijacked, double(accounts));
  const double bounty = double(accounts) * w.p.insiders_bounty_yuan;
  const uint32_t platforms = w.ledger.pool(Pool::Platforms);
  // The WeChat-group organiser takes a cut (F13) when one is at work; one
  // back from a sentence runs the group less hard and takes less.
  double to_insider = bounty;
  if (const int32_t org = organiser_of(w, insider); org >= 0) {
    if (w.broker_present(org)) {
      const double cut = bounty * w.p.insiders_organiser_share * w.restraint(w.brokers.convictions[std::size_t(org)]);
      w.ledger.transfer(platforms, w.ledger.broker(org), cut);
      to_insider -= cut;
    }
  }
  w.ledger.transfer(platforms, w.ledger.insider(insider), to_insider);
  w.insiders.last_business_day[std::size_t(insider)] = int32_t(w.day);
}

}  // namespace

void insider_takes_post(World& w, Stream& s, int32_t insider) {
  const auto i = std::size_t(insider);
  w.insiders.reservation[i] = w.p.insiders_reservation_yuan * std::exp(w.p.insiders_reservation_sigma * s.normal());
  w.insiders.shares_login[i] = s.bernoulli(w.p.insiders_location_edit);
}

namespace {

/// After an arrest: the fine and damages just paid are no part of the next
/// insider's income, and with entry by profit the outlet's staff are only
/// candidates, who turn when it pays (insiders_enter_and_exit).
void post_waits_for_candidates(World& w, std::size_t i) {
  w.insiders.balance_seen[i] = w.ledger.balance(w.ledger.insider(int32_t(i)));
  if (w.p.insider_entry_enabled) w.insiders.vacant[i] = 1;
}

}  // namespace

void replace_insider(World& w, int32_t insider) {
  const auto i = std::size_t(insider);
  w.insiders.vacant_until[i] = int32_t(w.day + w.p.insiders_replacement_days);
  w.insiders.white_left_today[i] = 0;
  w.insiders.convictions[i] = 0;  // a newcomer, with no record
  Stream successor = w.stream(Phase::Police, kPoliceReplacementEntity + i);
  insider_takes_post(w, successor, insider);
  post_waits_for_candidates(w, i);
}

void insider_serves_sentence(World& w, int32_t insider, int64_t sentence_days) {
  const auto i = std::size_t(insider);
  w.insiders.vacant_until[i] = int32_t(w.day + std::max<int64_t>(w.p.insiders_replacement_days, sentence_days));
  w.insiders.white_left_today[i] = 0;
  w.insiders.convictions[i]++;  // the same person returns: same ask and login habits, one more conviction
  post_waits_for_candidates(w, i);
}

int32_t organiser_of(const World& w, int32_t insider) {
  // Groups of insiders.per_organiser consecutive insiders (F13), the last
  // part-filled; insiders sit at outlets drawn at random (init_insiders).
  const auto& organisers = w.brokers.all(BrokerKind::Organiser);
  if (organisers.empty() || w.p.insiders_per_organiser <= 0) return -1;
  const auto group = std::size_t(insider) / std::size_t(w.p.insiders_per_organiser);
  return organisers[std::min(group, organisers.size() - 1)];
}

bool insider_active(const World& w, int32_t insider) {
  return w.insider_present(insider) &&
         w.day - w.insiders.last_business_day[std::size_t(insider)] <= w.p.insiders_active_window_days;
}

double insider_ask(const World& w, int32_t insider) {
  // One back from a sentence asks more: 1 / restraint per the record.
  return w.insiders.reservation[std::size_t(insider)] * (1.0 + w.p.insiders_risk_markup * w.risk.insider) /
         w.restraint(w.insiders.convictions[std::size_t(insider)]);
}

// ---- code bounties keep insiders corrupt ----
namespace {

/// Code bounties an insider is expected to harvest a day, before any cut.
double expected_bounties_yuan(const World& w, int32_t insider) {
  return w.p.insiders_codes_per_day * (1.0 - w.risk.insider) *
         w.restraint(w.insiders.convictions[std::size_t(insider)]) * w.p.insiders_bounty_yuan;
}

/// Share of the bounties an organiser takes (less for one with a record).
double organiser_cut_share(const World& w, int32_t organiser) {
  return w.p.insiders_organiser_share * w.restraint(w.brokers.convictions[std::size_t(organiser)]);
}

}  // namespace

double expected_code_income(const World& w, int32_t insider) {
  if (!w.p.channel_code_harvesting) return 0.0;
  const int32_t org = organiser_of(w, insider);
  const double cut = org >= 0 && w.broker_present(org) ? organiser_cut_share(w, org) : 0.0;
  return expected_bounties_yuan(w, insider) * (1.0 - cut);
}

double expected_organiser_cut_yuan_per_day(const World& w, int32_t organiser) {
  if (!w.p.channel_code_harvesting || w.p.insiders_per_organiser <= 0) return 0.0;
  // The group is the run of insiders that organiser_of maps to it.
  const auto& organisers = w.brokers.all(BrokerKind::Organiser);
  // `all` lists a kind in index order: a binary search, since candidates for
  // every empty place ask each day and a national run has thousands of groups.
  const auto at = std::lower_bound(organisers.begin(), organisers.end(), organiser);
  if (at == organisers.end() || *at != organiser) return 0.0;
  const auto group = std::size_t(at - organisers.begin()), span = std::size_t(w.p.insiders_per_organiser);
  const std::size_t insiders = w.insiders.outlet.size();
  const std::size_t first = std::min(insiders, group * span);
  const std::size_t last = group + 1 == organisers.size() ? insiders : std::min(insiders, first + span);
  double bounties = 0;
  for (std::size_t i = first; i < last; ++i) {
    if (w.insider_present(int32_t(i))) bounties += expected_bounties_yuan(w, int32_t(i));
  }
  return bounties * organiser_cut_share(w, organiser);
}

double insider_white_ask(const World& w, int32_t insider) {
  const double per_card = w.p.insiders_white_per_day > 0
                              ? expected_code_income(w, insider) / double(w.p.insiders_white_per_day)
                              : 0.0;
  return std::max(0.0, insider_ask(w, insider) - per_card);
}
// ---- end code bounties keep insiders corrupt ----

bool login_edits_location(const World& w, int32_t insider) {
  return w.insider_present(insider) && w.insiders.shares_login[std::size_t(insider)] &&
         !w.p.location_edit_protected;
}

void insiders_act(World& w) {
  Stream s = w.stream(Phase::Insiders, 0);
  const bool white_wanted = w.p.channel_white_card || w.p.channel_raising;
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i) {
    const auto id = int32_t(i);
    w.insiders.white_left_today[i] = 0;
    if (!w.insider_present(id)) continue;
    if (white_wanted && insider_white_ask(w, id) <= w.market.price_white) {
      w.insiders.white_left_today[i] = int32_t(w.p.insiders_white_per_day);
      w.market.white_capacity += double(w.p.insiders_white_per_day);
    }
    if (w.p.channel_code_harvesting) harvest_codes(w, s, id);
  }
}

bool buy_white_card(World& w, int32_t insider, uint32_t buyer_account) {
  const auto i = std::size_t(insider);
  if (!w.insider_present(insider) || w.insiders.white_left_today[i] <= 0) return false;
  if (!requisition_white_card(w, uint32_t(w.insiders.outlet[i]))) return false;
  w.insiders.white_left_today[i]--;
  w.insiders.last_business_day[i] = int32_t(w.day);
  w.ledger.transfer(buyer_account, w.ledger.insider(insider), w.market.price_white);
  w.market.white_delivered += 1;
  return true;
}

// ---- entry and exit by profit: insiders (insiders.entry.*; docs/model.md, "Entry and exit by profit") ----

namespace {

PlaceProfit insider_place(World& w, std::size_t i) {
  return {w.insiders.recent_profit[i], w.insiders.low_profit_days[i]};
}

/// Share of the white cards offered today that were bought (1 when none were
/// offered but some were ordered: a newcomer would sell all it offers).
double white_sell_through(const World& w) {
  if (w.market.white_capacity > 0) return std::min(1.0, w.market.white_delivered / w.market.white_capacity);
  return w.market.white_ordered > 0 ? 1.0 : 0.0;
}

}  // namespace

double expected_insider_income_yuan_per_day(const World& w, int32_t insider) {
  const Params& p = w.p;
  // White cards: the candidate's own ask (its record raises it) against today's price.
  const bool sells_white = (p.channel_white_card || p.channel_raising) && insider_ask(w, insider) <= w.market.price_white;
  const double white = sells_white ? double(p.insiders_white_per_day) * white_sell_through(w) * w.market.price_white : 0.0;
  // Code bounties as the payout gives them: after the organiser's cut while
  // the organiser is at work, reduced by its record.
  return white + expected_code_income(w, insider);
}

void insider_exits(World& w, int32_t insider) {
  const auto i = std::size_t(insider);
  std::vector<uint32_t> no_cards;  // an insider holds no cards of its own
  w.insiders.white_left_today[i] = 0;
  leave_place(w, no_cards, insider_place(w, i), w.insiders.vacant[i], Metric::insider_exits);
}

void insiders_enter_and_exit(World& w) {
  const EntryRule rule = insider_entry_rule(w.p);
  Insiders& in = w.insiders;
  PlaceTally tally;
  for (std::size_t i = 0; i < in.outlet.size(); ++i) {
    const auto id = int32_t(i);
    if (rule.enabled && in.vacant[i] && in.vacant_until[i] <= w.day) {
      const double expected = expected_insider_income_yuan_per_day(w, id);
      if (enters_by_profit(rule, expected)) {
        take_place(rule, w.day, expected, insider_place(w, i), in.vacant_until[i], in.vacant[i]);
        in.balance_seen[i] = w.ledger.balance(w.ledger.insider(id));
      }
    }
    if (!w.insider_present(id)) continue;
    const double today = balance_change_since(w, w.ledger.insider(id), in.balance_seen[i]);
    holder_works_a_day(w, rule, insider_place(w, i), in.vacant_until[i], today, Metric::insider_entries, tally,
                       [&] { insider_exits(w, id); });
  }
  record_places(w, tally, Metric::insider_profit_yuan, Metric::insiders_in_post);
}

void init_insider_expectations(World& w) {
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i) {
    // Insiders placed with the world turned, so they expected at least the entry threshold.
    w.insiders.recent_profit[i] = w.p.insider_entry_threshold_yuan;
    w.insiders.balance_seen[i] = w.ledger.balance(w.ledger.insider(int32_t(i)));
  }
}

// ---- end entry and exit by profit: insiders ----

}  // namespace cardsim
