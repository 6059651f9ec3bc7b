#include "agents/farmer_pool.h"

#include <algorithm>

namespace cardsim {
namespace {

/// Production-phase stream of the pool's own draws: above every broker index.
constexpr uint64_t kPoolEntity = uint64_t(1) << 40;
/// Monitoring-phase streams of sanction draws, one per card shut: above the
/// monitoring phase's own entity 0.
constexpr uint64_t kSanctionEntity = uint64_t(1) << 40;

std::size_t region_index(const World& w, uint32_t person) { return std::size_t(w.region_of(person)); }

/// Joins the willing count as a known individual (flag kFarmer), so that an
/// arrest or sanction later removes exactly one willing person.
void join_pool(World& w, uint32_t person) {
  w.farmer_pool.willing[region_index(w, person)]++;
  w.citizens.person[person].set_flags(Citizens::kFarmer);
}

/// Sanctions ending today: the holder may sell again and returns to the pool.
void end_sanctions(World& w) {
  FarmerPool& f = w.farmer_pool;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < f.sanctioned.size(); ++i) {
    if (f.sanctioned_until[i] > w.day) {
      f.sanctioned[kept] = f.sanctioned[i];
      f.sanctioned_until[kept++] = f.sanctioned_until[i];
      continue;
    }
    w.recorder.add(Metric::farmers_sanction_ended, 1);
    if (w.p.farmer_pool_enabled && w.p.sanctions_bars_selling) join_pool(w, f.sanctioned[i]);
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

void update_farmer_pool(World& w) {
  end_sanctions(w);
  if (!w.p.farmer_pool_enabled) return;
  Stream s = w.stream(Phase::Production, kPoolEntity);
  FarmerPool& f = w.farmer_pool;
  for (std::size_t r = 0; r < f.willing.size(); ++r) {
    const int64_t in = s.poisson(double(w.holders_in(int(r))) * w.p.farmer_pool_inflow_per_million / 1e6);
    const int64_t out = std::min(f.willing[r], s.poisson(double(f.willing[r]) * w.p.farmer_pool_exit_rate));
    f.willing[r] += in - out;
    w.recorder.add(Metric::farmers_became_willing, double(in));
    w.recorder.add(Metric::farmers_left_exit, double(out));
  }
}

bool reaches_willing_seller(World& w, Stream& s, uint32_t person) {
  if (!w.p.farmer_pool_enabled) return true;
  const std::size_t r = region_index(w, person);
  const FarmerPool& f = w.farmer_pool;
  const double reach = f.untapped[r] > 0 ? double(f.willing[r]) / double(f.untapped[r]) : 0.0;
  if (!s.bernoulli(reach)) return false;
  return !(w.p.sanctions_bars_selling && under_sanction(w, person));
}

void recruit_farmer(World& w, uint32_t person) {
  w.recorder.add(Metric::farmers_recruited, 1);
  if (!w.p.farmer_pool_enabled) return;
  int64_t& willing = w.farmer_pool.willing[region_index(w, person)];
  if (w.citizens.person[person].flags() & Citizens::kFarmer) w.citizens.person[person].clear_flags(Citizens::kFarmer);
  willing = std::max<int64_t>(0, willing - 1);
}

void farmer_visit_done(World& w, uint32_t person) {
  if (!w.p.farmer_pool_enabled) return;
  const int live = w.legit_cards(person) + w.citizens.person[person].criminal_cards();
  if (live >= w.p.per_id_cap_max) {
    w.citizens.person[person].clear_flags(Citizens::kFarmer);
    w.recorder.add(Metric::farmers_left_id_cap, 1);
    return;
  }
  join_pool(w, person);
}

void farmer_leaves_pool(World& w, uint32_t person, Metric cause) {
  Identity& id = w.citizens.person[person];
  if (!(id.flags() & Citizens::kFarmer)) return;  // not in the pool (left already, or never sold)
  id.clear_flags(Citizens::kFarmer);
  if (!w.p.farmer_pool_enabled) return;
  int64_t& willing = w.farmer_pool.willing[region_index(w, person)];
  if (willing == 0) return;  // the anonymous exit took them already
  willing--;
  w.recorder.add(cause, 1);
}

void farmer_card_shut(World& w, uint32_t card) {
  if (!w.p.sanctions_enabled || w.cards.channel[card] != uint8_t(Channel::Farmer)) return;
  Stream s = w.stream(Phase::Monitoring, kSanctionEntity + card);
  if (s.bernoulli(w.p.sanctions_prob_on_fraud_shutdown)) sanction(w, w.cards.identity[card]);
}

void farmer_serves_sentence(World& w, uint32_t person, int64_t sentence_days) {
  const int64_t record = w.p.sanctions_enabled ? w.p.sanctions_duration_days : 0;
  bar_until(w, person, int32_t(w.day + sentence_days + record));
}

bool under_sanction(const World& w, uint32_t identity) {
  const auto& list = w.farmer_pool.sanctioned;
  return !list.empty() && std::binary_search(list.begin(), list.end(), identity);
}

}  // namespace cardsim
