#include "agents/entry.h"

#include <cassert>

namespace cardsim {

EntryRule ring_entry_rule(const Params& p) {
  return {p.ring_entry_enabled,   p.ring_entry_threshold_yuan, p.ring_exit_threshold_yuan,
          p.ring_entry_delay_days, p.ring_exit_days,           p.ring_profit_window_days};
}

EntryRule merchant_entry_rule(const Params& p) {
  return {p.merchant_entry_enabled,   p.merchant_entry_threshold_yuan, p.merchant_exit_threshold_yuan,
          p.merchant_entry_delay_days, p.merchant_exit_days,           p.merchant_profit_window_days};
}

EntryRule insider_entry_rule(const Params& p) {
  return {p.insider_entry_enabled,   p.insider_entry_threshold_yuan, p.insider_exit_threshold_yuan,
          p.insider_entry_delay_days, p.insider_exit_days,           p.insider_profit_window_days};
}

EntryRule broker_entry_rule(const Params& p, BrokerKind kind) {
  switch (kind) {
    case BrokerKind::Merchant: return merchant_entry_rule(p);
    case BrokerKind::Raiser:
      return {p.raiser_entry_enabled,   p.raiser_entry_threshold_yuan, p.raiser_exit_threshold_yuan,
              p.raiser_entry_delay_days, p.raiser_exit_days,           p.raiser_profit_window_days};
    case BrokerKind::LaborAgency:
    case BrokerKind::DataSeller:
      return {p.supplier_entry_enabled,   p.supplier_entry_threshold_yuan, p.supplier_exit_threshold_yuan,
              p.supplier_entry_delay_days, p.supplier_exit_days,           p.supplier_profit_window_days};
    case BrokerKind::Organiser:
      return {p.organiser_entry_enabled,   p.organiser_entry_threshold_yuan, p.organiser_exit_threshold_yuan,
              p.organiser_entry_delay_days, p.organiser_exit_days,           p.organiser_profit_window_days};
    case BrokerKind::Count: break;
  }
  assert(false && "a broker kind without an entry rule");
  return {};
}

double balance_change_since(const World& w, uint32_t account, double& seen) {
  const double balance = w.ledger.balance(account);
  const double change = balance - seen;
  seen = balance;
  return change;
}

bool leaves_by_profit(const EntryRule& rule, PlaceProfit place, double profit_today_yuan) {
  place.recent_yuan += (profit_today_yuan - place.recent_yuan) / double(rule.window_days);
  if (!rule.enabled) return false;
  const bool losing = place.recent_yuan < rule.exit_threshold_yuan;
  place.losing_days = losing ? place.losing_days + 1 : 0;
  return place.losing_days >= rule.exit_days;
}

void take_place(const EntryRule& rule, int64_t today, double expected_yuan, PlaceProfit place, int32_t& absent_until,
                uint8_t& vacant) {
  vacant = 0;
  absent_until = int32_t(today + rule.delay_days);
  place.recent_yuan = expected_yuan;
  place.losing_days = 0;
}

void leave_place(World& w, std::vector<uint32_t>& cards, PlaceProfit place, uint8_t& vacant, Metric exits) {
  for (uint32_t card : cards) w.end_card(card, CardState::Expired);
  cards.clear();
  vacant = 1;
  place.losing_days = 0;
  w.recorder.add(exits, 1);
}

}  // namespace cardsim
