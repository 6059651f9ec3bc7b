#include "agents/bank.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "agents/farmer_pool.h"
#include "agents/scammer.h"
#include "core/identity_lookahead.h"
#include "core/market.h"
#include "scenario/populations.h"

namespace cardsim {
namespace {

/// Phase::Bank entities beyond the collectors' and rings' ranges
/// (core/rng.h): the day's monitoring of criminal accounts, honest freezes,
/// and the kit market's order of service.
constexpr uint64_t kMonitoringEntity = 0, kHonestFreezeEntity = 1, kKitMarketEntity = 2;

void set_account_state(World& w, uint32_t account, AccountState to) {
  Bank& b = w.bank;
  --b.by_state[b.state[account]];
  ++b.by_state[std::size_t(to)];
  b.state[account] = uint8_t(to);
}

double kits_in_stock(const Bank& b) {
  double kits = 0;
  for (const auto& k : b.kits) kits += double(k.size());
  return kits;
}

/// Chance that one receipt is flagged by transaction monitoring.
double monitoring_flag_probability(const Params& p) { return p.bank_monitoring_review_share * p.bank_monitoring_sensitivity; }

/// One collector's contacts of the day, kept apart from the shared state
/// (the accounts, the ledger, the day's tallies) until they are opened in
/// collector order (open_accounts): collectors' contacts can then run at
/// once on a replicate's block threads.
struct CollectorDay {
  std::vector<uint32_t> sellers;  // holders whose accounts the bank opened, in contact order
  int64_t order = 0;              // kits short of bank.collector_target_stock
  int64_t reached = 0, refused = 0, opening_refused = 0, used = 0;
  bool active = false;  // present, with holders to reach
};

/// Accounts `person` has opened for sale so far: those the bank holds and
/// those opened today for the collector whose contacts are running
/// (`pending`). O(accounts): criminal accounts are few, and only the opening
/// controls ask.
int64_t accounts_opened_by(const World& w, uint32_t person, const std::vector<uint32_t>& pending) {
  return std::count(w.bank.seller.begin(), w.bank.seller.end(), person) +
         std::count(pending.begin(), pending.end(), person);
}

/// Whether an opening's checks read accounts other collectors open the same
/// day (the limits per person): then each collector's accounts are opened
/// before the next collector's contacts run.
bool opening_counts_accounts(const Params& p) {
  return p.bank_opening_max_accounts > 0 || p.bank_opening_extra_check_from > 0;
}

/// The bank's checks at opening, in order: the two cards sanction, the
/// limit of accounts per person, the extra check for holders of many
/// accounts, then the check every opening faces. The controls that are off
/// draw nothing, so that switching them on moves no other draw.
bool opening_refused(const World& w, Stream& s, uint32_t person, const std::vector<uint32_t>& pending) {
  const Params& p = w.p;
  if (p.sanctions_enabled && p.sanctions_covers_bank_accounts && under_sanction(w, person)) return true;
  if (opening_counts_accounts(p)) {
    const int64_t opened = accounts_opened_by(w, person, pending);
    if (p.bank_opening_max_accounts > 0 && opened >= p.bank_opening_max_accounts) return true;
    if (p.bank_opening_extra_check_from > 0 && opened >= p.bank_opening_extra_check_from &&
        s.bernoulli(p.bank_opening_extra_check_refusal))
      return true;
  }
  return s.bernoulli(p.bank_opening_refusal);
}

/// Opens the account `person` sold to collector `c`: it is paid today's
/// seller's pay, and the collector completes the kit at
/// bank.kit_assembly_cost_yuan.
void open_account(World& w, int32_t c, uint32_t person) {
  Bank& b = w.bank;
  const auto account = b.size();
  b.state.push_back(uint8_t(AccountState::InKit));
  ++b.by_state[std::size_t(AccountState::InKit)];
  b.seller.push_back(person);
  b.holder.push_back(c);
  b.funds.push_back(0.0);
  b.receipts_today.push_back(0);
  b.reports_today.push_back(0);
  b.collector.push_back(c);
  b.kits[std::size_t(c)].push_back(account);
  const uint32_t collectors = w.ledger.pool(Pool::Collectors);
  w.ledger.transfer(collectors, w.ledger.pool(Pool::AccountSellers), b.price_seller);
  w.ledger.transfer(collectors, w.ledger.pool(Pool::Suppliers), w.p.bank_kit_assembly_cost_yuan);
  b.seller_obtained += 1;
  w.recorder.add(Metric::bank_accounts_sold, 1);
}

/// Whether a holder reached is willing to sell their account at some price:
/// card farmers always are (the same people sell both cards); others with
/// bank.seller_willing_share. One draw either way.
bool willing_to_sell_account(const World& w, Stream& s, uint32_t person) {
  const bool drawn = s.bernoulli(w.p.bank_seller_willing_share);
  return drawn || (w.citizens.person[person].flags() & Citizens::kFarmer);
}

/// Whether collector `c` restocks today: present (an arrested collector's
/// niche is empty and draws nothing), with holders to reach.
bool collector_restocks_today(const World& w, int32_t c) { return collector_present(w, c) && w.citizens.count > 0; }

/// Kits collector `c` is short of bank.collector_target_stock.
int64_t kits_to_order(const World& w, int32_t c) {
  return std::max<int64_t>(0, w.p.bank_collector_target_stock - int64_t(w.bank.kits[std::size_t(c)].size()));
}

/// Collector `c`'s contacts towards bank.collector_target_stock, at most
/// bank.collector_contacts_per_day holders, into `day`. Reads the world
/// only: the accounts are opened afterwards (open_accounts).
void collector_contacts(const World& w, Stream& s, int32_t c, CollectorDay& day) {
  day.sellers.clear();  // kept between days: its room is reused
  day.order = day.reached = day.refused = day.opening_refused = day.used = 0;
  day.active = false;
  if (!collector_restocks_today(w, c)) return;
  day.active = true;
  day.order = kits_to_order(w, c);
  for (; day.used < w.p.bank_collector_contacts_per_day && int64_t(day.sellers.size()) < day.order; ++day.used) {
    const uint32_t person = w.random_identity(s);
    if (!willing_to_sell_account(w, s, person)) continue;
    day.reached += 1;
    // The holder's own price plus the arrest cost per account sold that
    // sellers have seen (0 before any arrest).
    const double asking = w.p.bank_seller_reservation_median_yuan * std::exp(w.p.bank_seller_reservation_sigma * s.normal()) +
                          seller_risk_premium_yuan(w);
    if (asking > w.bank.price_seller) {
      day.refused += 1;
      continue;
    }
    if (opening_refused(w, s, person, day.sellers))
      day.opening_refused += 1;
    else
      day.sellers.push_back(person);
  }
}

/// Collector `c`'s day made real: its accounts opened, in contact order, and
/// its contacts counted in the day's tallies.
void open_accounts(World& w, int32_t c, const CollectorDay& day) {
  if (!day.active) return;
  Bank& b = w.bank;
  b.seller_ordered += double(day.order);
  b.contacts_cap += double(w.p.bank_collector_contacts_per_day);
  b.seller_reached += double(day.reached);
  b.seller_refused += double(day.refused);
  b.contacts_used += double(day.used);
  if (day.opening_refused > 0) w.recorder.add(Metric::bank_accounts_opening_refused, double(day.opening_refused));
  for (const uint32_t person : day.sellers) open_account(w, c, person);
}

/// The holders collector `c` reaches today if none of them is willing to
/// sell, drawn from a copy of its stream `s` (each contact draws a holder,
/// then whether they are willing). With bank.seller_willing_share small
/// these are nearly always the holders collector_contacts reaches; after a
/// willing one its draws move on and the rest are wrong guesses, which cost
/// a wasted read and change nothing.
void guess_contacts(const World& w, Stream s, int32_t c, std::vector<uint32_t>& out) {
  if (!collector_restocks_today(w, c) || kits_to_order(w, c) == 0) return;
  for (int64_t k = 0; k < w.p.bank_collector_contacts_per_day; ++k) {
    out.push_back(w.random_identity(s));
    s.next_u64();  // the willingness draw
  }
}

Stream collector_stream(const World& w, std::size_t c) { return w.stream(Phase::Bank, kBankCollectorEntity + c); }

/// Reads the records of the holders collectors [first, end) will reach
/// today, in the order of their pages (warm_records), before their contacts
/// run: at national scale each contact was a cache and TLB miss on a random
/// holder's record. The reads are hints; they change no result.
void warm_contacts(const World& w, std::size_t first, std::size_t end) {
  static thread_local std::vector<uint32_t> guessed;
  static thread_local RecordWarming warming;
  guessed.clear();
  for (std::size_t c = first; c < end; ++c) guess_contacts(w, collector_stream(w, c), int32_t(c), guessed);
  warm_records(w, guessed, warming);
}

/// Every collector restocks. Contacts run by groups of collectors, on the
/// replicate's block threads where it has them, and the accounts are then
/// opened in collector order, so that results depend neither on the groups
/// nor on the threads. With an opening limit per person, which reads the
/// accounts other collectors opened today, the groups run in order and each
/// collector's accounts are opened before the next collector's contacts.
void collectors_restock(World& w) {
  // Kept between days for their room. The groups reach it through a
  // reference: in a lambda run on a block thread, the thread_local's name
  // would mean that thread's own, empty one.
  static thread_local std::vector<CollectorDay> kept;
  std::vector<CollectorDay>& days = kept;
  const std::size_t collectors = w.bank.kits.size();
  days.resize(collectors);
  const bool one_by_one = opening_counts_accounts(w.p);
  const auto contacts = std::size_t(std::max<int64_t>(1, w.p.bank_collector_contacts_per_day));
  const std::size_t group = std::max<std::size_t>(1, kWarmBatch / contacts);
  const int groups = int((collectors + group - 1) / group);
  const auto run_group = [&](int g) {
    const std::size_t first = std::size_t(g) * group, end = std::min(collectors, first + group);
    warm_contacts(w, first, end);
    for (std::size_t c = first; c < end; ++c) {
      Stream s = collector_stream(w, c);
      collector_contacts(w, s, int32_t(c), days[c]);
      if (one_by_one) open_accounts(w, int32_t(c), days[c]);
    }
  };
  if (w.block_pool && !one_by_one) {
    w.block_pool->run(groups, run_group);
  } else {
    for (int g = 0; g < groups; ++g) run_group(g);
  }
  if (!one_by_one)
    for (std::size_t c = 0; c < collectors; ++c) open_accounts(w, int32_t(c), days[c]);
}

/// Ring `r` buys up to its demand from collectors' stock, in the order of
/// take_kits_in_order; pays today's kit price for each.
void ring_buys_kits(World& w, int32_t r, std::size_t first, StockedCollectors& stocked) {
  Bank& b = w.bank;
  const double demand = ring_kit_demand(w, r);
  b.kits_wanted += demand;
  take_kits_in_order(b.kits, first, int64_t(std::ceil(demand)), stocked, [&](uint32_t account) {
    set_account_state(w, account, AccountState::InUse);
    b.holder[account] = r;
    b.ring_accounts[std::size_t(r)].push_back(account);
    w.ledger.transfer(w.ledger.ring(r), w.ledger.pool(Pool::Collectors), b.price_kit);
    w.rings.profit_today[std::size_t(r)] -= b.price_kit;
    w.recorder.add(Metric::bank_kits_sold, 1);
  });
}

}  // namespace

void take_kits_in_order(std::vector<std::vector<uint32_t>>& kits, std::size_t first, int64_t wanted,
                        StockedCollectors& stocked, const std::function<void(uint32_t)>& sold) {
  const std::size_t n = kits.size();
  if (n == 0) return;
  // Collectors without stock sell nothing, so only those with stock are
  // visited, in the same order: first..n-1, then 0..first-1.
  const auto take_from_range = [&](std::size_t from, std::size_t end) {
    for (std::size_t c = stocked.at_or_after(from); c < end && wanted > 0; c = stocked.at_or_after(c)) {
      auto& stock = kits[c];
      for (; wanted > 0 && !stock.empty(); --wanted) {
        const uint32_t account = stock.back();
        stock.pop_back();
        sold(account);
      }
      if (stock.empty()) stocked.sold_out(c);
    }
  };
  take_from_range(first, n);
  take_from_range(0, first);
}

namespace {

/// Money in an account frozen for fraud: bank.recovery_share goes back to
/// the victims (bank_funds_recovered_yuan), the rest stays frozen at the bank
/// (bank_funds_frozen_yuan).
void freeze_funds(World& w, double funds) {
  const double recovered = funds * w.p.bank_recovery_share;
  if (recovered > 0) {
    w.ledger.transfer(w.ledger.pool(Pool::Banks), w.ledger.pool(Pool::Victims), recovered);
    w.recorder.add(Metric::bank_funds_recovered_yuan, recovered);
  }
  w.recorder.add(Metric::bank_funds_frozen_yuan, funds - recovered);
}

/// Chance that monitoring lets an account with `receipts` fraud transfers
/// today pass: each is flagged with review_share x sensitivity.
double monitoring_pass_probability(const Params& p, int32_t receipts) {
  return std::pow(1.0 - monitoring_flag_probability(p), double(receipts));
}

/// Chance that an account with `reports` of today's transfers reported by
/// their victims is not frozen on any of them (each freezes it with
/// bank.report_freeze_prob).
double report_pass_probability(const Params& p, int32_t reports) {
  return std::pow(1.0 - p.bank_report_freeze_prob, double(reports));
}

/// Money an account's owner ring takes out of it: it keeps
/// scammers.cash_out_share as profit (later layers and mules take the rest).
void cash_out(World& w, int32_t ring, double funds) {
  if (funds <= 0) return;
  w.ledger.transfer(w.ledger.pool(Pool::Banks), w.ledger.ring(ring), funds);
  w.rings.profit_today[std::size_t(ring)] += funds * w.p.scammers_cash_out_share;
  w.recorder.add(Metric::bank_cashout_yuan, funds);
}

/// The day's end for one account in a ring's hands: frozen or cashed out.
/// Monitoring reviews a transfer as it arrives, so an account it flags keeps
/// all the day's money at the bank. A victim's report comes later, when the
/// money has mostly moved on through further layers of accounts (F26): an
/// account frozen on a report alone keeps bank.report_funds_caught_share of
/// it, and the rest reaches the ring. One uniform draw decides both, so that
/// with that share at 1 the rule is the single freeze draw it refines.
/// Returns whether the ring keeps the account.
bool account_day_ends(World& w, Stream& s, uint32_t account) {
  Bank& b = w.bank;
  const int32_t ring = b.holder[account];
  const double funds = b.funds[account];
  const int32_t receipts = b.receipts_today[account];
  const double u = receipts > 0 ? s.uniform() : 1.0;
  // Frozen: flagged by monitoring or frozen on a report; flagged: the first.
  const double passes_monitoring = receipts > 0 ? monitoring_pass_probability(w.p, receipts) : 1.0;
  const bool frozen =
      receipts > 0 && u < 1.0 - passes_monitoring * report_pass_probability(w.p, b.reports_today[account]);
  const bool flagged = frozen && u < 1.0 - passes_monitoring;
  b.funds[account] = 0;
  b.receipts_today[account] = 0;
  b.reports_today[account] = 0;
  if (!frozen) {
    cash_out(w, ring, funds);
    return true;
  }
  set_account_state(w, account, AccountState::FrozenFraud);
  // The two cards sanction: the account's seller is identified with the
  // chance a farmer card's holder is (sanctions.prob_on_fraud_shutdown).
  if (w.p.sanctions_enabled && w.p.sanctions_covers_bank_accounts && s.bernoulli(w.p.sanctions_prob_on_fraud_shutdown))
    sanction_holder(w, b.seller[account]);
  w.recorder.add(Metric::bank_accounts_frozen_fraud, 1);
  const double caught = flagged ? funds : funds * w.p.bank_report_funds_caught_share;
  freeze_funds(w, caught);
  cash_out(w, ring, funds - caught);
  return false;
}

/// Honest accounts frozen in error today: reviewed honest transfers
/// (holders x bank.honest_transfers_per_person_day x review_share), each
/// frozen with bank.monitoring.false_positive.
void freeze_honest_accounts(World& w) {
  Stream s = w.stream(Phase::Bank, kHonestFreezeEntity);
  const double reviewed =
      double(w.citizens.count) * w.p.bank_honest_transfers_per_person_day * w.p.bank_monitoring_review_share;
  const int64_t frozen = s.binomial(std::llround(reviewed), w.p.bank_monitoring_false_positive);
  w.recorder.add(Metric::bank_accounts_frozen_honest, double(frozen));
}

/// One day of a moving average over `learning_days` (an exponential one:
/// each day weighs 1 / learning_days).
void learn(double& seen, double today, double learning_days) { seen += (1.0 / learning_days) * (today - seen); }

/// Rings learn from the day's accounts in their hands: the share of the
/// money paid in that was cashed out, and the accounts frozen per receipt,
/// each a moving average over bank.learning_days. A day without receipts
/// teaches nothing.
void rings_learn(World& w, double receipts, double cashed_yuan, double frozen_yuan, double frozen_accounts) {
  if (receipts <= 0) return;
  Bank& b = w.bank;
  const double days = w.p.bank_learning_days;
  if (cashed_yuan + frozen_yuan > 0) learn(b.yield_seen, cashed_yuan / (cashed_yuan + frozen_yuan), days);
  learn(b.frozen_per_receipt_seen, frozen_accounts / receipts, days);
}

}  // namespace

void init_bank(World& w) {
  if (!w.p.bank_enabled) return;
  Bank& b = w.bank;
  const int64_t collectors = collector_count(w.p);
  b.kits.assign(std::size_t(collectors), {});
  b.ring_accounts.assign(w.rings.fleet.size(), {});
  b.by_state.assign(std::size_t(AccountState::Count), 0);
  b.collector_absent_until.assign(std::size_t(collectors), 0);
  b.price_seller = w.p.bank_seller_reservation_median_yuan;
  // Before any account is used, rings expect what the parameters imply.
  b.yield_seen = 1.0 - funds_frozen_share_per_receipt(w.p);
  b.frozen_per_receipt_seen = freeze_hazard_per_receipt(w.p);
  b.price_kit = collectors_kit_floor_yuan(w);
}

namespace {

/// Of one receipt: what monitoring flags, all of it, plus what a report's
/// freeze takes, `report_caught` of it (1 counts accounts, the caught share
/// counts money).
double frozen_per_receipt(const Params& p, double report_caught) {
  const double flag = monitoring_flag_probability(p);
  return flag + (1.0 - flag) * p.police_report_prob * p.bank_report_freeze_prob * report_caught;
}

}  // namespace

double freeze_hazard_per_receipt(const Params& p) { return frozen_per_receipt(p, 1.0); }

double funds_frozen_share_per_receipt(const Params& p) { return frozen_per_receipt(p, p.bank_report_funds_caught_share); }

double case_value_with_accounts_yuan(const World& w, double gross_yuan) {
  if (!w.p.bank_enabled) return gross_yuan;
  const Bank& b = w.bank;
  const double through_account = std::max(0.0, gross_yuan * b.yield_seen - b.price_kit * b.frozen_per_receipt_seen);
  return (1.0 - w.p.bank_case_share) * gross_yuan + w.p.bank_case_share * through_account;
}

double ring_kit_demand(const World& w, int32_t ring) {
  if (!w.p.bank_enabled || !w.ring_present(ring)) return 0;
  const auto r = std::size_t(ring);
  const Bank& b = w.bank;
  const double gross = w.p.scammers_loss_mean_yuan * w.p.scammers_cash_out_share * w.rings.revenue_factor[r];
  if (gross * b.yield_seen <= b.price_kit * b.frozen_per_receipt_seen) return 0;  // a case no longer pays its kit
  // Its cases as its attempts make them: they saturate in its callers
  // (scammers.callers_cards), as in the fraud phase.
  const double cases_per_day = ring_expected_cases_per_day(w, ring) * w.p.bank_case_share;
  const double wanted = std::ceil(cases_per_day * b.frozen_per_receipt_seen * w.p.bank_account_stock_days);
  return std::max(0.0, wanted - double(b.ring_accounts[r].size()));
}

void bank_market(World& w) {
  if (!w.p.bank_enabled) return;
  Bank& b = w.bank;
  b.seller_ordered = b.seller_obtained = b.seller_reached = b.seller_refused = 0;
  b.contacts_used = b.contacts_cap = b.kits_wanted = b.kits_offered = 0;
  b.kits_offered = kits_in_stock(b);
  // Rings are served in index order; each starts at a collector drawn for the
  // day, so that no collector sells first every day.
  Stream order = w.stream(Phase::Bank, kKitMarketEntity);
  StockedCollectors stocked(b.kits);
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r)
    ring_buys_kits(w, int32_t(r), order.below(b.kits.size()), stocked);
  collectors_restock(w);
}

CaseRoute route_case(World& w, Stream& bank_stream, int32_t ring, double loss_yuan, bool reported, uint32_t& account) {
  account = kNoAccount;
  if (!bank_stream.bernoulli(w.p.bank_case_share)) return CaseRoute::Other;
  const auto& accounts = w.bank.ring_accounts[std::size_t(ring)];
  if (accounts.empty()) return CaseRoute::NoAccount;
  account = accounts[bank_stream.below(accounts.size())];
  w.ledger.transfer(w.ledger.pool(Pool::Victims), w.ledger.pool(Pool::Banks), loss_yuan);
  w.bank.funds[account] += loss_yuan;
  w.bank.receipts_today[account] += 1;
  w.bank.reports_today[account] += reported ? 1 : 0;
  return CaseRoute::Account;
}

void banks_monitor_accounts(World& w) {
  if (!w.p.bank_enabled) return;
  Stream s = w.stream(Phase::Bank, kMonitoringEntity);
  const double cashed_before = w.recorder.today(Metric::bank_cashout_yuan);
  // Frozen money, returned to victims or not, is money the ring did not get.
  const auto frozen_today = [&w] {
    return w.recorder.today(Metric::bank_funds_frozen_yuan) + w.recorder.today(Metric::bank_funds_recovered_yuan);
  };
  const double frozen_before = frozen_today();
  const double accounts_before = w.recorder.today(Metric::bank_accounts_frozen_fraud);
  double receipts = 0;
  for (auto& accounts : w.bank.ring_accounts) {
    std::size_t kept = 0;
    for (const uint32_t account : accounts) {
      receipts += double(w.bank.receipts_today[account]);
      if (account_day_ends(w, s, account)) accounts[kept++] = account;
    }
    accounts.resize(kept);
  }
  rings_learn(w, receipts, w.recorder.today(Metric::bank_cashout_yuan) - cashed_before,
              frozen_today() - frozen_before,
              w.recorder.today(Metric::bank_accounts_frozen_fraud) - accounts_before);
  freeze_honest_accounts(w);
}

void bank_ring_leaves(World& w, int32_t ring) {
  if (w.bank.ring_accounts.empty()) return;
  auto& accounts = w.bank.ring_accounts[std::size_t(ring)];
  for (const uint32_t account : accounts) {
    // Money still in the account stays at the bank with it.
    freeze_funds(w, w.bank.funds[account]);
    w.bank.funds[account] = 0;
    w.bank.receipts_today[account] = 0;
    w.bank.reports_today[account] = 0;
    set_account_state(w, account, AccountState::Closed);
    w.recorder.add(Metric::bank_accounts_closed, 1);
  }
  accounts.clear();
}

void update_bank_prices(World& w) {
  if (!w.p.bank_enabled) return;
  sellers_and_collectors_learn(w);
  Bank& b = w.bank;
  const double speed = w.p.market_price_speed;
  // Kits: rings' wanted kits against collectors' stock, never below what
  // collectors accept: their unit cost plus their share of a kit's surplus.
  const double kit_floor = std::max(1.0, collectors_kit_floor_yuan(w));
  b.price_kit = moved(b.price_kit, speed, excess_demand(b.kits_wanted, b.kits_offered), kit_floor, 1e9);
  // Seller's pay: the farmers' offer rule on the collectors' own tallies:
  // unfilled orders push it up as far as it buys sellers (refused against
  // accepted among the willing reached), unused contacts pull it down. It
  // never exceeds what the kit fetches less the kit's other parts.
  if (b.seller_ordered <= 0 && b.contacts_cap <= 0) return;
  const OfferTallies t{b.seller_ordered, b.seller_obtained, b.contacts_cap, b.contacts_used};
  const double pressure = offer_pressure(t, refusal_balance(b.seller_reached, b.seller_refused));
  b.price_seller = moved(b.price_seller, speed, pressure, 1.0, b.price_kit - w.p.bank_kit_assembly_cost_yuan);
}

void record_bank_day(World& w) {
  if (!w.p.bank_enabled) return;
  const Bank& b = w.bank;
  w.recorder.set(Metric::bank_kits_in_stock, kits_in_stock(b));
  w.recorder.set(Metric::bank_accounts_in_use, double(b.by_state[std::size_t(AccountState::InUse)]));
  w.recorder.set(Metric::bank_price_account_seller_yuan, b.price_seller);
  w.recorder.set(Metric::bank_price_account_kit_yuan, b.price_kit);
}

// ---- police traces, recovered funds and the risk of arrest ----
namespace {


/// Arrests per unit sold as seen, both moving averages per day over
/// bank.learning_days. Arrests seen in a window with less than one unit sold
/// are charged to one unit (1 / learning_days a day): once sales stop, the
/// arrests seen fade and with them the hazard, instead of the ratio of two
/// averages that fade together staying where the last sale left it.
double hazard_seen(double arrests_seen, double sold_seen, double learning_days) {
  return arrests_seen / std::max(sold_seen, 1.0 / learning_days);
}

}  // namespace

double collector_arrest_cost_yuan(const Params& p) {
  return mean_fine_yuan(p) + p.police_damages_yuan + mean_sentence_days(p) * p.bank_collector_income_yuan_per_day;
}

double seller_arrest_cost_yuan(const Params& p) {
  return mean_fine_yuan(p) + mean_sentence_days(p) * p.bank_seller_income_yuan_per_day;
}

double collector_risk_premium_yuan(const World& w) {
  const Bank& b = w.bank;
  return hazard_seen(b.collector_arrests_seen, b.kits_sold_seen, w.p.bank_learning_days) * collector_arrest_cost_yuan(w.p);
}

double seller_risk_premium_yuan(const World& w) {
  const Bank& b = w.bank;
  return hazard_seen(b.seller_arrests_seen, b.accounts_sold_seen, w.p.bank_learning_days) * seller_arrest_cost_yuan(w.p);
}

double collector_unit_cost_yuan(const World& w) {
  return w.bank.price_seller + w.p.bank_kit_assembly_cost_yuan + collector_risk_premium_yuan(w);
}

double kit_value_to_rings_yuan(const World& w) {
  const Bank& b = w.bank;
  const double per_case = w.p.scammers_loss_mean_yuan * w.p.scammers_cash_out_share * b.yield_seen;
  // An account no ring has seen frozen would last for ever: its value is
  // then bounded by the price's own ceiling (update_bank_prices).
  return b.frozen_per_receipt_seen > 0 ? per_case / b.frozen_per_receipt_seen : 1e9;
}

double collectors_kit_floor_yuan(const World& w) {
  const double cost = collector_unit_cost_yuan(w);
  const double with_markup = cost * (1.0 + w.p.market_min_markup);
  if (w.p.bank_collector_surplus_share <= 0) return with_markup;
  const double surplus = std::max(0.0, kit_value_to_rings_yuan(w) - cost);
  return std::max(with_markup, cost + w.p.bank_collector_surplus_share * surplus);
}

void sellers_and_collectors_learn(World& w) {
  Bank& b = w.bank;
  const Recorder& r = w.recorder;
  const double days = w.p.bank_learning_days;
  learn(b.collector_arrests_seen, r.today(Metric::bank_arrests_collectors), days);
  learn(b.kits_sold_seen, r.today(Metric::bank_kits_sold), days);
  learn(b.seller_arrests_seen, r.today(Metric::bank_arrests_account_sellers), days);
  learn(b.accounts_sold_seen, r.today(Metric::bank_accounts_sold), days);
}

bool collector_present(const World& w, int32_t c) {
  const auto& absent = w.bank.collector_absent_until;
  return std::size_t(c) >= absent.size() || w.day >= absent[std::size_t(c)];
}

void freeze_traced_account(World& w, uint32_t account) {
  Bank& b = w.bank;
  if (b.state[account] != uint8_t(AccountState::InUse)) return;  // frozen, closed already
  auto& accounts = b.ring_accounts[std::size_t(b.holder[account])];
  accounts.erase(std::find(accounts.begin(), accounts.end(), account));  // keeps the oldest-first order
  freeze_funds(w, b.funds[account]);  // none after the day's monitoring; kept for any other caller
  b.funds[account] = 0;
  b.receipts_today[account] = 0;
  b.reports_today[account] = 0;
  set_account_state(w, account, AccountState::FrozenFraud);
  w.recorder.add(Metric::bank_accounts_frozen_trace, 1);
}

void replace_collector(World& w, int32_t c) {
  Bank& b = w.bank;
  auto& kits = b.kits[std::size_t(c)];
  for (const uint32_t account : kits) set_account_state(w, account, AccountState::Seized);
  w.recorder.add(Metric::bank_kits_seized, double(kits.size()));
  kits.clear();
  b.collector_absent_until[std::size_t(c)] = int32_t(w.day + w.p.bank_collector_replacement_days);
}

void collector_serves_sentence(World& w, int32_t c, int64_t sentence_days) {
  replace_collector(w, c);
  int32_t& until = w.bank.collector_absent_until[std::size_t(c)];
  until = std::max(until, int32_t(w.day + sentence_days));
}

}  // namespace cardsim
