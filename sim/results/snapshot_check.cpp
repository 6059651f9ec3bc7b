#include "results/snapshot_check.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/invariants.h"
#include "scenario/scenario.h"

namespace cardsim {
namespace {

/// Where a refusal points: the file and replicate, then the field.
struct Refuse {
  const std::string& what;
  [[noreturn]] void operator()(const std::string& field, const std::string& why) const {
    throw InputError(what + ": field '" + field + "' " + why + " (damaged or altered snapshot)");
  }
};

template <class V>
void require_length(const Refuse& refuse, const std::string& field, const V& v, std::size_t n) {
  if (v.size() != n)
    refuse(field, "holds " + std::to_string(v.size()) + " entries, expected " + std::to_string(n));
}

/// Every value of `v` in [lo, hi).
template <class V>
void require_indices(const Refuse& refuse, const std::string& field, const V& v, int64_t lo, int64_t hi) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto x = int64_t(v[i]);
    if (x < lo || x >= hi)
      refuse(field, "entry " + std::to_string(i) + " is " + std::to_string(x) + ", outside [" + std::to_string(lo) +
                        ", " + std::to_string(hi) + ")");
  }
}

template <class V>
void require_nested_indices(const Refuse& refuse, const std::string& field, const std::vector<V>& lists, int64_t hi) {
  for (std::size_t i = 0; i < lists.size(); ++i)
    require_indices(refuse, field + "[" + std::to_string(i) + "]", lists[i], 0, hi);
}

template <class V>
void require_finite(const Refuse& refuse, const std::string& field, const V& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(double(v[i]))) refuse(field, "entry " + std::to_string(i) + " is not a finite number");
}

/// What the parameters, seed and replicate fix when the world is built:
/// the snapshot must hold exactly that.
void check_built_structure(const Refuse& refuse, const World& w, const World& built) {
  if (w.seed != built.seed) refuse("world.seed", "differs from the snapshot's seed");
  if (w.replicate != built.replicate) refuse("world.replicate", "differs from the replicate it is stored as");
  if (w.citizens.count != built.citizens.count) refuse("citizens.count", "differs from the population");
  auto same = [&](const std::string& field, bool equal) {
    if (!equal) refuse(field, "differs from the world these parameters and seed build");
  };
  same("outlets.region", w.outlets.region == built.outlets.region);
  same("outlets.carrier", w.outlets.carrier == built.outlets.carrier);
  same("outlets.insider", w.outlets.insider == built.outlets.insider);
  same("outlets.region_first", w.outlets.region_first == built.outlets.region_first);
  same("insiders.outlet", w.insiders.outlet == built.insiders.outlet);
  same("brokers.kind", w.brokers.kind == built.brokers.kind);
  same("brokers.region", w.brokers.region == built.brokers.region);
  same("brokers.insiders", w.brokers.insiders == built.brokers.insiders);
  same("world.initial_cards_cdf", w.initial_cards_cdf == built.initial_cards_cdf);
  same("world.initial_cards_key", w.initial_cards_key == built.initial_cards_key);
  same("trade.home", w.trade.home == built.trade.home);
}

/// Arrays with one entry per agent keep the length they were built with.
void check_agent_lengths(const Refuse& refuse, const World& w, const World& built) {
  const auto& o = w.outlets;
  for (const auto* v : {&o.cap_window_start, &o.cap_count, &o.burst_day, &o.burst_count})
    require_length(refuse, "outlets", *v, built.outlets.region.size());
  const auto& in = w.insiders;
  const std::size_t insiders = built.insiders.outlet.size();
  require_length(refuse, "insiders.reservation", in.reservation, insiders);
  require_length(refuse, "insiders.shares_login", in.shares_login, insiders);
  for (const auto* v : {&in.vacant_until, &in.last_business_day, &in.white_left_today, &in.raiser, &in.convictions})
    require_length(refuse, "insiders", *v, insiders);
  const auto& b = w.brokers;
  const std::size_t brokers = built.brokers.kind.size();
  require_length(refuse, "brokers.absent_until", b.absent_until, brokers);
  require_length(refuse, "brokers.stock", b.stock, brokers);
  require_length(refuse, "brokers.records", b.records, brokers);
  require_length(refuse, "brokers.raising", b.raising, brokers);
  require_length(refuse, "brokers.weight", b.weight, built.brokers.weight.size());
  require_length(refuse, "brokers.profit_ema", b.profit_ema, built.brokers.profit_ema.size());
  require_length(refuse, "brokers.unit_cost_ema", b.unit_cost_ema, built.brokers.unit_cost_ema.size());
  require_length(refuse, "brokers.effort", b.effort, built.brokers.effort.size());
  require_length(refuse, "brokers.raising_profit_ema", b.raising_profit_ema, brokers);
  require_length(refuse, "brokers.convictions", b.convictions, brokers);
  // ---- entry and exit by profit: insiders ----
  require_length(refuse, "insiders.balance_seen", w.insiders.balance_seen, insiders);
  require_length(refuse, "insiders.recent_profit", w.insiders.recent_profit, insiders);
  require_length(refuse, "insiders.low_profit_days", w.insiders.low_profit_days, insiders);
  require_length(refuse, "insiders.vacant", w.insiders.vacant, insiders);
  // ---- entry and exit by profit: merchants ----
  require_length(refuse, "brokers.worth_seen", b.worth_seen, brokers);
  require_length(refuse, "brokers.recent_profit", b.recent_profit, brokers);
  require_length(refuse, "brokers.low_profit_days", b.low_profit_days, brokers);
  require_length(refuse, "brokers.vacant", b.vacant, brokers);
  const auto& r = w.rings;
  require_length(refuse, "rings.fleet", r.fleet, built.rings.fleet.size());
  require_length(refuse, "sim_banks.fleet", w.sim_banks.fleet, built.sim_banks.fleet.size());
  require_length(refuse, "sim_banks.absent_until", w.sim_banks.absent_until, built.sim_banks.fleet.size());
  require_length(refuse, "sim_banks.convictions", w.sim_banks.convictions, built.sim_banks.fleet.size());
  require_length(refuse, "rings.revenue_factor", r.revenue_factor, built.rings.revenue_factor.size());
  require_length(refuse, "rings.absent_until", r.absent_until, built.rings.absent_until.size());
  require_length(refuse, "rings.convictions", r.convictions, built.rings.fleet.size());
  // ---- entry and exit by profit ----
  require_length(refuse, "rings.profit_today", r.profit_today, built.rings.fleet.size());
  require_length(refuse, "rings.recent_profit", r.recent_profit, built.rings.fleet.size());
  require_length(refuse, "rings.low_profit_days", r.low_profit_days, built.rings.fleet.size());
  require_length(refuse, "rings.vacant", r.vacant, built.rings.fleet.size());
  require_length(refuse, "citizens.person", w.citizens.person, built.citizens.person.size());
  require_length(refuse, "citizens.velocity", w.citizens.velocity, built.citizens.velocity.size());
  require_length(refuse, "citizens.known_seller_slot", w.citizens.known_seller_slot,
                 built.citizens.known_seller_slot.size());
}

void check_books_lengths(const Refuse& refuse, const World& w, const World& built) {
  if (w.ledger.accounts() != built.ledger.accounts())
    refuse("ledger.balances", "holds " + std::to_string(w.ledger.accounts()) + " accounts, expected " +
                                  std::to_string(built.ledger.accounts()));
  require_length(refuse, "world.cards_by_state", w.cards_by_state, std::size_t(CardState::Count));
  require_length(refuse, "world.cards_by_use", w.cards_by_use, std::size_t(kCardUseCount));
  require_length(refuse, "world.shutdown_due", w.shutdown_due, built.shutdown_due.size());
  require_length(refuse, "world.commission_due", w.commission_due, built.commission_due.size());
  require_length(refuse, "world.reported_shutdown_due", w.reported_shutdown_due, built.reported_shutdown_due.size());
  require_length(refuse, "world.honest_commission_due", w.honest_commission_due, built.honest_commission_due.size());
}

/// The card table: every column as long as the others, every reference to
/// an agent or account in range, every state and channel known.
void check_cards(const Refuse& refuse, const World& w) {
  const Cards& c = w.cards;
  const std::size_t n = c.state.size();
  if (n >= kNone) refuse("cards.state", "holds more cards than card numbers can address");
  require_length(refuse, "cards.channel", c.channel, n);
  require_length(refuse, "cards.identity", c.identity, n);
  require_length(refuse, "cards.outlet", c.outlet, n);
  require_length(refuse, "cards.broker", c.broker, n);
  require_length(refuse, "cards.insider", c.insider, n);
  require_length(refuse, "cards.use", c.use, n);
  require_length(refuse, "cards.buyer", c.buyer, n);
  require_length(refuse, "cards.activation_day", c.activation_day, n);
  require_length(refuse, "cards.commission_day", c.commission_day, n);
  require_length(refuse, "cards.commission_payee", c.commission_payee, n);
  require_length(refuse, "cards.commission_paid", c.commission_paid, n);
  require_length(refuse, "cards.supplier", c.supplier, n);
  require_indices(refuse, "cards.channel", c.channel, 0, int64_t(Channel::Count));
  require_indices(refuse, "cards.state", c.state, 0, int64_t(CardState::Count));
  require_indices(refuse, "cards.identity", c.identity, 0, w.citizens.count);
  require_indices(refuse, "cards.outlet", c.outlet, 0, w.outlet_count());
  require_indices(refuse, "cards.broker", c.broker, -1, int64_t(w.brokers.kind.size()));
  require_indices(refuse, "cards.insider", c.insider, -1, int64_t(w.insiders.outlet.size()));
  require_indices(refuse, "cards.supplier", c.supplier, -1, int64_t(w.brokers.kind.size()));
  require_indices(refuse, "cards.use", c.use, 0, int64_t(kCardUseCount));
  std::size_t most_buyers = 0;
  for (int u = 0; u < kCardUseCount; ++u) most_buyers = std::max(most_buyers, use_fleets(w, CardUse(u)).size());
  require_indices(refuse, "cards.buyer", c.buyer, -1, int64_t(most_buyers));
  require_indices(refuse, "cards.activation_day", c.activation_day, 0, w.day + 1);
  require_indices(refuse, "cards.commission_day", c.commission_day, -1, int64_t(w.horizon()));
  require_finite(refuse, "cards.commission_paid", c.commission_paid);
  for (std::size_t i = 0; i < n; ++i)
    if (c.commission_payee[i] != kNone && c.commission_payee[i] >= w.ledger.accounts())
      refuse("cards.commission_payee", "entry " + std::to_string(i) + " names no ledger account");
}

/// The criminal bank accounts (two cards): every column as long as the
/// others, states known, sellers among the holders, holders among the
/// collectors or rings, kits' lists naming accounts (the invariants then
/// check each account against its holder's list and the counts by state).
/// The lists' and counts' lengths are fixed when the world is built.
void check_bank_accounts(const Refuse& refuse, const World& w) {
  const Bank& b = w.bank;
  const std::size_t n = b.state.size();
  require_length(refuse, "bank.seller", b.seller, n);
  require_length(refuse, "bank.holder", b.holder, n);
  require_length(refuse, "bank.funds", b.funds, n);
  require_length(refuse, "bank.receipts_today", b.receipts_today, n);
  require_length(refuse, "bank.reports_today", b.reports_today, n);
  require_length(refuse, "bank.collector", b.collector, n);
  require_indices(refuse, "bank.state", b.state, 0, int64_t(AccountState::Count));
  require_indices(refuse, "bank.seller", b.seller, 0, w.citizens.count);
  // A collector holds an account in a kit or seized with its kit; a ring
  // holds the others (in use, frozen in its hands, closed when it left).
  const auto collectors = int64_t(b.kits.size()), rings = int64_t(w.rings.fleet.size());
  for (std::size_t a = 0; a < n; ++a) {
    const auto state = AccountState(b.state[a]);
    const int64_t holders = state == AccountState::InKit || state == AccountState::Seized ? collectors : rings;
    if (b.holder[a] < 0 || b.holder[a] >= holders)
      refuse("bank.holder", "entry " + std::to_string(a) + " is " + std::to_string(b.holder[a]) + ", outside [0, " +
                                std::to_string(holders) + ") for an account in state " + std::to_string(b.state[a]));
  }
  require_indices(refuse, "bank.collector", b.collector, 0, collectors);
  require_finite(refuse, "bank.funds", b.funds);
  require_nested_indices(refuse, "bank.kits", b.kits, int64_t(n));
  require_nested_indices(refuse, "bank.ring_accounts", b.ring_accounts, int64_t(n));
}

/// The police cases: one list per source, columns in step, heads within
/// them, cards made, days not after today (the invariants then check order
/// and running sums).
void check_police_cases(const Refuse& refuse, const World& w) {
  const PoliceCases& q = w.police_cases;
  require_length(refuse, "world.police_cases.card", q.card, kCaseSources);
  require_length(refuse, "world.police_cases.account", q.account, kCaseSources);
  require_length(refuse, "world.police_cases.day", q.day, kCaseSources);
  require_length(refuse, "world.police_cases.order", q.order, kCaseSources);
  require_length(refuse, "world.police_cases.head", q.head, kCaseSources);
  require_length(refuse, "world.police_cases.day_sum", q.day_sum, kCaseSources);
  require_nested_indices(refuse, "world.police_cases.card", q.card, int64_t(w.cards.size()));
  require_nested_indices(refuse, "world.police_cases.day", q.day, w.day + 1);
  for (std::size_t s = 0; s < kCaseSources; ++s) {
    const std::string source = "[" + std::to_string(s) + "]";
    require_length(refuse, "world.police_cases.day" + source, q.day[s], q.card[s].size());
    require_length(refuse, "world.police_cases.order" + source, q.order[s], q.card[s].size());
    if (q.head[s] > q.card[s].size()) refuse("world.police_cases.head", "points past the end of the police queue");
    for (uint64_t order : q.order[s])
      if (order >= q.arrivals) refuse("world.police_cases.order" + source, "names a case that never arrived");
    for (const uint32_t account : q.account[s])  // two cards: the case's receiving account
      if (account != kNoAccount && account >= w.bank.size())
        refuse("world.police_cases.account" + source, "names account " + std::to_string(account) + ", never opened");
  }
}

/// Lists of cards and identities held by agents or waiting for an event.
void check_references(const Refuse& refuse, const World& w) {
  const int64_t cards = int64_t(w.cards.size());
  require_nested_indices(refuse, "brokers.stock", w.brokers.stock, cards);
  require_nested_indices(refuse, "brokers.raising", w.brokers.raising, cards);
  require_nested_indices(refuse, "brokers.records", w.brokers.records, w.citizens.count);
  for (const CardUseSpec& u : kCardUses)
    require_nested_indices(refuse, u.fleets, use_fleets(w, u.use), cards);
  require_nested_indices(refuse, "world.shutdown_due", w.shutdown_due, cards);
  require_nested_indices(refuse, "world.commission_due", w.commission_due, cards);
  require_nested_indices(refuse, "world.reported_shutdown_due", w.reported_shutdown_due, cards);
  check_police_cases(refuse, w);
  require_indices(refuse, "insiders.raiser", w.insiders.raiser, -1, int64_t(w.brokers.kind.size()));
  // The sanctioned: identities in range, ascending (under_sanction searches
  // them), each with the day their bar ends.
  const FarmerPool& f = w.farmer_pool;
  require_indices(refuse, "farmer_pool.sanctioned", f.sanctioned, 0, w.citizens.count);
  require_length(refuse, "farmer_pool.sanctioned_until", f.sanctioned_until, f.sanctioned.size());
  if (std::adjacent_find(f.sanctioned.begin(), f.sanctioned.end(), std::greater_equal<uint32_t>()) != f.sanctioned.end())
    refuse("farmer_pool.sanctioned", "is not in ascending order of identity");
  for (std::size_t i = 0; i < w.insiders.shares_login.size(); ++i)
    if (w.insiders.shares_login[i] > 1) refuse("insiders.shares_login", "entry " + std::to_string(i) + " is not 0 or 1");
}

/// Identity holders' packed counts stay within the per-ID cap's range.
void check_identities(const Refuse& refuse, const World& w) {
  for (int64_t i = 0; i < w.citizens.count; ++i) {
    const Identity& id = w.citizens.person[std::size_t(i)];
    if (id.legit_stored() > Identity::kMaxCards + 1 || id.criminal_cards() > Identity::kMaxCards)
      refuse("citizens.person", "identity " + std::to_string(i) + " holds more cards than the cap allows");
  }
}

void check_numbers(const Refuse& refuse, const World& w) {
  require_finite(refuse, "insiders.reservation", w.insiders.reservation);
  require_finite(refuse, "brokers.profit_ema", w.brokers.profit_ema);
  require_finite(refuse, "brokers.effort", w.brokers.effort);
  require_finite(refuse, "brokers.raising_profit_ema", w.brokers.raising_profit_ema);
  if (!std::isfinite(w.police_carry) || w.police_carry < 0) refuse("world.police_carry", "is negative or not finite");
  for (std::size_t i = 0; i < w.cards_by_state.size(); ++i)
    if (w.cards_by_state[i] < 0) refuse("world.cards_by_state", "holds a negative count");
}

}  // namespace

void check_restored_world(const World& restored, const World& built, int64_t day, const std::string& what) {
  const Refuse refuse{what};
  if (restored.day != day || day < 0 || day > built.p.days)
    refuse("world.day", "is " + std::to_string(restored.day) + ", but the snapshot was taken after day " +
                            std::to_string(day) + " of " + std::to_string(built.p.days));
  if (restored.recorder.days_done() != restored.day)
    refuse("recorder.days_done", "differs from the day the snapshot was taken");
  check_built_structure(refuse, restored, built);
  check_agent_lengths(refuse, restored, built);
  check_books_lengths(refuse, restored, built);
  check_cards(refuse, restored);
  check_bank_accounts(refuse, restored);
  check_references(refuse, restored);
  check_identities(refuse, restored);
  check_numbers(refuse, restored);
  // Everything is in range: now the model's own conservation laws (cards by
  // state and holder, honest cards, money adding up to zero, prices).
  try {
    check_invariants(restored);
  } catch (const InvariantError& e) {
    throw InputError(what + ": " + e.what() + " (damaged or altered snapshot)");
  }
}

}  // namespace cardsim
