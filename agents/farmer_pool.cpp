#include "agents/farmer_pool.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "agents/citizen.h"

namespace cardsim {
namespace {

/// Production-phase stream of the pool's own draws: above every broker index.
constexpr uint64_t kPoolEntity = uint64_t(1) << 40;
/// Monitoring-phase streams of sanction draws, one per card shut: above the
/// monitoring phase's own entity 0.
constexpr uint64_t kSanctionEntity = uint64_t(1) << 40;

std::size_t region_index(const World& w, uint32_t person) { return std::size_t(w.region_of(person)); }

constexpr int kBands = FarmerPool::kBands;
constexpr double kBandSpan = 3.0;  // bands cover the median +- 3 spreads; the tails join the end bands

/// Lower edge of band `b` in spreads from the median (b = kBands: the top edge).
double band_edge(int b) { return -kBandSpan + 2.0 * kBandSpan * double(b) / double(kBands); }

/// The standard normal's mass below the upper edge of band `b` (1 for the
/// last band, which takes the upper tail): the share of a fresh pool in
/// bands 0..b.
double mass_up_to_band(int b) {
  return b == kBands - 1 ? 1.0 : 0.5 * std::erfc(-band_edge(b + 1) / std::sqrt(2.0));
}

int64_t& band_count(World& w, std::size_t region, int band) {
  return w.farmer_pool.by_band[region * std::size_t(kBands) + std::size_t(band)];
}

/// A new willing person's band: their reservation drawn from the log-normal
/// of farmer.reservation_median_yuan and farmer.reservation_sigma.
int draw_band(Stream& s) {
  const double z = s.normal();
  return std::clamp(int(std::floor((z + kBandSpan) / (2.0 * kBandSpan) * double(kBands))), 0, kBands - 1);
}

int64_t& known_in_band(World& w, std::size_t region, int band) {
  return w.farmer_pool.known_by_band[region * std::size_t(kBands) + std::size_t(band)];
}

/// Joins the willing count as a known individual (flag kFarmer, listed in
/// `known` with their band, their place in Citizens::known_seller_slot): a
/// later contact that reaches them reaches this identity again, and an arrest
/// or sanction removes exactly them. A person listed already is not listed twice.
void join_pool(World& w, uint32_t person, int band) {
  Identity& id = w.citizens.person[person];
  if (id.flags() & Citizens::kFarmer) return;
  const std::size_t r = region_index(w, person);
  FarmerPool& f = w.farmer_pool;
  f.willing[r]++;
  band_count(w, r, band)++;
  f.known[r].push_back(person);
  f.known_band[r].push_back(band);
  w.citizens.known_seller_slot[person] = uint32_t(f.known[r].size());  // index + 1
  known_in_band(w, r, band)++;
  id.set_flags(Citizens::kFarmer);
}

/// Takes the known seller at `index` of region `r` out of the willing count
/// and their band (swap with the last: the list's order carries no meaning
/// beyond the draws, which are keyed on it and so stay reproducible; the
/// last's slot follows it, before the leaver's is cleared, which is the same
/// person's when the leaver is the last).
void remove_known(World& w, std::size_t r, std::size_t index) {
  FarmerPool& f = w.farmer_pool;
  const int band = f.known_band[r][index];
  const uint32_t leaver = f.known[r][index];
  w.citizens.person[leaver].clear_flags(Citizens::kFarmer);
  w.citizens.known_seller_slot[f.known[r].back()] = uint32_t(index + 1);
  w.citizens.known_seller_slot[leaver] = 0;
  f.known[r][index] = f.known[r].back();
  f.known_band[r][index] = f.known_band[r].back();
  f.known[r].pop_back();
  f.known_band[r].pop_back();
  known_in_band(w, r, band)--;
  band_count(w, r, band)--;
  f.willing[r]--;
}

/// One willing person of region `r`, each equally likely: a known seller
/// (their identity written to `person`, their list index to `known_index`)
/// or one of the anonymous willing, drawn by the bands' anonymous counts.
int draw_member(World& w, Stream& s, std::size_t r, uint32_t& person, int64_t& known_index) {
  const FarmerPool& f = w.farmer_pool;
  int64_t u = int64_t(s.below(uint64_t(std::max<int64_t>(1, f.willing[r]))));
  if (u < int64_t(f.known[r].size())) {
    known_index = u;
    person = f.known[r][std::size_t(u)];
    return f.known_band[r][std::size_t(u)];
  }
  known_index = -1;
  u -= int64_t(f.known[r].size());
  for (int b = 0; b < kBands; ++b)
    if ((u -= band_count(w, r, b) - known_in_band(w, r, b)) < 0) return b;
  return kBands - 1;  // unreachable while the bands sum to the willing count
}

/// Each band's eagerness, e_b = (R_b / median)^-eagerness (1 for every band
/// at eagerness 0), and the untapped pool's mean eagerness per holder (the
/// mean of e_b over the bands' shares at the start, init_farmer_pool's
/// spread). Kept per thread for the parameters last seen, since a contact
/// needs them and a schedule may change them during a run.
struct EagernessTable {
  double eagerness = -1, sigma = -1;
  double by_band[kBands] = {};
  double untapped = 1;
};

const EagernessTable& eagerness_table(const Params& p) {
  thread_local EagernessTable t;
  if (t.eagerness == p.farmer_pool_eagerness && t.sigma == p.farmer_reservation_sigma) return t;
  t.eagerness = p.farmer_pool_eagerness;
  t.sigma = p.farmer_reservation_sigma;
  t.untapped = 0;
  double below = 0;
  for (int b = 0; b < kBands; ++b) {
    const double middle = 0.5 * (band_edge(b) + band_edge(b + 1));
    t.by_band[b] = std::exp(-t.eagerness * t.sigma * middle);
    const double upto = mass_up_to_band(b);
    t.untapped += (upto - below) * t.by_band[b];
    below = upto;
  }
  // Exactly 1 without eagerness (the shares' sum may round below it), so
  // that the willing met at random keep the reach and surplus they had.
  if (t.eagerness == 0) t.untapped = 1;
  return t;
}

/// Region `r`'s willing weighted by eagerness.
double eager_willing(const World& w, const EagernessTable& e, std::size_t r) {
  double sum = 0;
  for (int b = 0; b < kBands; ++b) sum += double(w.farmer_pool.by_band[r * std::size_t(kBands) + std::size_t(b)]) * e.by_band[b];
  return sum;
}

/// draw_member with eagerness: a band by its willing times their eagerness,
/// then a known seller of it (drawn from the region's list until one of the
/// band comes up) or an anonymous one, by their counts in the band.
int draw_eager_member(World& w, Stream& s, std::size_t r, uint32_t& person, int64_t& known_index) {
  const FarmerPool& f = w.farmer_pool;
  const EagernessTable& e = eagerness_table(w.p);
  double u = s.uniform() * eager_willing(w, e, r);
  int band = -1;
  for (int b = 0; b < kBands; ++b) {
    const int64_t n = band_count(w, r, b);
    if (n <= 0) continue;
    band = b;  // the last band with willing, should rounding leave u >= 0 after it
    if ((u -= double(n) * e.by_band[b]) < 0) break;
  }
  assert(band >= 0 && "draw_eager_member needs a willing holder in the region");
  const int64_t in_band = band_count(w, r, band);
  const int64_t known = known_in_band(w, r, band);
  known_index = -1;
  if (known > 0 && s.below(uint64_t(std::max<int64_t>(1, in_band))) < uint64_t(known)) {
    // known_by_band counts the list's members of each band (the 'known
    // sellers' invariant), so one of the band is on the list.
    for (;;) {
      const auto i = int64_t(s.below(uint64_t(f.known[r].size())));
      if (f.known_band[r][std::size_t(i)] != band) continue;
      known_index = i;
      person = f.known[r][std::size_t(i)];
      break;
    }
  }
  return band;
}

/// Sanctions ending today: the holder may sell again and returns to the pool
/// with a reservation drawn afresh (the old one is not kept).
void end_sanctions(World& w, Stream& s) {
  FarmerPool& f = w.farmer_pool;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < f.sanctioned.size(); ++i) {
    if (f.sanctioned_until[i] > w.day) {
      f.sanctioned[kept] = f.sanctioned[i];
      f.sanctioned_until[kept++] = f.sanctioned_until[i];
      continue;
    }
    w.recorder.add(Metric::farmers_sanction_ended, 1);
    if (w.p.farmer_pool_enabled && w.p.sanctions_bars_selling) join_pool(w, f.sanctioned[i], draw_band(s));
  }
  f.sanctioned.resize(kept);
  f.sanctioned_until.resize(kept);
}

/// Lists `person` as barred until day `until` (or later, when a longer bar
/// stands already): a credit sanction, or a sentence followed by one.
void bar_until(World& w, uint32_t person, int32_t until) {
  FarmerPool& f = w.farmer_pool;
  const auto it = std::lower_bound(f.sanctioned.begin(), f.sanctioned.end(), person);
  const auto at = it - f.sanctioned.begin();
  if (it != f.sanctioned.end() && *it == person) {
    f.sanctioned_until[std::size_t(at)] = std::max(f.sanctioned_until[std::size_t(at)], until);
    return;
  }
  f.sanctioned.insert(it, person);
  f.sanctioned_until.insert(f.sanctioned_until.begin() + at, until);
  if (w.p.sanctions_bars_selling) farmer_leaves_pool(w, person, Metric::farmers_left_sanction);
}

void sanction(World& w, uint32_t person) {
  w.recorder.add(Metric::farmers_sanctioned, 1);
  bar_until(w, person, int32_t(w.day + w.p.sanctions_duration_days));
}

}  // namespace

double band_reservation_yuan(const Params& p, int band) {
  const double middle = 0.5 * (band_edge(band) + band_edge(band + 1));
  return p.farmer_reservation_median_yuan * std::exp(p.farmer_reservation_sigma * middle);
}

namespace {

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// E[(value - ask)+] for ask = a R + b with R log-normal (median m, spread sigma).
double fresh_expected_surplus_yuan(const World& w, double value_yuan) {
  const Params& p = w.p;
  const double a = 1.0 + p.awareness_farmer_effect * p.awareness_level;
  const double b = p.farmer_risk_premium_yuan * w.risk.farmer;
  const double k = (value_yuan - b) / a;  // the highest reservation that sells
  if (k <= 0) return 0.0;
  const double m = p.farmer_reservation_median_yuan, sigma = p.farmer_reservation_sigma;
  const double z = std::log(k / m) / sigma;
  return a * (k * standard_normal_cdf(z) - m * std::exp(0.5 * sigma * sigma) * standard_normal_cdf(z - sigma));
}

/// The same over the pool's bands: a contact reaches a willing member of its
/// region with chance willing / untapped, and regions are met by their holders.
double pool_expected_surplus_yuan(const World& w, double value_yuan) {
  const FarmerPool& f = w.farmer_pool;
  const EagernessTable& e = eagerness_table(w.p);
  double total = 0, holders = 0;
  for (std::size_t r = 0; r < f.willing.size(); ++r) {
    const double weight = double(w.holders_in(int(r)));
    holders += weight;
    if (f.untapped[r] <= 0) continue;
    double sum = 0;
    for (int b = 0; b < kBands; ++b) {
      const double ask = farmer_ask_yuan(w, band_reservation_yuan(w.p, b));
      if (ask < value_yuan)
        sum += double(f.by_band[r * std::size_t(kBands) + std::size_t(b)]) * e.by_band[b] * (value_yuan - ask);
    }
    total += weight * sum / (double(f.untapped[r]) * e.untapped);
  }
  return holders > 0 ? total / holders : 0.0;
}

}  // namespace

double expected_surplus_per_contact_yuan(const World& w, double value_yuan) {
  return w.p.farmer_pool_enabled ? pool_expected_surplus_yuan(w, value_yuan) : fresh_expected_surplus_yuan(w, value_yuan);
}

void init_farmer_pool(World& w) {
  FarmerPool& f = w.farmer_pool;
  f.by_band.assign(std::size_t(w.p.regions) * std::size_t(kBands), 0);
  for (int r = 0; r < int(w.p.regions); ++r) {
    const double inflow = double(w.holders_in(r)) * w.p.farmer_pool_inflow_per_million / 1e6;
    const int64_t size = std::llround(inflow / w.p.farmer_pool_exit_rate);
    f.untapped.push_back(size);
    // The normal's mass below each upper edge, rounded cumulatively so that the bands sum to the size.
    int64_t below = 0;
    for (int b = 0; b < kBands; ++b) {
      const int64_t upto = std::llround(double(size) * mass_up_to_band(b));
      band_count(w, std::size_t(r), b) = upto - below;
      below = upto;
    }
  }
  f.willing = f.untapped;
  f.known.assign(std::size_t(w.p.regions), {});
  f.known_band.assign(std::size_t(w.p.regions), {});
  f.known_by_band.assign(f.by_band.size(), 0);
}

void update_farmer_pool(World& w) {
  Stream s = w.stream(Phase::Production, kPoolEntity);
  end_sanctions(w, s);
  FarmerPool& f = w.farmer_pool;
  f.reached_today = f.refused_today = 0;
  if (!w.p.farmer_pool_enabled) return;
  for (std::size_t r = 0; r < f.willing.size(); ++r) {
    const int64_t in = s.poisson(double(w.holders_in(int(r))) * w.p.farmer_pool_inflow_per_million / 1e6);
    for (int64_t k = 0; k < in; ++k) band_count(w, r, draw_band(s))++;
    int64_t out = 0;
    for (int b = 0; b < kBands; ++b) {  // the anonymous willing of each band
      int64_t& n = band_count(w, r, b);
      const int64_t anonymous = n - known_in_band(w, r, b);
      const int64_t leaving = std::min(anonymous, s.poisson(double(anonymous) * w.p.farmer_pool_exit_rate));
      n -= leaving;
      out += leaving;
    }
    f.willing[r] += in - out;
    // The known sellers leave at the same rate, each equally likely.
    const int64_t known_leaving =
        std::min(int64_t(f.known[r].size()), s.poisson(double(f.known[r].size()) * w.p.farmer_pool_exit_rate));
    for (int64_t k = 0; k < known_leaving; ++k) remove_known(w, r, std::size_t(s.below(uint64_t(f.known[r].size()))));
    out += known_leaving;
    w.recorder.add(Metric::farmers_became_willing, double(in));
    w.recorder.add(Metric::farmers_left_exit, double(out));
  }
}

Reached reach_willing_seller(World& w, Stream& s, uint32_t person) {
  Reached out{kFreshReservation, person, -1};
  if (!w.p.farmer_pool_enabled) return out;
  out.band = kNotReached;
  const std::size_t r = region_index(w, person);
  const FarmerPool& f = w.farmer_pool;
  // Without eagerness the eager willing are the willing: no pass over the bands.
  const bool eager = w.p.farmer_pool_eagerness > 0;
  const EagernessTable& e = eagerness_table(w.p);
  const double untapped = double(f.untapped[r]) * e.untapped;
  const double reach = untapped > 0 ? (eager ? eager_willing(w, e, r) : double(f.willing[r])) / untapped : 0.0;
  if (!s.bernoulli(reach)) return out;
  if (w.p.sanctions_bars_selling && under_sanction(w, person)) return out;
  if (f.willing[r] <= 0) return out;
  const int band = eager ? draw_eager_member(w, s, r, out.person, out.known_index)
                         : draw_member(w, s, r, out.person, out.known_index);
  // A known seller met as an anonymous one (the contact's identity is on
  // the list): a spent contact, so that no one is counted twice.
  if (out.known_index < 0 && (w.citizens.person[person].flags() & Citizens::kFarmer)) return out;
  out.band = band;
  return out;
}

double reached_ask_yuan(World& w, Stream& s, int band) {
  if (band == kFreshReservation) return fresh_farmer_ask_yuan(w, s);
  return farmer_ask_yuan(w, band_reservation_yuan(w.p, band));
}

bool accepts_offer(World& w, Stream& s, int band, double offer_yuan, double* ask_yuan) {
  const double ask = reached_ask_yuan(w, s, band);
  if (ask_yuan) *ask_yuan = ask;
  const bool accepts = offer_yuan >= ask;
  w.farmer_pool.reached_today += 1;
  w.recorder.add(Metric::farmers_reached, 1);
  if (!accepts) w.farmer_pool.refused_today += 1;
  return accepts;
}

void recruit_farmer(World& w, const Reached& seller) {
  w.recorder.add(Metric::farmers_recruited, 1);
  if (!w.p.farmer_pool_enabled) return;
  const std::size_t r = region_index(w, seller.person);
  if (seller.known_index >= 0) {
    remove_known(w, r, std::size_t(seller.known_index));
    return;
  }
  int64_t& willing = w.farmer_pool.willing[r];
  int64_t& in_band = band_count(w, r, seller.band);
  if (willing > 0 && in_band > known_in_band(w, r, seller.band)) {
    willing--;
    in_band--;
  }
}

void farmer_visit_done(World& w, uint32_t person, int band) {
  if (!w.p.farmer_pool_enabled) return;
  const int live = w.legit_cards(person) + w.citizens.person[person].criminal_cards();
  // The cards opened set the flag; the person is not listed while recruited.
  w.citizens.person[person].clear_flags(Citizens::kFarmer);
  if (live >= w.p.per_id_cap_max) {
    w.recorder.add(Metric::farmers_left_id_cap, 1);
    return;
  }
  join_pool(w, person, band);
}

void farmer_leaves_pool(World& w, uint32_t person, Metric cause) {
  Identity& id = w.citizens.person[person];
  if (!(id.flags() & Citizens::kFarmer)) return;  // not in the pool (left already, or never sold)
  if (!w.p.farmer_pool_enabled) {
    id.clear_flags(Citizens::kFarmer);
    return;
  }
  // The person's slot gives their place in the region's list: O(1) per
  // arrest or sanction, whatever the number of known sellers.
  const uint32_t slot = w.citizens.known_seller_slot[person];
  if (slot == 0) {  // flagged by cards opened today, not listed
    id.clear_flags(Citizens::kFarmer);
    return;
  }
  const std::size_t r = region_index(w, person);
  assert(slot <= w.farmer_pool.known[r].size() && w.farmer_pool.known[r][slot - 1] == person);
  remove_known(w, r, std::size_t(slot - 1));
  w.recorder.add(cause, 1);
}

void sanction_holder(World& w, uint32_t person) { sanction(w, person); }

void farmer_card_shut(World& w, uint32_t card) {
  if (!w.p.sanctions_enabled || w.cards.channel[card] != uint8_t(Channel::Farmer)) return;
  Stream s = w.stream(Phase::Monitoring, kSanctionEntity + card);
  if (s.bernoulli(w.p.sanctions_prob_on_fraud_shutdown)) sanction(w, w.cards.identity[card]);
}

void farmer_serves_sentence(World& w, uint32_t person, int64_t sentence_days) {
  const int64_t record = w.p.sanctions_enabled ? w.p.sanctions_duration_days : 0;
  bar_until(w, person, int32_t(w.day + sentence_days + record));
}

double pool_median_reservation_yuan(const World& w) {
  const FarmerPool& f = w.farmer_pool;
  if (!w.p.farmer_pool_enabled) return 0.0;
  int64_t counts[kBands] = {}, total = 0;
  for (std::size_t i = 0; i < f.by_band.size(); ++i) {
    counts[i % std::size_t(kBands)] += f.by_band[i];
    total += f.by_band[i];
  }
  if (total <= 0) return 0.0;
  int64_t below = 0;
  for (int b = 0; b < kBands; ++b)
    if (2 * (below += counts[b]) >= total) return band_reservation_yuan(w.p, b);
  return band_reservation_yuan(w.p, kBands - 1);
}

bool under_sanction(const World& w, uint32_t identity) {
  const auto& list = w.farmer_pool.sanctioned;
  return !list.empty() && std::binary_search(list.begin(), list.end(), identity);
}

}  // namespace cardsim
