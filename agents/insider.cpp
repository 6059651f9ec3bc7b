#include "agents/insider.h"

#include <algorithm>
#include <cmath>

#include "agents/carrier.h"

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

void replace_insider(World& w, int32_t insider) {
  const auto i = std::size_t(insider);
  w.insiders.vacant_until[i] = int32_t(w.day + w.p.insiders_replacement_days);
  w.insiders.white_left_today[i] = 0;
  w.insiders.convictions[i] = 0;  // a newcomer, with no record
  Stream successor = w.stream(Phase::Police, kPoliceReplacementEntity + i);
  insider_takes_post(w, successor, insider);
}

void insider_serves_sentence(World& w, int32_t insider, int64_t sentence_days) {
  const auto i = std::size_t(insider);
  w.insiders.vacant_until[i] = int32_t(w.day + std::max<int64_t>(w.p.insiders_replacement_days, sentence_days));
  w.insiders.white_left_today[i] = 0;
  w.insiders.convictions[i]++;  // the same person returns: same ask and login habits, one more conviction
}

int32_t organiser_of(const World& w, int32_t insider) {
  const auto& organisers = w.brokers.all(BrokerKind::Organiser);
  if (organisers.empty()) return -1;
  return organisers[std::size_t(insider) % organisers.size()];
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
double expected_code_income(const World& w, int32_t insider) {
  if (!w.p.channel_code_harvesting) return 0.0;
  const double bounty = w.p.insiders_codes_per_day * (1.0 - w.risk.insider) *
                        w.restraint(w.insiders.convictions[std::size_t(insider)]) * w.p.insiders_bounty_yuan;
  const int32_t org = organiser_of(w, insider);
  const double cut = org >= 0 && w.broker_present(org)
                         ? w.p.insiders_organiser_share * w.restraint(w.brokers.convictions[std::size_t(org)])
                         : 0.0;
  return bounty * (1.0 - cut);
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

}  // namespace cardsim
