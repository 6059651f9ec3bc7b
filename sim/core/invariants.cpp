#include "core/invariants.h"

#include "agents/citizen.h"
#include "agents/scammer.h"

#include <cmath>
#include <utility>

namespace cardsim {
namespace {

/// The detail is built only when the check fails: checks run for every card
/// and identity every day, and building messages there cost 100x the run.
template <class Detail>
void require(bool ok, const World& w, const char* invariant, Detail&& detail) {
  if (!ok) throw InvariantError(w.day, invariant, detail());
}

bool is_live(CardState s) {
  return s == CardState::Stock || s == CardState::Raising || s == CardState::InUse || s == CardState::InTransit;
}

std::string card_name(uint32_t card) { return "card " + std::to_string(card); }

/// One pass over every card made: counts by state and live cards per
/// identity (the check runs every day, and cards accumulate over a run).
struct CardTally {
  std::vector<int64_t> by_state;
  std::vector<int64_t> in_use_by_use;  // cards InUse, per CardUse
  std::vector<int32_t> live_by_identity;
};

CardTally tally_cards(const World& w) {
  CardTally t;
  t.by_state.assign(std::size_t(CardState::Count), 0);
  t.in_use_by_use.assign(std::size_t(kCardUseCount), 0);
  t.live_by_identity.assign(std::size_t(w.citizens.count), 0);
  for (uint32_t c = 0; c < w.cards.size(); ++c) {
    const uint8_t s = w.cards.state[c];
    require(s < uint8_t(CardState::Count), w, "cards by state",
            [&] { return card_name(c) + " has unknown state " + std::to_string(s); });
    t.by_state[s]++;
    if (CardState(s) == CardState::InUse) {
      const uint8_t u = w.cards.use[c];
      require(u < uint8_t(kCardUseCount), w, "cards by use",
              [&] { return card_name(c) + " is in use for unknown use " + std::to_string(u); });
      t.in_use_by_use[u]++;
    }
    if (!is_live(CardState(s))) continue;
    const uint32_t id = w.cards.identity[c];
    require(int64_t(id) < w.citizens.count, w, "cards per identity",
            [&] { return card_name(c) + " names no identity holder"; });
    t.live_by_identity[id]++;
  }
  return t;
}

void check_card_states(const World& w, const std::vector<int64_t>& recount) {
  int64_t total = 0;
  for (std::size_t s = 0; s < recount.size(); ++s) {
    require(recount[s] == w.cards_by_state[s], w, "cards by state", [&] {
      return "state " + std::to_string(s) + " holds " + std::to_string(recount[s]) + " cards but the count says " +
             std::to_string(w.cards_by_state[s]);
    });
    total += recount[s];
  }
  require(total == int64_t(w.cards.size()), w, "cards by state",
          [&] { return "states do not add up to the cards made"; });
}

/// Every card a holder keeps is in the state that holding means, so a card
/// can be neither lost nor held in two places without a named culprit.
void check_holder(const World& w, const std::vector<uint32_t>& held, CardState state, const std::string& holder) {
  for (uint32_t card : held) {
    require(card < w.cards.size(), w, "cards held",
            [&] { return holder + " holds " + card_name(card) + ", which was never made"; });
    require(w.cards.state[card] == uint8_t(state), w, "cards held",
            [&] { return holder + " holds " + card_name(card) + " in state " + std::to_string(w.cards.state[card]); });
  }
}

/// Cards of each use: the running count per use equals the card table's, the
/// uses add up to the cards InUse, and each buyer's list holds only cards of
/// its use bought by it.
void check_card_uses(const World& w, const CardTally& t) {
  int64_t in_use = 0;
  for (const CardUseSpec& spec : kCardUses) {
    const auto u = std::size_t(spec.use);
    require(t.in_use_by_use[u] == w.cards_by_use[u], w, "cards by use", [&] {
      return std::string(spec.key) + " holds " + std::to_string(t.in_use_by_use[u]) + " cards but the count says " +
             std::to_string(w.cards_by_use[u]);
    });
    in_use += w.cards_by_use[u];
    int64_t held = 0;
    const auto& fleets = use_fleets(w, spec.use);
    for (std::size_t b = 0; b < fleets.size(); ++b) {
      const std::string holder = std::string(spec.buyer) + " " + std::to_string(b);
      check_holder(w, fleets[b], CardState::InUse, holder);
      for (uint32_t card : fleets[b])
        require(w.cards.use[card] == uint8_t(u) && w.cards.buyer[card] == int32_t(b), w, "cards held",
                [&] { return holder + " holds " + card_name(card) + ", bought by another buyer or for another use"; });
      held += int64_t(fleets[b].size());
    }
    require(held == w.cards_by_use[u], w, "cards held", [&] {
      return std::string(spec.buyers) + " hold " + std::to_string(held) + " cards, the count of " + spec.key +
             " says " + std::to_string(w.cards_by_use[u]);
    });
  }
  require(in_use == t.by_state[std::size_t(CardState::InUse)], w, "cards by use", [&] {
    return "uses hold " + std::to_string(in_use) + " cards, state says " +
           std::to_string(t.by_state[std::size_t(CardState::InUse)]);
  });
}

/// Each ring's count of cards in fraud use is its fleet, and the rings'
/// attempts a day (kept as fleets change) are the sum over the rings.
void check_ring_attempts(const World& w) {
  double attempts = 0;
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r) {
    require(std::size_t(w.rings.cards_in_use[r]) == w.rings.fleet[r].size(), w, "ring attempts", [&] {
      return "ring " + std::to_string(r) + " holds " + std::to_string(w.rings.fleet[r].size()) +
             " cards but its count says " + std::to_string(w.rings.cards_in_use[r]);
    });
    attempts += ring_attempts_per_day(w, int32_t(r), w.rings.fleet[r].size());
  }
  require(std::abs(attempts - w.rings.attempts_per_day) <= 1e-6 * (1.0 + attempts), w, "ring attempts", [&] {
    return "rings make " + std::to_string(attempts) + " attempts a day but the running total says " +
           std::to_string(w.rings.attempts_per_day);
  });
}

void check_holders(const World& w, const std::vector<int64_t>& recount) {
  int64_t in_stock = 0, raising = 0;
  for (std::size_t b = 0; b < w.brokers.stock.size(); ++b) {
    check_holder(w, w.brokers.stock[b], CardState::Stock, "broker " + std::to_string(b));
    check_holder(w, w.brokers.raising[b], CardState::Raising, "broker " + std::to_string(b));
    in_stock += int64_t(w.brokers.stock[b].size());
    raising += int64_t(w.brokers.raising[b].size());
  }
  require(in_stock == recount[std::size_t(CardState::Stock)], w, "cards held", [&] {
    return "brokers stock " + std::to_string(in_stock) + " cards, state says " +
           std::to_string(recount[std::size_t(CardState::Stock)]);
  });
  require(raising == recount[std::size_t(CardState::Raising)], w, "cards held", [&] {
    return "raisers hold " + std::to_string(raising) + " cards, state says " +
           std::to_string(recount[std::size_t(CardState::Raising)]);
  });
}

// ---- regions that trade ----
/// Cards in the post: the state's count equals the cards the buyers expect,
/// and every card due to arrive from tomorrow on is still in the post.
void check_cards_in_transit(const World& w, const std::vector<int64_t>& recount) {
  int64_t expected = 0;
  for (const auto& per_buyer : w.trade.incoming)
    for (int32_t n : per_buyer) {
      require(n >= 0, w, "cards in transit", [&] { return std::string("a buyer expects a negative number of cards"); });
      expected += n;
    }
  require(expected == recount[std::size_t(CardState::InTransit)], w, "cards in transit", [&] {
    return "buyers expect " + std::to_string(expected) + " cards in the post, state says " +
           std::to_string(recount[std::size_t(CardState::InTransit)]);
  });
  for (std::size_t d = std::size_t(w.day) + 1; d < w.trade.arriving.size(); ++d)
    check_holder(w, w.trade.arriving[d], CardState::InTransit, "the post due on day " + std::to_string(d));
}
// ---- end regions that trade ----

void check_honest_cards(const World& w) {
  // Holders start with cards derived from the seed; the change since then
  // must equal what the model counted.
  int64_t legit = 0, initial = 0;
  for (int64_t i = 0; i < w.citizens.count; ++i) {
    legit += w.legit_cards(uint32_t(i));
    initial += w.initial_legit_cards(uint32_t(i));
  }
  const int64_t changed = w.legit_activated - w.legit_churned - w.legit_shut;
  require(legit - initial == changed, w, "honest cards", [&] {
    return "identities hold " + std::to_string(legit - initial) + " honest cards more than at the start, the count says " +
           std::to_string(changed);
  });
  require(w.legit_initial + changed == w.legit_live, w, "honest cards",
          [&] { return "initial + activated - churned - shut differs from live"; });
}

/// Each identity's count of live criminal cards equals the live cards made
/// in its name (the per-ID cap relies on these counts).
void check_cards_per_identity(const World& w, const std::vector<int32_t>& live) {
  for (std::size_t i = 0; i < live.size(); ++i)
    require(live[i] == w.citizens.person[i].criminal_cards(), w, "cards per identity", [&] {
      return "identity " + std::to_string(i) + " is counted with " + std::to_string(w.citizens.person[i].criminal_cards()) +
             " criminal cards but " + std::to_string(live[i]) + " live cards are in its name";
    });
}

/// Balances may be negative (victims lose money, brokers buy on credit), but
/// never NaN or infinite, and all of them add up to zero: money only moves.
void check_money(const World& w) {
  for (uint32_t a = 0; a < w.ledger.accounts(); ++a)
    require(std::isfinite(w.ledger.balance(a)), w, "money",
            [&] { return w.ledger.name_of(a) + " has balance " + std::to_string(w.ledger.balance(a)); });
  const double sum = w.ledger.sum();
  require(std::fabs(sum) <= 1e-9 * std::max(1.0, w.ledger.moved()), w, "money",
          [&] { return "balances add up to " + std::to_string(sum) + " yuan instead of 0"; });
}

// ---- income by role: money by payer and payee ----
/// Each party's balance moved today by exactly its receipts less its payments
/// in the ledger's flows by payer and payee, which the income metrics read.
void check_money_by_party(const World& w) {
  if (!w.ledger.day_opened()) return;  // restored from a snapshot: no day's flows to check yet
  const double tolerance = 1e-9 * std::max(1.0, w.ledger.moved());
  for (int p = 0; p < kPartyCount; ++p) {
    const Party party = Party(p);
    const double moved = w.ledger.party_balance(party) - w.ledger.balance_at_open(party);
    const double net = w.ledger.net_today(party);
    require(std::fabs(moved - net) <= tolerance, w, "money by party", [&] {
      return "the balance of the " + std::string(party_name(party)) + " moved by " + std::to_string(moved) +
             " yuan today but their receipts less payments are " + std::to_string(net) + " yuan";
    });
  }
}
// ---- end income by role ----

void check_prices(const World& w) {
  const double prices[] = {w.market.price_farmer, w.market.price_white, w.market.price_record,
                           w.market.price_scammer, w.market.price_face_record};
  const char* names[] = {"farmer", "white", "record", "scammer", "face record"};
  for (int i = 0; i < 5; ++i)
    require(std::isfinite(prices[i]) && prices[i] > 0, w, "prices",
            [&] { return std::string(names[i]) + " price is " + std::to_string(prices[i]); });
}

/// Quantities that drive behaviour and must stay in range: merchants' channel
/// weights (shares), unit costs, card values, perceived risk, the police queue.
// ---- entry and exit by profit ----
/// Places filled by profit (agents/entry.h): a finite recent profit, a
/// non-negative count of losing days, and a place left empty only with the rule on.
void check_places(const World& w, const char* kind, const std::vector<double>& recent,
                  const std::vector<int32_t>& losing_days, const std::vector<uint8_t>& vacant, bool rule_on,
                  const char* rule_key) {
  for (std::size_t i = 0; i < recent.size(); ++i)
    require(std::isfinite(recent[i]) && losing_days[i] >= 0 && vacant[i] <= 1 && (rule_on || !vacant[i]), w,
            "quantities in range", [&] {
              return std::string(kind) + " " + std::to_string(i) + " has recent profit " + std::to_string(recent[i]) +
                     ", " + std::to_string(losing_days[i]) + " losing days, vacant flag " +
                     std::to_string(int(vacant[i])) + " (a place is only left empty with " + rule_key + ")";
            });
}
// ---- end entry and exit by profit ----

void check_quantities(const World& w) {
  const Brokers& b = w.brokers;
  for (std::size_t i = 0; i < b.weight.size(); ++i)
    require(std::isfinite(b.weight[i]) && b.weight[i] >= 0 && b.weight[i] <= 1, w, "quantities in range", [&] {
      return "broker " + std::to_string(i / kProductionChannels) + " has channel weight " + std::to_string(b.weight[i]);
    });
  for (std::size_t i = 0; i < b.unit_cost_ema.size(); ++i)
    require(std::isfinite(b.unit_cost_ema[i]) && b.unit_cost_ema[i] >= 0, w, "quantities in range",
            [&] { return "broker " + std::to_string(i) + " has unit cost " + std::to_string(b.unit_cost_ema[i]); });
  for (std::size_t r = 0; r < w.rings.revenue_factor.size(); ++r)
    require(std::isfinite(w.rings.revenue_factor[r]) && w.rings.revenue_factor[r] > 0, w, "quantities in range", [&] {
      return "ring " + std::to_string(r) + " has revenue factor " + std::to_string(w.rings.revenue_factor[r]);
    });
  // ---- entry and exit by profit ----
  check_places(w, "ring", w.rings.recent_profit, w.rings.low_profit_days, w.rings.vacant, w.p.ring_entry_enabled,
               "scammers.entry.enabled");
  check_places(w, "broker", b.recent_profit, b.low_profit_days, b.vacant, w.p.merchant_entry_enabled,
               "brokers.entry.enabled");
  check_places(w, "insider", w.insiders.recent_profit, w.insiders.low_profit_days, w.insiders.vacant,
               w.p.insider_entry_enabled, "insiders.entry.enabled");
  require(std::isfinite(w.risk.farmer) && w.risk.farmer >= 0 && std::isfinite(w.risk.insider) && w.risk.insider >= 0, w,
          "quantities in range", [&] { return "perceived risk is negative or not finite"; });
}

// ---- police cases and cards shut by reason ----
/// A flow metric's count so far: the days recorded plus today's.
double counted_so_far(const World& w, Metric m) { return w.recorder.total(int(m)) + w.recorder.today(m); }

/// Each source's list: its head within it, its columns in step, arrivals in
/// order, the running day sum equal to the waiting cases' days; and cases are
/// conserved: queued = traced + dropped + waiting, queued = reports + leads.
void check_police_cases(const World& w) {
  const PoliceCases& q = w.police_cases;
  for (std::size_t s = 0; s < kCaseSources; ++s) {
    const auto& cards = q.card[s];
    // Two cards: the receiving accounts' column is kept only with the bank module on.
    const bool accounts_in_step = w.p.bank_enabled ? q.account[s].size() == cards.size() : q.account[s].empty();
    require(q.head[s] <= cards.size() && q.day[s].size() == cards.size() && q.order[s].size() == cards.size() &&
                accounts_in_step,
            w,
            "police cases", [&] {
              return "source " + std::to_string(s) + ": head " + std::to_string(q.head[s]) + " past its " +
                     std::to_string(cards.size()) + " cases, or its columns out of step";
            });
    int64_t day_sum = 0;
    for (uint64_t i = q.head[s]; i < cards.size(); ++i) {
      day_sum += q.day[s][i];
      require(i == q.head[s] || (q.order[s][i - 1] < q.order[s][i] && q.day[s][i - 1] <= q.day[s][i]), w,
              "police cases", [&] { return "source " + std::to_string(s) + ": case " + std::to_string(i) + " out of order"; });
    }
    require(day_sum == q.day_sum[s], w, "police cases", [&] {
      return "source " + std::to_string(s) + ": waiting cases' days add up to " + std::to_string(day_sum) +
             ", the running sum says " + std::to_string(q.day_sum[s]);
    });
  }
  const double queued = counted_so_far(w, Metric::police_reports_victims) + counted_so_far(w, Metric::police_leads_monitoring);
  const double worked = counted_so_far(w, Metric::police_cases_traced) + counted_so_far(w, Metric::police_cases_dropped);
  require(queued == double(q.arrivals) && double(q.arrivals) == worked + double(q.waiting()), w, "police cases", [&] {
    return std::to_string(q.arrivals) + " cases queued, metrics count " + std::to_string(queued) + " queued, " +
           std::to_string(worked) + " traced or dropped and " + std::to_string(q.waiting()) + " waiting";
  });
}

/// Cards shut for each reason are as many as its metric counted.
void check_cards_shut_by_reason(const World& w, const std::vector<int64_t>& recount) {
  const std::pair<CardState, Metric> reasons[] = {{CardState::ShutFraud, Metric::shutdowns_fraud},
                                                  {CardState::ShutReported, Metric::shutdowns_reported},
                                                  {CardState::ShutReverified, Metric::shutdowns_reverification},
                                                  {CardState::Seized, Metric::cards_seized}};
  // Not a structured binding: a lambda may not capture one before C++20.
  for (const auto& reason : reasons) {
    const CardState state = reason.first;
    const Metric metric = reason.second;
    require(double(recount[std::size_t(state)]) == counted_so_far(w, metric), w, "cards shut by reason", [&] {
      return "state " + std::to_string(int(state)) + " holds " + std::to_string(recount[std::size_t(state)]) +
             " cards, its metric counts " + std::to_string(counted_so_far(w, metric));
    });
  }
}
// ---- end police cases and cards shut by reason ----

void check_absent_agents(const World& w) {
  for (std::size_t b = 0; b < w.brokers.kind.size(); ++b)
    require(w.broker_present(int32_t(b)) ||
                (w.brokers.stock[b].empty() && w.brokers.raising[b].empty() && w.brokers.records[b].empty()),
            w, "arrested agents inactive",
            [&] { return "broker " + std::to_string(b) + " holds cards or records while arrested"; });
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r)
    require(w.ring_present(int32_t(r)) || w.rings.fleet[r].empty(), w, "arrested agents inactive",
            [&] { return "ring " + std::to_string(r) + " uses cards while broken"; });
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i)
    require(w.insider_present(int32_t(i)) || w.insiders.white_left_today[i] == 0, w, "arrested agents inactive",
            [&] { return "insider " + std::to_string(i) + " sells white cards while arrested"; });
}

// ---- known sellers (agents/farmer_pool.cpp) ----
/// The farmer pool's known sellers: each listed once, in their own region,
/// flagged Citizens::kFarmer, with a band whose count includes them, and
/// with a slot that points at their place in the list; no one else has a
/// slot. Bounds are checked before each read, so that a damaged snapshot is
/// refused here rather than read out of range.
void check_known_sellers(const World& w) {
  const FarmerPool& f = w.farmer_pool;
  const Citizens& c = w.citizens;
  constexpr int kBands = FarmerPool::kBands;
  require(f.known.size() == std::size_t(w.p.regions) && f.known_band.size() == f.known.size() &&
              f.known_by_band.size() == std::size_t(w.p.regions) * std::size_t(kBands) &&
              c.known_seller_slot.size() == std::size_t(c.count),
          w, "known sellers",
          [&] { return std::string("the known sellers' lists are not one per region, or the slots not one per holder"); });
  std::vector<int64_t> by_band(f.known_by_band.size(), 0);
  int64_t listed = 0;
  for (std::size_t r = 0; r < f.known.size(); ++r) {
    require(f.known[r].size() == f.known_band[r].size(), w, "known sellers",
            [&] { return "region " + std::to_string(r) + " lists known sellers and bands of different lengths"; });
    for (std::size_t i = 0; i < f.known[r].size(); ++i) {
      const uint32_t person = f.known[r][i];
      const int32_t band = f.known_band[r][i];
      const auto name = [&] { return "known seller " + std::to_string(i) + " of region " + std::to_string(r); };
      require(int64_t(person) < c.count && std::size_t(w.region_of(person)) == r && band >= 0 && band < kBands, w,
              "known sellers", [&] { return name() + " is not a holder of that region with a reservation band"; });
      require(c.person[person].flags() & Citizens::kFarmer, w, "known sellers",
              [&] { return name() + " (identity " + std::to_string(person) + ") is not flagged as a farmer"; });
      require(c.known_seller_slot[person] == i + 1, w, "known sellers", [&] {
        return name() + " (identity " + std::to_string(person) + ") has slot " +
               std::to_string(c.known_seller_slot[person]) + ", not its place in the list + 1";
      });
      by_band[r * std::size_t(kBands) + std::size_t(band)]++;
      ++listed;
    }
  }
  require(by_band == f.known_by_band, w, "known sellers",
          [&] { return std::string("the known sellers' count by band differs from a recount of the lists"); });
  int64_t slots = 0;
  for (int64_t i = 0; i < c.count; ++i) slots += c.known_seller_slot[std::size_t(i)] != 0;
  require(slots == listed, w, "known sellers", [&] {
    return std::to_string(slots) + " holders have a known seller's slot, " + std::to_string(listed) + " are listed";
  });
}
// ---- end known sellers ----

/// Every per-member array of one part (core/fields.h) has as many entries as
/// the first one: a field that one code path forgets to grow (a card made
/// without its commission day) is found the day it happens.
class MemberCount {
 public:
  MemberCount(const World& w, const char* part) : w_(w), part_(part) {}
  template <class T, class A> void array(const std::string& name, const std::vector<T, A>& v, Extent e) {
    if (e == Extent::PerMember) same_length(name, v.size());
  }
  template <class T> void scalar(const std::string&, const T&) {}
  template <class T> void nested(const std::string& name, const std::vector<std::vector<T>>& vv) {
    same_length(name, vv.size());
  }

 private:
  void same_length(const std::string& name, std::size_t n) {
    if (first_.empty()) {
      first_ = name;
      count_ = n;
      return;
    }
    require(n == count_, w_, "parts' arrays in step", [&] {
      return std::string(part_) + ": field " + name + " holds " + std::to_string(n) + " entries but " + first_ +
             " holds " + std::to_string(count_);
    });
  }
  const World& w_;
  const char* part_;
  std::string first_;
  std::size_t count_ = 0;
};

template <class Part> void check_member_counts(const World& w, const Part& part, const char* name) {
  MemberCount count(w, name);
  visit_fields(count, part);
}

void check_parts_in_step(const World& w) {
  check_member_counts(w, w.cards, "cards");
  check_member_counts(w, w.outlets, "outlets");
  check_member_counts(w, w.insiders, "insiders");
  check_member_counts(w, w.brokers, "brokers");
  check_member_counts(w, w.rings, "rings");
  check_member_counts(w, w.sim_banks, "sim_banks");
}

}  // namespace

// ---- two cards: accounts by state, and where victims' money went (agents/bank.cpp) ----
/// Every account is in exactly one state; the running counts equal a recount;
/// an account in a kit is in its collector's list and one in use in its
/// ring's list, and each list holds only such accounts, each once.
void check_account_states(const World& w) {
  const Bank& b = w.bank;
  std::vector<int64_t> recount(std::size_t(AccountState::Count), 0);
  for (uint32_t a = 0; a < b.size(); ++a) {
    require(b.state[a] < uint8_t(AccountState::Count), w, "accounts by state",
            [&] { return "account " + std::to_string(a) + " has unknown state " + std::to_string(b.state[a]); });
    recount[b.state[a]]++;
  }
  for (std::size_t s = 0; s < recount.size(); ++s)
    require(recount[s] == b.by_state[s], w, "accounts by state", [&] {
      return "state " + std::to_string(s) + " holds " + std::to_string(recount[s]) + " accounts but the count says " +
             std::to_string(b.by_state[s]);
    });
  const auto check_lists = [&](const std::vector<std::vector<uint32_t>>& lists, AccountState state, const char* who) {
    int64_t listed = 0;
    for (std::size_t h = 0; h < lists.size(); ++h)
      for (const uint32_t a : lists[h]) {
        require(a < b.size() && b.state[a] == uint8_t(state) && b.holder[a] == int32_t(h), w, "accounts held", [&] {
          return std::string(who) + " " + std::to_string(h) + " lists account " + std::to_string(a) +
                 " that is not in its hands";
        });
        ++listed;
      }
    require(listed == b.by_state[std::size_t(state)], w, "accounts held", [&] {
      return std::to_string(listed) + " accounts in " + who + "s' lists but " +
             std::to_string(b.by_state[std::size_t(state)]) + " in their state";
    });
  };
  check_lists(b.kits, AccountState::InKit, "collector");
  check_lists(b.ring_accounts, AccountState::InUse, "ring");
  for (uint32_t a = 0; a < b.size(); ++a)
    require(b.funds[a] == 0 && b.receipts_today[a] == 0 && b.reports_today[a] == 0, w, "accounts held", [&] {
      return "account " + std::to_string(a) + " ends the day with " + std::to_string(b.funds[a]) + " yuan not cashed out";
    });
}

/// Victims' money today = other routes + cashed out + frozen and kept +
/// frozen and returned to victims: with every account's funds cashed out or
/// frozen at the day's end, none is held over.
void check_victims_money(const World& w) {
  const Recorder& r = w.recorder;
  const double lost = r.today(Metric::fraud_losses_yuan);
  const double went = r.today(Metric::bank_other_routes_yuan) + r.today(Metric::bank_cashout_yuan) +
                      r.today(Metric::bank_funds_frozen_yuan) + r.today(Metric::bank_funds_recovered_yuan);
  require(std::fabs(lost - went) <= 1e-9 * std::max(1.0, lost), w, "victims' money", [&] {
    return "victims lost " + std::to_string(lost) + " yuan today but " + std::to_string(went) +
           " yuan went to other routes, cash-out, frozen funds and funds returned to victims";
  });
}

void check_bank(const World& w) {
  if (!w.p.bank_enabled) return;
  check_account_states(w);
  check_victims_money(w);
  const double prices[] = {w.bank.price_seller, w.bank.price_kit};
  for (const double price : prices)
    require(std::isfinite(price) && price > 0, w, "prices",
            [&] { return "a bank price (seller's pay or kit) is " + std::to_string(price); });
}
// ---- end two cards ----

// ---- refused honest customers waiting to try again (agents/citizen.cpp) ----
/// Each waiting retry names a holder of the area, first refused on or
/// before today, due after today (a day's list is emptied when its retries
/// are made).
void check_honest_retries(const World& w) {
  for (std::size_t d = 0; d < w.honest_retry_due.size(); ++d)
    for (const uint64_t packed : w.honest_retry_due[d]) {
      const Retry r = unpack_retry(packed);
      require(int64_t(r.identity) < w.citizens.count && r.first_refused <= w.day && int64_t(d) > r.first_refused, w,
              "honest retries", [&] {
                return "a retry due on day " + std::to_string(d) + " names identity " + std::to_string(r.identity) +
                       " first refused on day " + std::to_string(r.first_refused);
              });
    }
}

void check_invariants(const World& w) {
  check_parts_in_step(w);
  const CardTally tally = tally_cards(w);
  check_card_states(w, tally.by_state);
  check_holders(w, tally.by_state);
  check_card_uses(w, tally);
  check_ring_attempts(w);
  check_cards_in_transit(w, tally.by_state);
  check_honest_cards(w);
  check_cards_per_identity(w, tally.live_by_identity);
  check_money(w);
  check_money_by_party(w);
  check_prices(w);
  check_quantities(w);
  check_absent_agents(w);
  check_police_cases(w);
  check_cards_shut_by_reason(w, tally.by_state);
  check_bank(w);
  check_known_sellers(w);
  check_honest_retries(w);
}

}  // namespace cardsim
