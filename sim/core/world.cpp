#include "core/world.h"

#include "agents/bank.h"
#include "agents/broker.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "agents/scammer.h"
#include "core/activation_checks.h"
#include "scenario/region_sizes.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <stdexcept>
#include <string>

namespace cardsim {
namespace {

/// Cumulative Poisson(mean) probabilities for 0..cap-1 cards; the rest of the
/// mass goes to `cap`.
std::vector<double> initial_cards_cdf(double mean, int64_t cap) {
  std::vector<double> cdf;
  double term = std::exp(-mean), sum = 0;
  for (int64_t k = 0; k < cap; ++k) {
    sum += term;
    cdf.push_back(sum);
    term *= mean / double(k + 1);
  }
  return cdf;
}

/// Expected initial honest cards per holder: E[min(Poisson(mean), cap)].
double expected_initial_cards(const std::vector<double>& cdf) {
  double e = 0;  // sum over k of P(X > k) for k < cap
  for (double c : cdf) e += 1.0 - c;
  return e;
}

/// An insider's last illicit business before the run: long enough ago that
/// no active-insider window reaches it.
constexpr int32_t kNoBusinessYet = -1000000;
/// Dealer insiders a raising team draws in search of one no other team uses
/// before it settles for the last one drawn.
constexpr int kRaiserDealerDraws = 8;

void init_citizens(World& w) {
  Citizens& c = w.citizens;
  c.count = w.p.population;
  const auto n = std::size_t(c.count);
  c.person.resize(n);
  c.velocity.resize(n);  // zero pages: costs nothing until the velocity check runs
  c.known_seller_slot.resize(n);  // zero pages: costs nothing until the farmer pool lists a seller
  const int64_t cap = std::min<int64_t>(w.p.per_id_cap_max, Identity::kMaxCards);
  w.initial_cards_cdf = initial_cards_cdf(w.p.citizens_cards_initial_mean, cap);
  w.initial_cards_key = Stream(w.seed, w.replicate, -1, Phase::Init, kInitialCardsKeyEntity).next_u64();
  w.legit_initial = std::llround(double(c.count) * expected_initial_cards(w.initial_cards_cdf));
  w.legit_live = w.legit_initial;
}

/// The willing pool starts at its untapped size: inflow / exit rate, the level
/// at which holders becoming willing and ceasing to be balance with no recruiting.
// ---- income by role: each broker's ledger account belongs to its kind's party ----
void assign_broker_parties(World& w) {
  static constexpr Party kByKind[] = {Party::Merchants, Party::RecordSellers, Party::RecordSellers, Party::Raisers,
                                      Party::Organisers};
  static_assert(std::size(kByKind) == std::size_t(BrokerKind::Count));
  for (std::size_t b = 0; b < w.brokers.kind.size(); ++b)
    w.ledger.set_party(w.ledger.broker(int(b)), kByKind[int(w.brokers.kind[b])]);
}
// ---- end income by role ----


/// Regions' first holders and cumulative weights (World::layout).
/// Even sizes keep the closed form ceil(holders * r / regions).
void init_regions(World& w) {
  const auto regions = std::size_t(w.p.regions);
  const auto holders = uint64_t(w.citizens.count);
  const std::vector<uint64_t> weights = region_weights(w.p);
  uint64_t total = 0;
  for (uint64_t weight : weights) w.layout.weight_end.push_back(total += weight);
  // holders * weight must fit in 64 bits (population is at most 2e9).
  if (total > UINT64_MAX / 2000000000u) throw std::logic_error("region_sizes: table weights too large");
  w.layout.first_holder.assign(regions + 1, 0);
  for (std::size_t r = 1; r <= regions; ++r)
    w.layout.first_holder[r] = weights.empty() ? (holders * r + regions - 1) / regions
                                             : (holders * w.layout.weight_end[r - 1] + total - 1) / total;
}

/// Outlets per region: an even split, or one each plus the rest in proportion
/// to the regions' weights (so that a small region still has an outlet).
int64_t first_outlet_of_region(const World& w, int64_t outlets, int region) {
  const int64_t regions = w.p.regions;
  if (w.layout.weight_end.empty()) return outlets * region / regions;
  if (region == 0) return 0;
  const auto total = w.layout.weight_end.back();
  return region + int64_t(uint64_t(outlets - regions) * w.layout.weight_end[std::size_t(region) - 1] / total);
}

void init_outlets(World& w) {
  const int regions = int(w.p.regions);
  const int64_t n = outlet_count(w.p);
  Outlets& o = w.outlets;
  o.region_first.resize(std::size_t(regions) + 1);
  for (int r = 0; r <= regions; ++r) o.region_first[std::size_t(r)] = first_outlet_of_region(w, n, r);
  for (int r = 0; r < regions; ++r)
    for (int64_t i = o.region_first[std::size_t(r)]; i < o.region_first[std::size_t(r) + 1]; ++i) {
      o.region.push_back(uint16_t(r));
      o.carrier.push_back(uint16_t(i % w.p.carriers));
    }
  o.insider.assign(std::size_t(n), -1);
  o.cap_window_start.assign(std::size_t(n), 0);
  o.cap_count.assign(std::size_t(n), 0);
  o.burst_day.assign(std::size_t(n), -1);
  o.burst_count.assign(std::size_t(n), 0);
}

void init_insiders(World& w, Stream& s) {
  const int64_t n_outlets = w.outlet_count();
  const auto n = std::size_t(insider_posts(w.p));
  // Partial Fisher-Yates over outlet ids picks distinct corrupt outlets.
  std::vector<int32_t> ids(static_cast<std::size_t>(n_outlets));
  std::iota(ids.begin(), ids.end(), 0);
  Insiders& in = w.insiders;
  in.reservation.resize(n);
  in.shares_login.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::swap(ids[i], ids[i + s.below(ids.size() - i)]);
    in.outlet.push_back(ids[i]);
    w.outlets.insider[std::size_t(ids[i])] = int32_t(i);
    insider_takes_post(w, s, int32_t(i));
  }
  in.vacant_until.assign(n, 0);
  in.last_business_day.assign(n, kNoBusinessYet);
  in.white_left_today.assign(n, 0);
  in.raiser.assign(n, -1);
  in.convictions.assign(n, 0);
  in.balance_seen.assign(n, 0.0);
  in.recent_profit.assign(n, 0.0);
  in.low_profit_days.assign(n, 0);
  in.vacant.assign(n, 0);
}

void add_brokers(World& w, Stream& s, BrokerKind kind, int64_t count) {
  Brokers& b = w.brokers;
  for (int64_t i = 0; i < count; ++i) {
    b.kind.push_back(kind);
    b.region.push_back(uint16_t(w.random_region(s)));
  }
}

void init_brokers(World& w, Stream& s) {
  add_brokers(w, s, BrokerKind::Merchant, w.counts.merchants);
  add_brokers(w, s, BrokerKind::LaborAgency, w.counts.labor_agencies);
  add_brokers(w, s, BrokerKind::DataSeller, w.counts.data_sellers);
  add_brokers(w, s, BrokerKind::Raiser, w.counts.raisers);
  add_brokers(w, s, BrokerKind::Organiser, w.counts.organisers);
  Brokers& b = w.brokers;
  b.index_kinds();
  const std::size_t n = b.kind.size();
  b.absent_until.assign(n, 0);
  b.insiders.assign(n, {});
  b.stock.assign(n, {});
  b.records.assign(n, {});
  b.raising.assign(n, {});
  b.weight.resize(n * kProductionChannels);
  b.profit_ema.resize(n * kProductionChannels);
  b.raising_profit_ema.resize(n);
  b.unit_cost_ema.assign(n, w.p.farmer_price_initial_yuan);
  b.effort.assign(n, w.p.raising_effort_initial);
  b.convictions.assign(n, 0);
  b.worth_seen.assign(n, 0.0);
  b.recent_profit.assign(n, 0.0);
  b.low_profit_days.assign(n, 0);
  b.vacant.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) broker_enters(w, i);
  const auto n_insiders = uint64_t(w.insiders.outlet.size());
  if (n_insiders == 0) return;
  for (std::size_t i = 0; i < n; ++i) {
    if (b.kind[i] == BrokerKind::Merchant) {
      for (int64_t k = 0; k < w.p.brokers_insider_links; ++k) {
        const auto ins = int32_t(s.below(n_insiders));
        if (std::find(b.insiders[i].begin(), b.insiders[i].end(), ins) == b.insiders[i].end())
          b.insiders[i].push_back(ins);
      }
    } else if (b.kind[i] == BrokerKind::Raiser) {
      // A raising team works with one dealer insider (F6); prefer a free one.
      auto ins = int32_t(s.below(n_insiders));
      for (int tries = 0; tries < kRaiserDealerDraws && w.insiders.raiser[std::size_t(ins)] >= 0; ++tries)
        ins = int32_t(s.below(n_insiders));
      b.insiders[i].push_back(ins);
      w.insiders.raiser[std::size_t(ins)] = int32_t(i);
    }
  }
}

void init_rings(World& w, Stream& s) {
  const auto n = std::size_t(w.counts.rings);
  w.rings.fleet.assign(n, {});
  w.rings.revenue_factor.assign(n, 0.0);
  w.rings.absent_until.assign(n, 0);
  w.rings.convictions.assign(n, 0);
  w.rings.profit_today.assign(n, 0.0);
  w.rings.recent_profit.assign(n, 0.0);
  w.rings.low_profit_days.assign(n, 0);
  w.rings.vacant.assign(n, 0);
  w.rings.cards_in_use.assign(n, 0);
  w.rings.attempts_per_day = 0;
  for (std::size_t r = 0; r < n; ++r) found_ring(w, s, int32_t(r));
}

}  // namespace

// ---- regions that trade ----
/// Buyers' home regions, in proportion to the regions' sizes, from their own
/// stream (rings, then SIM-bank operators), and empty lists of cards in the post.
static void init_trade(World& w) {
  Stream s(w.seed, w.replicate, -1, Phase::Init, kBuyerHomeEntity);
  w.trade.home.assign(std::size_t(kCardUseCount), {});
  w.trade.incoming.assign(std::size_t(kCardUseCount), {});
  for (int u = 0; u < kCardUseCount; ++u) {
    const std::size_t buyers = use_fleets(w, CardUse(u)).size();
    w.trade.incoming[std::size_t(u)].assign(buyers, 0);
    for (std::size_t b = 0; b < buyers; ++b) w.trade.home[std::size_t(u)].push_back(w.random_region(s));
  }
  w.trade.arriving.assign(std::size_t(w.p.days) + 1, {});
  w.recorder.track_regions(int(w.p.regions));
}
// ---- end regions that trade ----

void Brokers::index_kinds() {
  for (auto& list : of_kind) list.clear();
  for (std::size_t i = 0; i < kind.size(); ++i) of_kind[std::size_t(kind[i])].push_back(int32_t(i));
}

void Market::clear_tallies() {
  farmer_ordered = farmer_obtained = farmer_contacts_used = farmer_contacts_cap = 0;
  white_ordered = white_delivered = white_capacity = 0;
  record_ordered = record_delivered = record_stock = 0;
  scammer_wanted = scammer_bought = scammer_offered = 0;
  records_out = face_records_out = 0;
  merchant_sold = 0;
  farmer_paid = 0;
  farmer_cards_tried = 0;
  face_record_ordered = face_record_stock = 0;
}

World::World(const Params& initial, uint64_t seed_, uint64_t replicate_)
    : seed(seed_), replicate(replicate_), p(initial), counts(criminal_counts(initial)),
      recorder(initial.days, int(activation_checks().size())) {
  init_citizens(*this);
  init_regions(*this);
  init_outlets(*this);
  Stream s(seed, replicate, -1, Phase::Init, kWorldBuildEntity);
  init_insiders(*this, s);
  init_brokers(*this, s);
  init_rings(*this, s);
  init_farmer_pool(*this);
  sim_banks.fleet.assign(std::size_t(counts.sim_banks), {});
  sim_banks.absent_until.assign(std::size_t(counts.sim_banks), 0);
  sim_banks.convictions.assign(std::size_t(counts.sim_banks), 0);
  init_trade(*this);
  init_bank(*this);  // two cards: nothing with bank.enabled off
  market.price_farmer = p.farmer_price_initial_yuan;
  market.price_white = p.insiders_price_initial_yuan;
  market.price_record = p.records_price_initial_yuan;
  market.price_face_record = p.records_price_initial_yuan;
  market.price_scammer = p.scammers_price_initial_yuan;
  // Day 0's willingness to pay farmers: the initial ring price at the minimum
  // markup (no merchant has perceived any risk yet).
  market.farmer_value = std::max(1.0, p.scammers_price_initial_yuan / (1.0 + p.market_min_markup));
  ledger.layout(int(p.carriers), int(insiders.outlet.size()), int(brokers.kind.size()), int(rings.fleet.size()),
                int(sim_banks.fleet.size()));
  assign_broker_parties(*this);
  cards_by_state.assign(std::size_t(CardState::Count), 0);
  cards_by_use.assign(std::size_t(kCardUseCount), 0);
  const auto horizon = std::size_t(p.days) + 1;
  shutdown_due.assign(horizon, {});
  commission_due.assign(horizon, {});
  honest_retry_due.assign(horizon, {});
  reported_shutdown_due.assign(horizon, {});
  honest_commission_due.assign(horizon * std::size_t(p.carriers), 0);
}

PoliceCases::PoliceCases()
    : card(kCaseSources), account(kCaseSources), day(kCaseSources), order(kCaseSources), head(kCaseSources, 0), day_sum(kCaseSources, 0) {}

uint64_t PoliceCases::waiting() const {
  uint64_t n = 0;
  for (std::size_t s = 0; s < kCaseSources; ++s) n += waiting(CaseSource(s));
  return n;
}

int World::buyer_home(CardUse use, int32_t buyer) const {
  const auto& homes = trade.home[std::size_t(use)];
  return std::size_t(buyer) < homes.size() ? homes[std::size_t(buyer)] : 0;  // a hand-made buyer lives in region 0
}

std::size_t World::cards_coming(CardUse use, int32_t buyer) const {
  const auto& coming = trade.incoming[std::size_t(use)];
  return std::size_t(buyer) < coming.size() ? std::size_t(coming[std::size_t(buyer)]) : 0;
}

int World::region_of_uneven(uint32_t identity) const {
  // The last region whose first holder is at or before `identity`.
  const auto after = std::upper_bound(layout.first_holder.begin() + 1, layout.first_holder.end() - 1, identity);
  return int(after - (layout.first_holder.begin() + 1));
}

int World::random_region(Stream& s) const {
  if (layout.weight_end.empty()) return int(s.below(uint64_t(p.regions)));
  const uint64_t x = s.below(layout.weight_end.back());
  return int(std::upper_bound(layout.weight_end.begin(), layout.weight_end.end(), x) - layout.weight_end.begin());
}

int World::random_other_region(Stream& s, int home) const {
  const auto regions = int(p.regions);
  if (layout.weight_end.empty()) return (home + 1 + int(s.below(uint64_t(regions - 1)))) % regions;
  const auto h = std::size_t(home);
  const uint64_t home_weight = layout.weight_end[h] - (h ? layout.weight_end[h - 1] : 0);
  const uint64_t home_start = h ? layout.weight_end[h - 1] : 0;
  uint64_t x = s.below(layout.weight_end.back() - home_weight);
  if (x >= home_start) x += home_weight;  // skip over home's share
  return int(std::upper_bound(layout.weight_end.begin(), layout.weight_end.end(), x) - layout.weight_end.begin());
}

int64_t World::holders_in(int region) const {
  const auto r = std::size_t(region);
  return int64_t(layout.first_holder[r + 1] - layout.first_holder[r]);
}

uint32_t World::random_identity_in(Stream& s, int region) const {
  const uint64_t first = layout.first_holder[std::size_t(region)];
  const uint64_t last = layout.first_holder[std::size_t(region) + 1];
  if (last <= first) return random_identity(s);
  return uint32_t(first + s.below(last - first));
}

uint32_t World::random_outlet_in(Stream& s, int region) const {
  const int64_t first = outlets.region_first[std::size_t(region)];
  const int64_t last = outlets.region_first[std::size_t(region) + 1];
  return uint32_t(first + int64_t(s.below(uint64_t(last - first))));
}

namespace {

/// Reserves room in each array of the part it visits.
struct ReserveArrays {
  std::size_t n;
  template <class T, class A> void array(const std::string&, std::vector<T, A>& v, Extent) { v.reserve(n); }
  template <class T> void scalar(const std::string&, T&) {}
  template <class T> void nested(const std::string&, std::vector<std::vector<T>>&) {}
};

}  // namespace

void World::reserve_cards(std::size_t n) {
  ReserveArrays reserve{n};
  visit_fields(reserve, cards);
}

uint32_t World::new_card_in_taken_slot(Channel ch, uint32_t identity, uint32_t outlet, int32_t broker,
                                       int32_t insider) {
  cards.channel.push_back(uint8_t(ch));
  cards.state.push_back(uint8_t(CardState::Stock));
  cards.identity.push_back(identity);
  cards.outlet.push_back(outlet);
  cards.broker.push_back(broker);
  cards.insider.push_back(insider);
  cards.use.push_back(0);
  cards.buyer.push_back(-1);
  cards.activation_day.push_back(int32_t(day));
  cards.commission_day.push_back(-1);
  cards.commission_payee.push_back(kNone);
  cards.commission_paid.push_back(0.f);
  cards.supplier.push_back(-1);
  cards_by_state[std::size_t(CardState::Stock)]++;
  recorder.add(channel_spec(ch).activated, 1);
  if (ch == Channel::Farmer) recorder.add_region(RegionSeries::FarmerActivations, outlets.region[outlet], 1);
  return cards.size() - 1;
}

void World::ring_fleet_changed(int32_t ring, int delta) {
  int32_t& held = rings.cards_in_use[std::size_t(ring)];
  const double before = ring_attempts_per_day(*this, ring, std::size_t(held));
  held += delta;
  rings.attempts_per_day += ring_attempts_per_day(*this, ring, std::size_t(held)) - before;
}

void World::put_in_use(uint32_t card, CardUse use, int32_t buyer) {
  assert(CardState(cards.state[card]) == CardState::Stock || CardState(cards.state[card]) == CardState::InTransit);
  set_card_state(card, CardState::InUse);
  cards.use[card] = uint8_t(use);
  cards.buyer[card] = buyer;
  cards_by_use[std::size_t(use)]++;
  if (use == CardUse::FraudCalls) ring_fleet_changed(buyer, +1);
  recorder.add(card_use_spec(use).entered, 1);
  if (use == CardUse::FraudCalls) {
    recorder.add_region(RegionSeries::CardsSoldToScammers, buyer_home(use, buyer), 1);
    // Supply shares count a card the day it enters fraud use, like
    // cards_sold_to_scammers: a card in the post counts when it arrives.
    const Metric sold_as = channel_spec(Channel(cards.channel[card])).share;
    for (Metric share : kShareMetrics) recorder.add_ratio(share, share == sold_as ? 1.0 : 0.0, 1.0);
  }
}

void World::set_card_state(uint32_t card, CardState s) {
  if (CardState(cards.state[card]) == CardState::InUse) {
    cards_by_use[cards.use[card]]--;
    if (CardUse(cards.use[card]) == CardUse::FraudCalls) ring_fleet_changed(cards.buyer[card], -1);
  }
  cards_by_state[cards.state[card]]--;
  cards.state[card] = uint8_t(s);
  cards_by_state[std::size_t(s)]++;
}

}  // namespace cardsim
