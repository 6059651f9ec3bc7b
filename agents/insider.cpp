#include "agents/insider.h"

#include <cmath>

#include "agents/carrier.h"

namespace cardsim {
namespace {

void harvest_codes(World& w, Stream& s, int32_t insider) {
  const int64_t accounts = s.poisson(w.p.insiders_codes_per_day * (1.0 - w.risk.insider));
  if (accounts == 0) return;
  w.recorder.add(Metric::accounts_hijacked, double(accounts));
  const double bounty = double(accounts) * w.p.insiders_bounty_yuan;
  const uint32_t platforms = w.ledger.pool(Pool::Platforms);
  // The WeChat-group organiser takes a cut (F13) when one is at work.
  double to_insider = bounty;
  const auto& organisers = w.brokers.all(BrokerKind::Organiser);
  if (!organisers.empty()) {
    const int32_t org = organisers[std::size_t(insider) % organisers.size()];
    if (w.broker_present(org)) {
      const double cut = bounty * w.p.insiders_organiser_share;
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

void replace_insider(World& w, int32_t insider) {
  const auto i = std::size_t(insider);
  w.insiders.vacant_until[i] = int32_t(w.day + w.p.insiders_replacement_days);
  w.insiders.white_left_today[i] = 0;
  Stream successor = w.stream(Phase::Police, kPoliceReplacementEntity + i);
  insider_takes_post(w, successor, insider);
}

bool insider_active(const World& w, int32_t insider) {
  return w.insider_present(insider) &&
         w.day - w.insiders.last_business_day[std::size_t(insider)] <= w.p.insiders_active_window_days;
}

double insider_ask(const World& w, int32_t insider) {
  return w.insiders.reservation[std::size_t(insider)] * (1.0 + w.p.insiders_risk_markup * w.risk.insider);
}

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
    if (white_wanted && insider_ask(w, id) <= w.market.price_white) {
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

}  // namespace cardsim
