#include "agents/police.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <iterator>

#include "agents/bank.h"
#include "agents/broker.h"
#include "agents/carrier.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "agents/scammer.h"
#include "agents/sim_bank.h"
#include "core/market.h"

namespace cardsim {
namespace {

/// Police stream of the chain's upstream steps (supplier, organiser, SIM-bank
/// raid) and the arrests they make: one a day, apart from the traces' entity 0
/// and above any insider's replacement entity, so that with those steps'
/// probabilities at 0 the traces draw exactly what they drew without them.
constexpr uint64_t kUpstreamEntity = uint64_t(1) << 40;
/// Police stream of the two cards' account steps (trace_account), one a day.
constexpr uint64_t kAccountTraceEntity = kUpstreamEntity + 1;

/// One arrest metric per broker kind, in BrokerKind order.
constexpr Metric kArrestsOfKind[] = {Metric::arrests_merchant, Metric::arrests_labor_agency,
                                     Metric::arrests_data_seller, Metric::arrests_raiser, Metric::arrests_organiser};
static_assert(std::size(kArrestsOfKind) == std::size_t(BrokerKind::Count), "one arrest metric per broker kind");

/// A sentence within controls.police.sentence_min_days..max_days (F16), days.
double draw_sentence_days(World& w, Stream& s) {
  return double(w.p.police_sentence_min_days) +
         s.uniform() * double(w.p.police_sentence_max_days - w.p.police_sentence_min_days);
}

/// Deterrence: peers' perceived risk rises with the sentence handed down
/// (one risk_per_arrest per year of sentence).
void deter(World& w, double& risk, double sentence_days) {
  risk = std::min(1.0, risk + w.p.risk_per_arrest * (sentence_days / 365.0));
}

/// The area's identity holders in millions (at least one person): farmers and
/// insiders are drawn from the people and the outlets, so an arrest among
/// twice the people (twice the farmers and insiders at the same densities)
/// tells each peer half as much, and perceived risk reads the arrests per
/// million holders. Exactly 1 at 1,000,000 holders.
double area_millions(const World& w) { return std::max(1.0, double(w.citizens.count)) / 1e6; }

void pay_fine(World& w, Stream& s, uint32_t account) {
  const double fine = w.p.police_fine_min_yuan + s.uniform() * (w.p.police_fine_max_yuan - w.p.police_fine_min_yuan);
  w.recorder.add(Metric::fines_paid_yuan, w.ledger.transfer(account, w.ledger.pool(Pool::State), fine));
}

/// Public-interest damages (F16), paid by convicted insiders and brokers.
void pay_damages(World& w, uint32_t account) {
  if (w.p.police_damages_yuan <= 0) return;
  w.recorder.add(Metric::damages_paid_yuan,
                 w.ledger.transfer(account, w.ledger.pool(Pool::State), w.p.police_damages_yuan));
}

void seize_all(World& w, std::vector<uint32_t>& cards) {
  for (uint32_t card : cards) w.end_card(card, CardState::Seized);
  w.recorder.add(Metric::cards_seized, double(cards.size()));
  cards.clear();
}

/// A case's card was bought by a ring for fraud calls.
bool is_rings_card(const World& w, uint32_t card) {
  return w.cards.buyer[card] >= 0 && CardUse(w.cards.use[card]) == CardUse::FraudCalls;
}

/// A case's card was bought by a SIM bank (leads from monitoring bring such cards).
bool is_sim_banks_card(const World& w, uint32_t card) {
  return w.cards.buyer[card] >= 0 && CardUse(w.cards.use[card]) == CardUse::SimBank;
}

/// Card -> the SIM bank that runs it (F24): a raid seizes the whole rack.
void trace_sim_bank(World& w, Stream& up, uint32_t card) {
  if (!is_sim_banks_card(w, card) || !up.bernoulli(w.p.police_p_sim_bank)) return;
  if (w.sim_bank_present(w.cards.buyer[card])) raid_sim_bank(w, up, w.cards.buyer[card]);
}

/// Insider -> the WeChat-group organiser they harvest codes for (F13).
void trace_organiser(World& w, Stream& up, int32_t insider) {
  if (!w.p.channel_code_harvesting || !up.bernoulli(w.p.police_p_organiser)) return;
  const int32_t org = organiser_of(w, insider);
  if (org >= 0 && w.broker_present(org)) arrest_broker(w, up, org);
}

/// Merchant -> the labour agency or data seller that sold the card's record.
void trace_supplier(World& w, Stream& up, uint32_t card) {
  const int32_t supplier = w.cards.supplier[card];
  if (supplier < 0 || !up.bernoulli(w.p.police_p_supplier)) return;
  if (w.broker_present(supplier)) arrest_broker(w, up, supplier);
}

void trace_insider_side(World& w, Stream& s, Stream& up, uint32_t card) {
  const int32_t insider = w.cards.insider[card];
  if (insider < 0 || !s.bernoulli(w.p.police_p_outlet)) return;
  if (w.insider_present(insider)) arrest_insider(w, s, insider);
  trace_organiser(w, up, insider);
}

/// Two cards (docs/model.md 19, "Police see both cards"): a reported case -> the account that
/// received its money, frozen if a ring still holds it -> the holder who sold
/// it -> the collector who assembled its kit; each step taken when the one
/// before succeeded, all drawn from the accounts' stream `a`.
void trace_account(World& w, Stream& a, uint32_t account) {
  if (!a.bernoulli(w.p.police_p_account)) return;
  freeze_traced_account(w, account);
  if (!a.bernoulli(w.p.police_p_account_seller)) return;
  arrest_account_seller(w, a, w.bank.seller[account]);
  if (!a.bernoulli(w.p.police_p_kit_collector)) return;
  const int32_t collector = w.bank.collector[account];
  if (collector_present(w, collector)) arrest_collector(w, a, collector);
}

/// The chain of docs/model.md, "Police": the steps of the traces' stream `s`
/// draw as they always did; the upstream steps draw from `up` only.
void trace_one(World& w, Stream& s, Stream& up, uint32_t card) {
  if (s.bernoulli(w.p.police_p_scammer) && is_rings_card(w, card) && w.ring_present(w.cards.buyer[card]))
    arrest_ring(w, s, w.cards.buyer[card]);
  trace_sim_bank(w, up, card);
  if (!s.bernoulli(w.p.police_p_identity)) return;
  if (w.cards.channel[card] == uint8_t(Channel::Farmer))
    arrest_farmer(w, s, w.cards.identity[card]);  // the farmer's recruiter is the card's merchant
  else
    trace_insider_side(w, s, up, card);  // the identity holder is a victim too
  const int32_t broker = w.cards.broker[card];
  if (!s.bernoulli(w.p.police_p_broker)) return;
  if (w.broker_present(broker)) arrest_broker(w, s, broker);
  trace_supplier(w, up, card);
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

struct Case {
  uint32_t card, account;  // account: kNoAccount unless the case's money went to a ring's account
};

/// Takes the first waiting case of `source` off the queue.
Case take_case(PoliceCases& q, std::size_t source) {
  const uint64_t i = q.head[source]++;
  q.day_sum[source] -= q.day[source][i];
  const auto& accounts = q.account[source];  // empty with the bank module off
  return {q.card[source][i], i < accounts.size() ? accounts[i] : kNoAccount};
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
    if (!q.account[s].empty()) q.account[s].erase(q.account[s].begin(), q.account[s].begin() + cut);
    q.head[s] = 0;
  }
}

}  // namespace

void report_case(World& w, uint32_t card, CaseSource source, uint32_t account) {
  PoliceCases& q = w.police_cases;
  const auto s = std::size_t(source);
  const uint64_t arrival = q.arrivals++;
  q.card[s].push_back(card);
  if (w.p.bank_enabled) q.account[s].push_back(account);  // two cards: the case's receiving account
  q.day[s].push_back(int32_t(w.day));
  q.order[s].push_back(arrival);
  q.day_sum[s] += w.day;
  w.recorder.add(queued_metric(source), 1);
  if (source == CaseSource::VictimReport) number_reported(w, card, arrival);
}

void trace_cases(World& w) {
  drop_old_cases(w);
  Stream s = w.stream(Phase::Police, 0);  // entity 0: the traces (rng.h)
  Stream up = w.stream(Phase::Police, kUpstreamEntity);
  // Two cards: the account steps draw from their own stream, so that with
  // their probabilities at 0 nothing else moves.
  Stream accounts = w.stream(Phase::Police, kAccountTraceEntity);
  // Capacity is a density: twice the people, twice the investigators.
  const double budget = w.p.police_capacity_per_million * double(w.citizens.count) / 1e6 + w.police_carry;
  auto n = int64_t(budget);
  w.police_carry = budget - double(n);
  while (n-- > 0) {
    const int source = next_source(w);
    if (source < 0) break;  // nothing left to trace
    const Case c = take_case(w.police_cases, std::size_t(source));
    w.recorder.add(Metric::police_cases_traced, 1);
    trace_one(w, s, up, c.card);
    if (c.account != kNoAccount) trace_account(w, accounts, c.account);
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
  pay_fine(w, s, w.ledger.pool(Pool::Farmers));
  farmer_leaves_pool(w, identity, Metric::farmers_left_arrest);
  const double sentence = draw_sentence_days(w, s);
  if (w.p.police_sentences_served) farmer_serves_sentence(w, identity, int64_t(sentence));
  deter(w, w.risk.farmer, sentence / area_millions(w));
}

void arrest_insider(World& w, Stream& s, int32_t insider) {
  w.recorder.add(Metric::arrests_insider, 1);
  pay_fine(w, s, w.ledger.insider(insider));
  pay_damages(w, w.ledger.insider(insider));
  const double sentence = draw_sentence_days(w, s);
  if (w.p.police_sentences_served)
    insider_serves_sentence(w, insider, int64_t(sentence));
  else
    replace_insider(w, insider);
  deter(w, w.risk.insider, sentence / area_millions(w));
}

void arrest_broker(World& w, Stream& s, int32_t broker) {
  const auto b = std::size_t(broker);
  w.recorder.add(Metric::arrests_broker, 1);
  w.recorder.add(kArrestsOfKind[std::size_t(w.brokers.kind[b])], 1);
  pay_fine(w, s, w.ledger.broker(broker));
  pay_damages(w, w.ledger.broker(broker));
  seize_all(w, w.brokers.stock[b]);
  seize_all(w, w.brokers.raising[b]);
  // Records held (suppliers) are seized too: the niche's next holder starts with none.
  // Peers hear of the sentence; one not served (none drawn) deters by its mean.
  double sentence = mean_sentence_days(w.p);
  if (w.p.police_sentences_served) {
    sentence = draw_sentence_days(w, s);
    broker_serves_sentence(w, broker, int64_t(sentence));
  } else {
    replace_broker(w, broker);
  }
  // Merchants' risk reads as one merchant's chance of arrest: an arrest among
  // twice as many merchants (twice the population at the same density) tells
  // each of them half as much.
  if (w.brokers.kind[b] == BrokerKind::Merchant)
    deter(w, w.risk.merchant, sentence / double(w.brokers.all(BrokerKind::Merchant).size()));
}

void arrest_ring(World& w, Stream& s, int32_t ring) {
  w.recorder.add(Metric::arrests_scammer, 1);
  pay_fine(w, s, w.ledger.ring(ring));
  seize_all(w, w.rings.fleet[std::size_t(ring)]);
  if (w.p.police_sentences_served)
    ring_serves_sentence(w, ring, int64_t(draw_sentence_days(w, s)));
  else
    replace_ring(w, ring);
}

void arrest_account_seller(World& w, Stream& s, uint32_t person) {
  w.recorder.add(Metric::bank_arrests_account_sellers, 1);
  pay_fine(w, s, w.ledger.pool(Pool::AccountSellers));
  // The two cards sanction: selling either card bars both (sanctions.*).
  if (w.p.sanctions_enabled && w.p.sanctions_covers_bank_accounts) sanction_holder(w, person);
  const double sentence = draw_sentence_days(w, s);
  if (w.p.police_sentences_served) farmer_serves_sentence(w, person, int64_t(sentence));  // barred while inside
}

void arrest_collector(World& w, Stream& s, int32_t collector) {
  w.recorder.add(Metric::bank_arrests_collectors, 1);
  pay_fine(w, s, w.ledger.pool(Pool::Collectors));
  pay_damages(w, w.ledger.pool(Pool::Collectors));
  if (w.p.police_sentences_served)
    collector_serves_sentence(w, collector, int64_t(draw_sentence_days(w, s)));
  else
    replace_collector(w, collector);
}

void raid_sim_bank(World& w, Stream& s, int32_t bank) {
  w.recorder.add(Metric::arrests_sim_bank, 1);
  pay_fine(w, s, w.ledger.sim_bank(bank));
  seize_all(w, w.sim_banks.fleet[std::size_t(bank)]);
  if (w.p.police_sentences_served)
    sim_bank_serves_sentence(w, bank, int64_t(draw_sentence_days(w, s)));
  else
    replace_sim_bank(w, bank);
}

}  // namespace cardsim
