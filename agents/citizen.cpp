#include "agents/citizen.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "agents/carrier.h"
#include "core/block_pool.h"
#include "core/identity_lookahead.h"

namespace cardsim {
namespace {

// Streams of the honest-demand phase. Holders are drawn from streams of their
// own so that they can be drawn ahead of use (IdentityLookahead).
constexpr uint64_t kDemandEvents = 0;   // churn's count and remote customers' regions, outlets, checks
constexpr uint64_t kRetryChoices = 3;   // whether a refused customer tries again
constexpr uint64_t kRetryTries = 4;     // the retries' outlets and checks
constexpr uint64_t kRemoteChoices = 5;  // whether a refused remote customer tries again


/// One block of holders' share of a day's honest events. A block is a
/// region's holders: a holder asks at an outlet of home except for the
/// remote share, so a block's home events touch only its own holders and its
/// region's outlets, and blocks can run on several threads at once. What the
/// events change beyond them (metrics, counts of honest cards, commissions
/// due, retries, remote customers) is kept here and merged into the world in
/// block order, so results do not depend on how many threads ran the blocks.
struct HonestBlock {
  std::vector<double> value, den, by_check;  // today's metrics, as Recorder::add / add_ratio count them
  std::vector<int64_t> commissions;          // honest commissions per carrier, due commission_delay_days ahead
  std::vector<uint64_t> retries;             // packed Retry: next try retry_delay_days ahead
  std::vector<uint32_t> remote;              // holders asking in another region (served after the blocks)
  int64_t activated = 0, churned = 0;        // honest cards
  int64_t churn = 0;                         // honest cards the block's holders give up today

  void reset(const World& w) {
    value.assign(std::size_t(kMetricCount), 0.0);
    den.assign(std::size_t(kMetricCount), 0.0);
    by_check.assign(std::size_t(w.recorder.checks()), 0.0);
    commissions.assign(std::size_t(w.p.carriers), 0);
    retries.clear();
    remote.clear();
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

/// Today's retries, each at an outlet of the customer's home region. Their
/// refusals are not counted again in honest_refused (a customer, not a try).
void honest_retries(World& w, HonestBlock& b) {
  auto& due = w.honest_retry_due[std::size_t(w.day)];
  if (due.empty()) return;
  Stream s = w.stream(Phase::HonestDemand, kRetryTries);
  Stream choices = w.stream(Phase::HonestDemand, kRetryChoices);
  for (std::size_t k = 0; k < due.size(); ++k) {
    if (k + kRecordsAhead < due.size()) prefetch_identity(w, unpack_retry(due[k + kRecordsAhead]).identity);
    const Retry r = unpack_retry(due[k]);
    b.add(Metric::honest_retries, 1);
    const int home = w.region_of(r.identity);
    if (ask_for_card(w, b, s, r.identity, home, home).refused()) {
      refused_wait(b, w, choices, r.identity, r.first_refused, r.tries + 1);
      continue;
    }
    b.add_ratio(Metric::honest_days_to_card, double(w.day - r.first_refused), 1);
    b.add_ratio(Metric::honest_gave_up_share, 0, 1);
  }
  due.clear();
  due.shrink_to_fit();
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
enum BlockStream : uint64_t { kBlockEvents, kBlockChoices, kBlockCustomers, kBlockChurners, kBlockStreamCount };
constexpr uint64_t kFirstBlockStream = uint64_t(1) << 20;
uint64_t block_key(int region, BlockStream which) {
  return kFirstBlockStream + kBlockStreamCount * uint64_t(region) + which;
}

/// The home region of a block's customers: the block's region, unless it has
/// no holders (World::random_identity_in then draws from everyone): -1, unknown.
int home_of_block(const World& w, int region) { return w.holders_in(region) > 0 ? region : -1; }

/// One block's day: its new customers asking at home (the remote share set
/// aside for later), then the honest cards its holders give up.
void run_block(World& w, HonestBlock& b, int region) {
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

/// Customers who ask in another region, after every block: their outlets
/// belong to other blocks.
void serve_remote(World& w, const std::vector<HonestBlock>& blocks, HonestBlock& b) {
  Stream s = w.stream(Phase::HonestDemand, kDemandEvents);
  Stream choices = w.stream(Phase::HonestDemand, kRemoteChoices);
  // Drawn while their block ran, these holders' records have left the caches
  // since: each batch of them is read in page order first (warm_records).
  std::vector<uint32_t> batch;
  RecordWarming scratch;
  for (int r = 0; r < w.p.regions; ++r) {
    const std::vector<uint32_t>& remote = blocks[std::size_t(r)].remote;
    for (std::size_t first = 0; first < remote.size(); first += kWarmBatch) {
      batch.assign(remote.begin() + std::ptrdiff_t(first),
                   remote.begin() + std::ptrdiff_t(std::min(remote.size(), first + kWarmBatch)));
      warm_records(w, batch, scratch);
      for (uint32_t identity : batch)
        honest_customer(w, b, s, choices, identity, home_of_block(w, r), w.random_other_region(s, r));
    }
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
  // Blocks 0..regions-1 are the regions' holders; the last one gathers the
  // events that cross regions (retries before the blocks, remote customers
  // after), which run on this thread alone.
  // Kept between days (no allocation per day). The blocks' threads see this
  // thread's vector through the reference: in their code the name of a
  // thread_local would mean each thread's own, empty one.
  static thread_local std::vector<HonestBlock> kept;
  std::vector<HonestBlock>& blocks = kept;
  const int regions = int(w.p.regions);
  blocks.resize(std::size_t(regions) + 1);
  for (auto& b : blocks) b.reset(w);
  HonestBlock& crossing = blocks.back();
  honest_retries(w, crossing);
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
  serve_remote(w, blocks, crossing);
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
