#include "agents/police.h"

#include <algorithm>
#include <cmath>

#include "agents/broker.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "agents/scammer.h"

namespace cardsim {
namespace {

/// Deterrence: peers' perceived risk rises with the sentence handed down
/// (one risk_per_arrest per year of sentence).
double sentence_years(World& w, Stream& s) {
  const double days = double(w.p.police_sentence_min_days) +
                      s.uniform() * double(w.p.police_sentence_max_days - w.p.police_sentence_min_days);
  return days / 365.0;
}

double draw_fine(World& w, Stream& s) {
  return w.p.police_fine_min_yuan + s.uniform() * (w.p.police_fine_max_yuan - w.p.police_fine_min_yuan);
}

void raise_risk(double& risk, double by) { risk = std::min(1.0, risk + by); }

void seize_all(World& w, std::vector<uint32_t>& cards) {
  for (uint32_t card : cards) w.end_card(card, CardState::Seized);
  cards.clear();
}

/// A case's card was bought by a ring (the police trace cases to rings only).
bool is_rings_card(const World& w, uint32_t card) {
  return w.cards.buyer[card] >= 0 && CardUse(w.cards.use[card]) == CardUse::FraudCalls;
}

void trace_insider_side(World& w, Stream& s, uint32_t card) {
  const int32_t insider = w.cards.insider[card];
  if (insider < 0 || !s.bernoulli(w.p.police_p_outlet)) return;
  if (w.insider_present(insider)) arrest_insider(w, s, insider);
}

void trace_one(World& w, Stream& s, uint32_t card) {
  if (s.bernoulli(w.p.police_p_scammer) && is_rings_card(w, card) && w.ring_present(w.cards.buyer[card]))
    arrest_ring(w, s, w.cards.buyer[card]);
  if (!s.bernoulli(w.p.police_p_identity)) return;
  if (w.cards.channel[card] == uint8_t(Channel::Farmer))
    arrest_farmer(w, s, w.cards.identity[card]);
  else
    trace_insider_side(w, s, card);  // the identity holder is a victim too
  const int32_t broker = w.cards.broker[card];
  if (s.bernoulli(w.p.police_p_broker) && w.broker_present(broker)) arrest_broker(w, s, broker);
}

}  // namespace

void report_case(World& w, uint32_t card) { w.police_queue.push_back(card); }

void trace_cases(World& w) {
  Stream s = w.stream(Phase::Police, 0);  // entity 0: the traces (rng.h)
  // Capacity is a density: twice the people, twice the investigators.
  const double budget = w.p.police_capacity_per_million * double(w.citizens.count) / 1e6 + w.police_carry;
  auto n = int64_t(budget);
  w.police_carry = budget - double(n);
  while (n-- > 0 && w.police_head < w.police_queue.size()) trace_one(w, s, w.police_queue[w.police_head++]);
  // Compact the worked part of the queue now and then: amortised O(1) per case.
  if (w.police_head > 4096 && w.police_head * 2 > w.police_queue.size()) {
    w.police_queue.erase(w.police_queue.begin(), w.police_queue.begin() + std::ptrdiff_t(w.police_head));
    w.police_head = 0;
  }
}

void arrest_farmer(World& w, Stream& s, uint32_t identity) {
  w.recorder.add(Metric::arrests_farmer, 1);
  w.ledger.transfer(w.ledger.pool(Pool::Farmers), w.ledger.pool(Pool::State), draw_fine(w, s));
  farmer_leaves_pool(w, identity, Metric::farmers_left_arrest);
  raise_risk(w.risk.farmer, w.p.risk_per_arrest * sentence_years(w, s));
}

void arrest_insider(World& w, Stream& s, int32_t insider) {
  w.recorder.add(Metric::arrests_insider, 1);
  w.ledger.transfer(w.ledger.insider(insider), w.ledger.pool(Pool::State), draw_fine(w, s));
  replace_insider(w, insider);
  raise_risk(w.risk.insider, w.p.risk_per_arrest * sentence_years(w, s));
}

void arrest_broker(World& w, Stream& s, int32_t broker) {
  const auto b = std::size_t(broker);
  w.recorder.add(Metric::arrests_broker, 1);
  w.ledger.transfer(w.ledger.broker(broker), w.ledger.pool(Pool::State), draw_fine(w, s));
  seize_all(w, w.brokers.stock[b]);
  seize_all(w, w.brokers.raising[b]);
  replace_broker(w, broker);
}

void arrest_ring(World& w, Stream& s, int32_t ring) {
  w.recorder.add(Metric::arrests_scammer, 1);
  w.ledger.transfer(w.ledger.ring(ring), w.ledger.pool(Pool::State), draw_fine(w, s));
  seize_all(w, w.rings.fleet[std::size_t(ring)]);
  replace_ring(w, ring);
}

}  // namespace cardsim
