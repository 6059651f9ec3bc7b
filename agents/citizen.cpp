#include "agents/citizen.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "agents/carrier.h"
#include "core/block_pool.h"
#include "core/identity_lookahead.h"

namespace cardsim {
namespace {

// Streams of the honest-demand phase. Holders are drawn from streams of their
// own so that they can be drawn ahead of use (IdentityLookahead).
constexpr uint64_t kDemandEvents = 0;  // the day's churned cards, shared among the blocks


/// One block of holders' share of a day's honest events. A block is a
/// region's holders: a holder asks at an outlet of home (a new customer or a
/// retry) except for the remote share, so a block's home events touch only
/// its own holders and its region's outlets, and blocks can run on several
/// threads at once. Its remote customers ask at outlets of other regions: in
/// the block too while no check reads an outlet's counts
/// (checks_read_no_outlet_counts), their outlets counted after every block;
/// after every block otherwise. What the events change beyond the block's
/// holders (metrics, counts of honest cards, commissions due, retries, remote
/// outlets' counts) is kept here and merged into the world in block order, so
/// results do not depend on how many threads ran the blocks.
struct HonestBlock {
  std::vector<double> value, den, by_check;  // today's metrics, as Recorder::add / add_ratio count them
  std::vector<int64_t> commissions;          // honest commissions per carrier, due commission_delay_days ahead
  std::vector<uint64_t> retries;             // packed Retry: next try retry_delay_days ahead
  std::vector<uint64_t> due;                 // packed Retry: the block's holders trying again today
  std::vector<uint32_t> remote;              // holders asking in another region
  std::vector<std::pair<uint32_t, uint32_t>> counted_later;  // (holder, outlet of another region): a remote customer's card
  bool count_outlets_later = false;          // while remote customers are served inside the block
  std::vector<uint32_t> batch;               // scratch: holders whose records are read in page order
  RecordWarming warming;                     // scratch of warm_records
  int64_t activated = 0, churned = 0;        // honest cards
  int64_t churn = 0;                         // honest cards the block's holders give up today

  void reset(const World& w) {
    value.assign(std::size_t(kMetricCount), 0.0);
    den.assign(std::size_t(kMetricCount), 0.0);
    by_check.assign(std::size_t(w.recorder.checks()), 0.0);
    commissions.assign(std::size_t(w.p.carriers), 0);
    retries.clear();
    due.clear();
    remote.clear();
    counted_later.clear();
    count_outlets_later = false;
    activated = churned = churn = 0;
  }
  void add(Metric m, double v) { value[std::size_t(m)] += v; }
  void add_ratio(Metric m, double num, double d) {
    value[std::size_t(m)] += num;
    den[std::size_t(m)] += d;
  }
};

/// A block's changes, applied to the world (called in block order).
void merge_block(World& w, const HonestBlock& b) {
  for (int m = 0; m < kMetricCount; ++m) {
    const double value = b.value[std::size_t(m)], den = b.den[std::size_t(m)];
    if (den != 0)
      w.recorder.add_ratio(Metric(m), value, den);
    else if (value != 0)
      w.recorder.add(Metric(m), value);
  }
  for (std::size_t c = 0; c < b.by_check.size(); ++c)
    if (b.by_check[c] != 0) w.recorder.add_check_refusal(int(c), b.by_check[c]);
  w.legit_live += b.activated - b.churned;
  w.legit_activated += b.activated;
  w.legit_churned += b.churned;
  const auto due = std::size_t(w.day + w.p.commission_delay_days);
  if (due < w.horizon())
    for (std::size_t c = 0; c < b.commissions.size(); ++c)
      w.honest_commission_due[due * std::size_t(w.p.carriers) + c] += b.commissions[c];
  // A try that would fall after the run's last day is never made or counted.
  const auto next = std::size_t(w.day + w.p.citizens_retry_delay_days);
  if (next < w.horizon())
    w.honest_retry_due[next].insert(w.honest_retry_due[next].end(), b.retries.begin(), b.retries.end());
}

void count_refusal(HonestBlock& b, const World& w, const Verdict& v, uint32_t identity) {
  b.add(Metric::honest_refused, 1);
  b.by_check[std::size_t(v.check)] += 1;
  switch (v.kind) {
    case Refusal::IdCap:
      b.add(Metric::honest_refused_id_cap, 1);
      // F2: holders learn their identity was misused when refused for it.
      if (w.citizens.person[identity].criminal_cards() > 0) b.add(Metric::honest_refused_misused, 1);
      break;
    case Refusal::Remote: b.add(Metric::honest_refused_remote, 1); break;
    case Refusal::Liveness: b.add(Metric::honest_refused_liveness, 1); break;
    case Refusal::Velocity: b.add(Metric::honest_refused_velocity, 1); break;
    case Refusal::DealerCap: b.add(Metric::honest_refused_dealer_cap, 1); break;
    case Refusal::None:
    case Refusal::Other: break;
  }
}

void refused_wait(HonestBlock& b, const World& w, Stream& choices, uint32_t identity, int64_t first_refused,
                  int tries) {
  if (tries < w.p.citizens_retry_max && choices.bernoulli(w.p.citizens_retry_share)) {
    b.retries.push_back(pack_retry({identity, first_refused, tries}));
    return;
  }
  b.add(Metric::honest_gave_up, 1);
  b.add_ratio(Metric::honest_gave_up_share, 1, 1);
}

void activate_honest_card(World& w, HonestBlock& b, uint32_t identity, uint32_t outlet) {
  if (b.count_outlets_later)
    b.counted_later.emplace_back(identity, outlet);  // another region's outlet: counted after the blocks
  else
    count_activation(w, identity, outlet);
  w.set_legit_cards(identity, w.legit_cards(identity) + 1);
  b.activated++;
  b.add(Metric::cards_activated_legit, 1);
  b.commissions[std::size_t(w.outlets.carrier[outlet])]++;
}

/// An honest customer of `home` asks for a card at an outlet of `region`; at
/// a capped outlet they try one more. The card is activated when no check refuses.
Verdict ask_for_card(World& w, HonestBlock& b, Stream& s, uint32_t identity, int home, int region) {
  ActivationAttempt a;
  a.identity = identity;
  a.home_region = home;
  a.outlet = w.random_outlet_in(s, region);
  Verdict v = check_activation(w, s, a);
  if (v.kind == Refusal::DealerCap) {
    a.outlet = w.random_outlet_in(s, region);
    v = check_activation(w, s, a);
  }
  if (!v.refused()) activate_honest_card(w, b, identity, a.outlet);
  return v;
}

/// A customer of `home` asks for a card in `region`; a refusal is counted
/// and they may try again later.
void honest_customer(World& w, HonestBlock& b, Stream& s, Stream& choices, uint32_t identity, int home, int region) {
  const Verdict v = ask_for_card(w, b, s, identity, home, region);
  if (!v.refused()) return;
  count_refusal(b, w, v, identity);
  refused_wait(b, w, choices, identity, w.day, 0);
}

/// Calls `serve(identity)` for each of `ids` in order, reading their records
/// first in page order, a batch at a time (warm_records): drawn on earlier
/// days or earlier in the block, they have left the caches since.
template <class Serve>
void serve_warmed(const World& w, HonestBlock& b, std::size_t count, uint32_t (*id_at)(const HonestBlock&, std::size_t),
                  Serve serve) {
  for (std::size_t first = 0; first < count; first += kWarmBatch) {
    const std::size_t last = std::min(count, first + kWarmBatch);
    b.batch.clear();
    for (std::size_t k = first; k < last; ++k) b.batch.push_back(id_at(b, k));
    warm_records(w, b.batch, b.warming);
    for (std::size_t k = first; k < last; ++k) serve(k);
  }
}

/// Honest cards given up by a block's holders: each from a random holder of
/// the block, found by drawing holders until one has an honest card (at most
/// kHolderSearchDraws).
void honest_churn(World& w, HonestBlock& b, IdentityLookahead& who) {
  for (int64_t k = 0; k < b.churn; ++k)
    for (int tries = 0; tries < kHolderSearchDraws; ++tries) {
      const uint32_t id = who.next();
      const int have = w.legit_cards(id);
      if (have == 0) continue;
      w.set_legit_cards(id, have - 1);
      b.churned++;
      break;
    }
}

// Each block draws from streams of its own, keyed by its region.
enum BlockStream : uint64_t {
  kBlockEvents,         // new customers: how many, remote or not, outlets and checks
  kBlockChoices,        // whether a refused new customer tries again
  kBlockCustomers,      // which holders are new customers
  kBlockChurners,       // which holders give up an honest card
  kBlockRetries,        // retries' outlets and checks
  kBlockRetryChoices,   // whether a refused retry tries again
  kBlockRemote,         // remote customers' regions, outlets and checks
  kBlockRemoteChoices,  // whether a refused remote customer tries again
  kBlockStreamCount
};
constexpr uint64_t kFirstBlockStream = uint64_t(1) << 20;
uint64_t block_key(int region, BlockStream which) {
  return kFirstBlockStream + kBlockStreamCount * uint64_t(region) + which;
}

/// The home region of a block's customers: the block's region, unless it has
/// no holders (World::random_identity_in then draws from everyone): -1, unknown.
int home_of_block(const World& w, int region) { return w.holders_in(region) > 0 ? region : -1; }

/// Today's retries of the block's holders, each at an outlet of home. Their
/// refusals are not counted again in honest_refused (a customer, not a try).
void block_retries(World& w, HonestBlock& b, int region) {
  if (b.due.empty()) return;
  Stream s = w.stream(Phase::HonestDemand, block_key(region, kBlockRetries));
  Stream choices = w.stream(Phase::HonestDemand, block_key(region, kBlockRetryChoices));
  const auto identity_at = [](const HonestBlock& hb, std::size_t k) { return unpack_retry(hb.due[k]).identity; };
  serve_warmed(w, b, b.due.size(), identity_at, [&](std::size_t k) {
    const Retry r = unpack_retry(b.due[k]);
    b.add(Metric::honest_retries, 1);
    if (ask_for_card(w, b, s, r.identity, region, region).refused()) {
      refused_wait(b, w, choices, r.identity, r.first_refused, r.tries + 1);
      return;
    }
    b.add_ratio(Metric::honest_days_to_card, double(w.day - r.first_refused), 1);
    b.add_ratio(Metric::honest_gave_up_share, 0, 1);
  });
}

/// The block's remote customers, each at an outlet of another region.
void block_remote_customers(World& w, HonestBlock& b, int region) {
  if (b.remote.empty()) return;
  Stream s = w.stream(Phase::HonestDemand, block_key(region, kBlockRemote));
  Stream choices = w.stream(Phase::HonestDemand, block_key(region, kBlockRemoteChoices));
  const int home = home_of_block(w, region);
  const auto identity_at = [](const HonestBlock& hb, std::size_t k) { return hb.remote[k]; };
  serve_warmed(w, b, b.remote.size(), identity_at, [&](std::size_t k) {
    honest_customer(w, b, s, choices, b.remote[k], home, w.random_other_region(s, region));
  });
}

/// One block's day: its retries, its new customers asking at home (the
/// remote share set aside), the honest cards its holders give up, and its
/// remote customers when they are served in the block.
void run_block(World& w, HonestBlock& b, int region) {
  block_retries(w, b, region);
  Stream s = w.stream(Phase::HonestDemand, block_key(region, kBlockEvents));
  Stream choices = w.stream(Phase::HonestDemand, block_key(region, kBlockChoices));
  const int64_t n = s.poisson(double(w.holders_in(region)) * w.p.citizens_activation_rate);
  const bool can_go_remote = w.p.regions > 1;
  if (n > 0) {
    IdentityLookahead who(w, w.stream(Phase::HonestDemand, block_key(region, kBlockCustomers)), region, n);
    for (int64_t k = 0; k < n; ++k) {
      const uint32_t identity = who.next();
      if (can_go_remote && s.bernoulli(w.p.citizens_remote_share))
        b.remote.push_back(identity);
      else
        honest_customer(w, b, s, choices, identity, home_of_block(w, region), region);
    }
  }
  if (b.churn > 0) {
    IdentityLookahead who(w, w.stream(Phase::HonestDemand, block_key(region, kBlockChurners)), region, b.churn);
    honest_churn(w, b, who);
  }
  if (checks_read_no_outlet_counts(w.p)) {
    b.count_outlets_later = true;
    block_remote_customers(w, b, region);
    b.count_outlets_later = false;
  }
}

/// Today's retries, each to the block of its holder's region.
void share_retries(World& w, std::vector<HonestBlock>& blocks) {
  auto& due = w.honest_retry_due[std::size_t(w.day)];
  for (uint64_t packed : due) blocks[std::size_t(w.region_of(unpack_retry(packed).identity))].due.push_back(packed);
  due.clear();
  due.shrink_to_fit();
}

/// Splits today's churned honest cards among the blocks in proportion to
/// their holders (a holder drawn from the whole population falls in a block
/// with that chance).
void share_churn(World& w, std::vector<HonestBlock>& blocks, Stream& s) {
  int64_t left = s.poisson(double(w.legit_live) * w.p.citizens_churn_rate);
  int64_t holders_left = w.citizens.count;
  for (int r = 0; r < w.p.regions && left > 0; ++r) {
    const int64_t here = w.holders_in(r);
    const int64_t n = here >= holders_left ? left : s.binomial(left, double(here) / double(holders_left));
    blocks[std::size_t(r)].churn = n;
    left -= n;
    holders_left -= here;
  }
}

/// Remote customers when they are not served in their blocks: after every
/// block, in block order, counted at their outlets at once.
void serve_remote_after_blocks(World& w, std::vector<HonestBlock>& blocks) {
  for (int r = 0; r < w.p.regions; ++r) block_remote_customers(w, blocks[std::size_t(r)], r);
}

/// The outlets of other regions that activated cards for remote customers
/// served in their blocks, counted in block order. A count is a sum, the same
/// in any order; only the dealer cap and the velocity check read it, and
/// with either on the customers are served after the blocks instead.
void count_remote_outlets(World& w, const std::vector<HonestBlock>& blocks) {
  for (const HonestBlock& b : blocks)
    for (std::size_t k = 0; k < b.counted_later.size(); ++k) {
      if (k + kRecordsAhead < b.counted_later.size())
        __builtin_prefetch(&w.outlets.cap_count[b.counted_later[k + kRecordsAhead].second], 1);
      count_activation(w, b.counted_later[k].first, b.counted_later[k].second);
    }
}

}  // namespace

void honest_refused_wait(World& w, Stream& choices, uint32_t identity, int64_t first_refused, int tries) {
  HonestBlock b;
  b.reset(w);
  refused_wait(b, w, choices, identity, first_refused, tries);
  merge_block(w, b);
}

void honest_demand(World& w) {
  if (w.citizens.count == 0) return;
  // Block r is region r's holders.
  // Kept between days (no allocation per day). The blocks' threads see this
  // thread's vector through the reference: in their code the name of a
  // thread_local would mean each thread's own, empty one.
  static thread_local std::vector<HonestBlock> kept;
  std::vector<HonestBlock>& blocks = kept;
  const int regions = int(w.p.regions);
  blocks.resize(std::size_t(regions));
  for (auto& b : blocks) b.reset(w);
  share_retries(w, blocks);
  Stream s = w.stream(Phase::HonestDemand, kDemandEvents);
  share_churn(w, blocks, s);
  // A run-time registered activation check may touch any state: blocks then
  // run one after another (same results, since blocks never share state).
  if (w.block_pool && only_builtin_activation_checks()) {
    // Largest regions first, so that the blocks left when a thread runs out
    // of work are small ones (a region's block takes time in proportion to
    // its holders); which thread ran a block never shows in the results.
    static thread_local std::vector<int> largest_first;
    largest_first.resize(std::size_t(regions));
    for (int r = 0; r < regions; ++r) largest_first[std::size_t(r)] = r;
    std::stable_sort(largest_first.begin(), largest_first.end(),
                     [&w](int a, int b) { return w.holders_in(a) > w.holders_in(b); });
    const std::vector<int>& order = largest_first;
    w.block_pool->run(regions, [&](int k) {
      const int r = order[std::size_t(k)];
      run_block(w, blocks[std::size_t(r)], r);
    });
  } else
    for (int r = 0; r < regions; ++r) run_block(w, blocks[std::size_t(r)], r);
  if (checks_read_no_outlet_counts(w.p))
    count_remote_outlets(w, blocks);
  else
    serve_remote_after_blocks(w, blocks);
  for (const auto& b : blocks) merge_block(w, b);
}

double fresh_farmer_ask_yuan(World& w, Stream& s) {
  const double reservation = w.p.farmer_reservation_median_yuan * std::exp(w.p.farmer_reservation_sigma * s.normal());
  return farmer_ask_yuan(w, reservation);
}

double farmer_ask_yuan(const World& w, double reservation_yuan) {
  return reservation_yuan * (1.0 + w.p.awareness_farmer_effect * w.p.awareness_level) +
         w.p.farmer_risk_premium_yuan * w.risk.farmer;
}

uint32_t open_farmer_card(World& w, Stream& s, uint32_t person, int32_t broker) {
  ActivationAttempt a;
  a.identity = person;
  a.outlet = w.random_outlet_in(s, w.region_of(person));
  if (check_activation(w, s, a).refused()) return kNone;
  count_activation(w, person, a.outlet);
  w.citizens.person[person].set_flags(Citizens::kFarmer);
  return w.new_card(Channel::Farmer, person, a.outlet, broker, -1);
}

bool mark_misused(World& w, uint32_t identity) {
  Identity& holder = w.citizens.person[identity];
  if (holder.flags() & Citizens::kMisused) return false;
  holder.set_flags(Citizens::kMisused);
  return true;
}

double deception_probability(const World& w, VictimGroup g) {
  const double base = g == VictimGroup::Elderly   ? w.p.scammers_success_elderly
                      : g == VictimGroup::Student ? w.p.scammers_success_student
                                                  : w.p.scammers_success_other;
  return base * (1.0 - w.p.awareness_victim_effect * w.p.awareness_level);
}

}  // namespace cardsim
