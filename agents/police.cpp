#include "agents/police.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "agents/broker.h"
#include "agents/carrier.h"
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

// ---- police cases: queue by source, priority rule, maximum age ----
namespace {

Metric queued_metric(CaseSource source) {
  switch (source) {
    case CaseSource::VictimReport: return Metric::police_reports_victims;
    case CaseSource::MonitoringLead: return Metric::police_leads_monitoring;
    default: break;
  }
  throw std::logic_error("police case source without a metric");  // a new source needs its metric
}

/// A source's rank under today's rule: cases of lower rank are worked first;
/// within a rank, in order of arrival.
int priority_rank(const World& w, CaseSource source) {
  const bool report = source == CaseSource::VictimReport;
  switch (w.p.police_priority) {
    case PolicePriority::leads_first: return report ? 1 : 0;
    case PolicePriority::reports_first: return report ? 0 : 1;
    default: return 0;  // fifo
  }
}

/// The source whose first waiting case is worked next, or -1 when none waits.
/// Each list is in arrival order, so only the lists' heads compete: O(sources).
int next_source(const World& w) {
  const PoliceCases& q = w.police_cases;
  int best = -1, best_rank = 0;
  uint64_t best_order = 0;
  for (std::size_t s = 0; s < kCaseSources; ++s) {
    if (q.waiting(CaseSource(s)) == 0) continue;
    const int rank = priority_rank(w, CaseSource(s));
    const uint64_t order = q.order[s][q.head[s]];
    if (best < 0 || rank < best_rank || (rank == best_rank && order < best_order)) {
      best = int(s);
      best_rank = rank;
      best_order = order;
    }
  }
  return best;
}

/// Takes the first waiting case of `source` off the queue; returns its card.
uint32_t take_case(PoliceCases& q, std::size_t source) {
  const uint64_t i = q.head[source]++;
  q.day_sum[source] -= q.day[source][i];
  return q.card[source][i];
}

/// Drops the cases that have waited longer than the maximum age: each list
/// is oldest first, so the old cases are at its head.
void drop_old_cases(World& w) {
  if (w.p.police_max_age_days <= 0) return;  // 0: no limit
  PoliceCases& q = w.police_cases;
  const int64_t oldest_kept = w.day - w.p.police_max_age_days;  // queued on or after this day
  for (std::size_t s = 0; s < kCaseSources; ++s)
    while (q.waiting(CaseSource(s)) > 0 && q.day[s][q.head[s]] < oldest_kept) {
      take_case(q, s);
      w.recorder.add(Metric::police_cases_dropped, 1);
    }
}

/// Cuts the worked and dropped part off a list now and then: amortised O(1) per case.
void compact(PoliceCases& q) {
  for (std::size_t s = 0; s < kCaseSources; ++s) {
    const uint64_t head = q.head[s];
    if (head <= 4096 || head * 2 <= q.card[s].size()) continue;
    const auto cut = std::ptrdiff_t(head);
    q.card[s].erase(q.card[s].begin(), q.card[s].begin() + cut);
    q.day[s].erase(q.day[s].begin(), q.day[s].begin() + cut);
    q.order[s].erase(q.order[s].begin(), q.order[s].begin() + cut);
    q.head[s] = 0;
  }
}

}  // namespace

void report_case(World& w, uint32_t card, CaseSource source) {
  PoliceCases& q = w.police_cases;
  const auto s = std::size_t(source);
  const uint64_t arrival = q.arrivals++;
  q.card[s].push_back(card);
  q.day[s].push_back(int32_t(w.day));
  q.order[s].push_back(arrival);
  q.day_sum[s] += w.day;
  w.recorder.add(queued_metric(source), 1);
  if (source == CaseSource::VictimReport) number_reported(w, card, arrival);
}

void trace_cases(World& w) {
  drop_old_cases(w);
  Stream s = w.stream(Phase::Police, 0);  // entity 0: the traces (rng.h)
  // Capacity is a density: twice the people, twice the investigators.
  const double budget = w.p.police_capacity_per_million * double(w.citizens.count) / 1e6 + w.police_carry;
  auto n = int64_t(budget);
  w.police_carry = budget - double(n);
  while (n-- > 0) {
    const int source = next_source(w);
    if (source < 0) break;  // nothing left to trace
    const uint32_t card = take_case(w.police_cases, std::size_t(source));
    w.recorder.add(Metric::police_cases_traced, 1);
    trace_one(w, s, card);
  }
  compact(w.police_cases);
}

double mean_case_age_days(const World& w) {
  const PoliceCases& q = w.police_cases;
  const uint64_t waiting = q.waiting();
  if (waiting == 0) return 0.0;
  int64_t day_sum = 0;
  for (int64_t d : q.day_sum) day_sum += d;
  return double(w.day) - double(day_sum) / double(waiting);
}
// ---- end police cases ----

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
