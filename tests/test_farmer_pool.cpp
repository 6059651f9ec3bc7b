// The finite pool of holders willing to sell a card (agents/farmer_pool.h)
// and the credit sanction (sanctions.*), read from a run's outputs once the
// pool has settled. The doubling tests run the baseline's own pool for four
// years; the others turn the pool over faster than the baseline (same
// untapped size, 3,650 per million, with a willingness that lasts 100 days
// instead of two years), so that it settles within a short run.
#include <catch2/catch.hpp>

#include <algorithm>

#include "agents/farmer_pool.h"
#include "agents/police.h"
#include "core/invariants.h"
#include "core/market.h"
#include "invariant_fixtures.h"
#include "model_fixtures.h"
#include "snapshot_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

constexpr int kReplicates = 12;
constexpr int64_t kDays = 500;
constexpr int64_t kSettledFrom = 250;  // the pool's level changes little after this day

const std::vector<std::string> kFastTurnover = {"farmer.pool.enabled=true", "sanctions.enabled=true",
                                                "farmer.pool.exit_rate=0.01", "farmer.pool.inflow_per_million=36.5"};

/// The fast-turnover pool, then `sets` (which may override it).
Scenario fast_pool(const std::vector<std::string>& sets) {
  std::vector<std::string> all = kFastTurnover;
  all.insert(all.end(), sets.begin(), sets.end());
  return with(small_baseline(1000000, kDays), all);
}

/// Mean over the settled days of a daily series, one value per replicate.
std::vector<double> settled_means(const RunResult& r, const std::string& metric) {
  const int m = find_metric(metric);
  REQUIRE(m >= 0);
  std::vector<double> out;
  for (const auto& daily : r.daily) {
    double sum = 0;
    for (int64_t d = kSettledFrom; d < r.days; ++d) sum += daily[std::size_t(m * r.days + d)];
    out.push_back(sum / double(r.days - kSettledFrom));
  }
  return out;
}

/// Mean and 90% confidence interval of the mean paired difference b - a of
/// the settled level of `metric`.
Interval settled_difference(const RunResult& a, const RunResult& b, const std::string& metric) {
  const auto x = settled_means(a, metric), y = settled_means(b, metric);
  std::vector<double> d;
  for (std::size_t i = 0; i < x.size(); ++i) d.push_back(y[i] - x[i]);
  double sum = 0, sq = 0;
  for (double v : d) sum += v;
  const double mean = sum / double(d.size());
  for (double v : d) sq += (v - mean) * (v - mean);
  const double se = std::sqrt(sq / double(d.size() - 1) / double(d.size()));
  return {mean, mean - 1.645 * se, mean + 1.645 * se};
}

}  // namespace

namespace {

/// Settled levels of the baseline's pool switched on (off by default; inflow 5
/// per million a day, a willingness of two years): four years, read over the last 460 days (the
/// pool's level changes by less than its noise after day 900).
constexpr int kDoublingReplicates = 100;
constexpr int64_t kDoublingDays = 1460, kDoublingSettledFrom = 1000;

Interval baseline_settled_difference(const RunResult& a, const RunResult& b, const std::string& metric) {
  const int m = find_metric(metric);
  REQUIRE(m >= 0);
  std::vector<double> x, y;  // settled means, one per replicate
  for (std::size_t i = 0; i < a.daily.size(); ++i) {
    double sa = 0, sb = 0;
    for (int64_t day = kDoublingSettledFrom; day < a.days; ++day) {
      sa += a.daily[i][std::size_t(m * a.days + day)];
      sb += b.daily[i][std::size_t(m * b.days + day)];
    }
    x.push_back(sa / double(a.days - kDoublingSettledFrom));
    y.push_back(sb / double(b.days - kDoublingSettledFrom));
  }
  return mean_paired_ci90(x, y);
}

/// The baseline and the baseline with twice the recruiting: each merchant's
/// reference reach farmer.contacts_per_recruiter 4 -> 8 at the same
/// farmer.contact_cost_yuan. The k-th contact of a day costs c k / k0, so
/// this is twice the recruiters, each contacting people as before at the
/// same cost per contact: at the same expected surplus a contact leaves,
/// twice the contacts a day (docs/model.md 4.1, step 1).
struct Doubling {
  RunResult base, doubled;
};
const Doubling& doubled_recruiting() {
  static const Doubling d = [] {
    const Scenario base = with(small_baseline(1000000, kDoublingDays), {"farmer.pool.enabled=true"});
    return Doubling{run(base, kDoublingReplicates, 7),
                    run(with(base, {"farmer.contacts_per_recruiter=8"}), kDoublingReplicates, 7)};
  }();
  return d;
}

}  // namespace

// Depletion against inflow, read after the pool has settled: doubled
// recruiting lowers the pool, leaves its willing dearer and raises farmers'
// pay. Pay rises because recruiters meet the eager (cheap) willing first
// (farmer.pool.eagerness, 1 by default): deeper recruiting sells them off,
// and the sellers found ask more. With every willing holder equally likely
// (eagerness 0) the same doubling moves pay by -1.1 yuan [-3.0, +0.8]
// over 100 replicates: the depletion then shows in the share of the willing
// above what a card is worth, hardly in the asks of those who sell
// (docs/model.md 4.1.3). Against it, the extra cards lower the ring price
// and with it the most merchants pay for a farmer's card, so the rise is
// small (about 1% of the pay) and needs 100 replicates to be told from noise.
TEST_CASE("doubling recruitment lowers the settled pool, leaves its willing dearer and raises farmers' pay",
          "[farmer_pool][depletion]") {
  const Doubling& d = doubled_recruiting();
  const Interval pool = baseline_settled_difference(d.base, d.doubled, "farmer_pool");
  const Interval dearer = baseline_settled_difference(d.base, d.doubled, "farmer_pool_median_reservation_yuan");
  const Interval pay = baseline_settled_difference(d.base, d.doubled, "price_farmer_yuan");
  const Interval ring = baseline_settled_difference(d.base, d.doubled, "price_scammer_yuan");
  const Interval recruited = baseline_settled_difference(d.base, d.doubled, "farmers_recruited");
  INFO("settled pool change " << pool.mean << " persons [" << pool.lo << ", " << pool.hi
                              << "]; median reservation of the willing " << dearer.mean << " yuan [" << dearer.lo
                              << ", " << dearer.hi << "]; farmers' pay " << pay.mean << " yuan [" << pay.lo << ", "
                              << pay.hi << "]; ring price " << ring.mean << " yuan [" << ring.lo << ", " << ring.hi
                              << "]; farmers recruited a day " << recruited.mean << " [" << recruited.lo << ", "
                              << recruited.hi << "]");
  CHECK(pool.hi < 0);
  // The rising supply curve (docs/model.md 4.1.3): deeper recruiting sells
  // off the cheapest willing holders, so the willing left ask more...
  CHECK(dearer.lo > 0);
  // ...and so do the sellers found, met eager first.
  CHECK(pay.lo > 0);
}

TEST_CASE("half the inflow against the same recruiting depletes the pool and raises farmers' pay", "[farmer_pool]") {
  // Depletion against inflow without a change of reach: the same recruiters
  // meet half the people becoming willing each day, so recruitment is twice
  // the inflow it was. The pool settles lower, the willing left are dearer,
  // and since each seller is paid their ask, farmers' pay rises. Run with
  // free accounts (bank.enabled=false), where recruiting is the pool's main
  // outflow: it takes the cheapest sellers, so the willing left ask more.
  // With bank accounts in the rings' margin (the baseline) fewer farmers are
  // recruited (4.0 a day against 6.0, days 250-500, 40 replicates, seed 7),
  // exits at random drain the pool as much as sales do, and halving the
  // inflow leaves the willing only 7 yuan dearer (26 with free accounts):
  // farmers' pay moves by +1.3 yuan (-2.3 to +4.9) over 40 replicates, an
  // effect the test cannot tell from noise (docs/model.md 4.1.3).
  const RunResult base = run(fast_pool({"bank.enabled=false"}), kReplicates, 7);
  const RunResult scarce =
      run(fast_pool({"bank.enabled=false", "farmer.pool.inflow_per_million=18.25"}), kReplicates, 7);
  const Interval pool = settled_difference(base, scarce, "farmer_pool");
  const Interval pay = settled_difference(base, scarce, "price_farmer_yuan");
  INFO("settled pool change " << pool.mean << " persons [" << pool.lo << ", " << pool.hi << "]; farmer pay change "
                              << pay.mean << " yuan [" << pay.lo << ", " << pay.hi << "]");
  CHECK(pool.hi < 0);
  CHECK(pay.lo > 0);
}

TEST_CASE("the pool's reservation bands: the cheap sell, the dear refuse, and depletion takes the cheapest", "[farmer_pool][agents]") {
  Params p = tiny_area_params();
  p.farmer_pool_enabled = true;
  p.farmer_pool_inflow_per_million = 0;  // no draw changes the bands in this test
  p.awareness_level = 0;
  p.farmer_risk_premium_yuan = 0;
  World w(p, 7, 0);
  constexpr int kBands = FarmerPool::kBands;
  REQUIRE(w.farmer_pool.by_band.size() == std::size_t(2 * kBands));
  // Hand-set region 0: two willing holders in band 3, one in band 20.
  std::fill(w.farmer_pool.by_band.begin(), w.farmer_pool.by_band.end(), 0);
  w.farmer_pool.by_band[3] = 2;
  w.farmer_pool.by_band[20] = 1;
  w.farmer_pool.willing = {3, 0};
  const double cheap = band_reservation_yuan(w.p, 3), dear = band_reservation_yuan(w.p, 20);
  REQUIRE(cheap < dear);
  CHECK(band_reservation_yuan(w.p, kBands / 2) > w.p.farmer_reservation_median_yuan);  // the band just above the median
  CHECK(band_reservation_yuan(w.p, kBands / 2 - 1) < w.p.farmer_reservation_median_yuan);
  Stream s = w.stream(Phase::Production, 0);
  // A card worth `value` to the merchant: the cheap holder's ask is below it
  // and they sell, the dear one's above it and they refuse.
  const double value = 0.5 * (cheap + dear);
  double ask = 0;
  CHECK(accepts_offer(w, s, 3, value, &ask));
  CHECK(ask == cheap);  // no awareness, no risk: the ask is the reservation
  CHECK_FALSE(accepts_offer(w, s, 20, value, &ask));
  CHECK(ask == dear);
  CHECK(w.farmer_pool.reached_today == 2);
  CHECK(w.farmer_pool.refused_today == 1);
  // The seller is paid their ask, plus their bargaining share of the surplus.
  CHECK(farmer_pay_yuan(w.p, cheap, value) == cheap);
  w.p.market_farmer_bargaining_share = 0.25;
  CHECK(farmer_pay_yuan(w.p, cheap, value) == Approx(cheap + 0.25 * (value - cheap)));
  // The reported farmers' price is the day's mean pay per card; a day
  // without a purchase keeps it. Either way tomorrow's value is the merchants'
  // willingness to pay, here 10000 / (1 + market.min_markup), no risk perceived.
  w.market.price_scammer = 10000;
  REQUIRE(w.risk.merchant == 0);
  w.market.price_farmer = 123;
  update_prices(w);
  CHECK(w.market.price_farmer == 123);
  CHECK(w.market.farmer_value == Approx(w.market.price_scammer / (1 + w.p.market_min_markup)));
  w.market.farmer_paid = 2 * cheap + 1 * dear;
  w.market.farmer_obtained = 3;
  update_prices(w);
  CHECK(w.market.price_farmer == Approx((2 * cheap + dear) / 3));
  // Recruiting takes the seller out of their band; back after the visit (below the per-ID cap).
  recruit_farmer(w, Reached{3, 0, -1});
  CHECK(w.farmer_pool.by_band[3] == 1);
  CHECK(w.farmer_pool.willing[0] == 2);
  farmer_visit_done(w, 0, 3);
  CHECK(w.farmer_pool.by_band[3] == 2);
  CHECK(w.farmer_pool.willing[0] == 3);
  // Back from the visit, holder 0 is a known seller of band 3: a contact
  // that reaches them reaches identity 0 again (whoever the contact was).
  REQUIRE(w.farmer_pool.known[0] == std::vector<uint32_t>{0});
  CHECK(w.farmer_pool.known_band[0] == std::vector<int32_t>{3});
  CHECK(w.farmer_pool.known_by_band[3] == 1);
  // An arrested known farmer leaves from their own band.
  farmer_leaves_pool(w, 0, Metric::farmers_left_arrest);
  CHECK(w.farmer_pool.by_band[3] == 1);
  CHECK(w.farmer_pool.by_band[20] == 1);
  CHECK(w.farmer_pool.willing[0] == 2);
  CHECK(w.farmer_pool.known[0].empty());
  CHECK(w.farmer_pool.known_by_band[3] == 0);
  // A second arrest of the same person removes no one.
  farmer_leaves_pool(w, 0, Metric::farmers_left_arrest);
  CHECK(w.farmer_pool.willing[0] == 2);
}

namespace {

/// Of `contacts` contacts by identity 1 (region 0), how many reached a willing
/// holder of `cheap_band` and of `dear_band`; a known seller reached must be
/// listed in the band drawn.
std::pair<int, int> contacts_by_band(World& w, int contacts, int cheap_band, int dear_band) {
  Stream s = w.stream(Phase::Production, 0);
  int cheap = 0, dear = 0;
  for (int k = 0; k < contacts; ++k) {
    const Reached r = reach_willing_seller(w, s, 1);
    if (r.band == kNotReached) continue;
    if (r.known_index >= 0) CHECK(w.farmer_pool.known_band[0][std::size_t(r.known_index)] == r.band);
    cheap += r.band == cheap_band ? 1 : 0;
    dear += r.band == dear_band ? 1 : 0;
  }
  return {cheap, dear};
}

}  // namespace

TEST_CASE("eager sellers: recruiters meet the willing in inverse proportion to their reservation", "[farmer_pool][agents]") {
  Params p = tiny_area_params();
  p.farmer_pool_enabled = true;
  p.farmer_pool_inflow_per_million = 0;
  World w(p, 7, 0);
  constexpr int kCheap = 8, kDear = 24;
  // Region 0 holds 1,000 willing in a cheap band and 1,000 in a dear one,
  // one of the dear a known seller (identity 0, back from a visit).
  std::fill(w.farmer_pool.by_band.begin(), w.farmer_pool.by_band.end(), 0);
  w.farmer_pool.by_band[kCheap] = 1000;
  w.farmer_pool.by_band[kDear] = 999;
  w.farmer_pool.willing = {1999, 0};
  w.farmer_pool.untapped = {2000, 0};
  farmer_visit_done(w, 0, kDear);
  REQUIRE(w.farmer_pool.willing[0] == 2000);
  REQUIRE(w.farmer_pool.known_by_band[std::size_t(kDear)] == 1);
  const double ratio = band_reservation_yuan(w.p, kDear) / band_reservation_yuan(w.p, kCheap);
  REQUIRE(ratio > 4);

  SECTION("eagerness 0: every willing holder equally likely") {
    w.p.farmer_pool_eagerness = 0;
    const auto [cheap, dear] = contacts_by_band(w, 20000, kCheap, kDear);
    INFO("cheap " << cheap << ", dear " << dear);
    CHECK(double(cheap) / double(dear) == Approx(1.0).epsilon(0.05));
  }
  SECTION("eagerness 1: the cheap met as many times more often as the dear ask more") {
    w.p.farmer_pool_eagerness = 1;
    const auto [cheap, dear] = contacts_by_band(w, 20000, kCheap, kDear);
    INFO("cheap " << cheap << ", dear " << dear << ", reservation ratio " << ratio);
    CHECK(double(cheap) / double(dear) == Approx(ratio).epsilon(0.05));
  }
  SECTION("eagerness 1: reach thins as the eager are sold off") {
    w.p.farmer_pool_eagerness = 1;
    // The untapped spread of 2,000 (init_farmer_pool's shares) against a pool
    // that has lost every cheap willing holder: fewer contacts reach anyone.
    const int full = [&] {
      const auto [c, d] = contacts_by_band(w, 20000, kCheap, kDear);
      return c + d;
    }();
    w.farmer_pool.by_band[kCheap] = 0;
    w.farmer_pool.willing[0] = 1000;
    const auto [cheap, dear] = contacts_by_band(w, 20000, kCheap, kDear);
    CHECK(cheap == 0);
    CHECK(dear < full / 4);
  }
}

TEST_CASE("a known seller reached again sells under their own identity until the per-ID cap", "[farmer_pool][agents]") {
  Params p = tiny_area_params();
  p.farmer_pool_enabled = true;
  p.farmer_pool_inflow_per_million = 0;
  World w(p, 7, 0);
  // Region 0 holds one willing person: holder 1, known, in band 5.
  std::fill(w.farmer_pool.by_band.begin(), w.farmer_pool.by_band.end(), 0);
  w.farmer_pool.willing = {0, 0};
  w.farmer_pool.untapped = {1, 1};
  farmer_visit_done(w, 1, 5);
  REQUIRE(w.region_of(1) == 0);
  REQUIRE(w.farmer_pool.willing[0] == 1);
  REQUIRE(w.farmer_pool.by_band[5] == 1);
  // Holder 0 (region 0) is contacted: the pool is full (reach 1), and the
  // only willing member is holder 1, so the contact reaches holder 1.
  REQUIRE(w.region_of(0) == 0);
  Stream s = w.stream(Phase::Production, 0);
  const Reached r = reach_willing_seller(w, s, 0);
  CHECK(r.band == 5);
  CHECK(r.person == 1);
  CHECK(r.known_index == 0);
  recruit_farmer(w, r);
  CHECK(w.farmer_pool.willing[0] == 0);
  CHECK(w.farmer_pool.known[0].empty());
  CHECK(w.farmer_pool.known_by_band[5] == 0);
  CHECK(w.farmer_pool.by_band[5] == 0);
  // With live cards at the cap, the visit ends their selling.
  while (w.legit_cards(1) + w.citizens.person[1].criminal_cards() < w.p.per_id_cap_max)
    w.new_card(Channel::Farmer, 1, 0, 0, -1);
  farmer_visit_done(w, 1, 5);
  CHECK(w.farmer_pool.willing[0] == 0);
  CHECK(w.farmer_pool.known[0].empty());
  CHECK_FALSE(w.citizens.person[1].flags() & Citizens::kFarmer);
}

namespace {

/// The known sellers' lists as the search version of farmer_leaves_pool kept
/// them (std::find in the region's list, then a swap with the last): the
/// reference the slots must reproduce.
struct SearchedLists {
  std::vector<std::vector<uint32_t>> who;
  std::vector<std::vector<int32_t>> band;

  void join(std::size_t r, uint32_t person, int32_t b) {
    who[r].push_back(person);
    band[r].push_back(b);
  }
  void remove_at(std::size_t r, std::size_t i) {
    who[r][i] = who[r].back();
    band[r][i] = band[r].back();
    who[r].pop_back();
    band[r].pop_back();
  }
  void leave(std::size_t r, uint32_t person) {
    const auto it = std::find(who[r].begin(), who[r].end(), person);
    if (it != who[r].end()) remove_at(r, std::size_t(it - who[r].begin()));
  }
};

/// Every listed seller's slot is their place + 1, no one else has a slot,
/// and the lists equal the search version's.
void check_slots(const World& w, const SearchedLists& searched) {
  const FarmerPool& f = w.farmer_pool;
  std::size_t listed = 0;
  for (std::size_t r = 0; r < f.known.size(); ++r) {
    CHECK(f.known[r] == searched.who[r]);
    CHECK(f.known_band[r] == searched.band[r]);
    for (std::size_t i = 0; i < f.known[r].size(); ++i) {
      INFO("region " << r << ", place " << i << ", identity " << f.known[r][i]);
      CHECK(w.citizens.known_seller_slot[f.known[r][i]] == i + 1);
    }
    listed += f.known[r].size();
  }
  std::size_t slots = 0;
  for (int64_t i = 0; i < w.citizens.count; ++i) slots += w.citizens.known_seller_slot[std::size_t(i)] != 0;
  CHECK(slots == listed);
}

}  // namespace

TEST_CASE("a known seller's slot follows them through joins, sales, exits and arrests", "[farmer_pool][agents]") {
  Params p = tiny_area_params();
  p.population = 40;  // two regions of 20 holders
  p.farmer_pool_enabled = true;
  p.farmer_pool_inflow_per_million = 0;  // no anonymous willing: every exit is a known seller's
  World w(p, 7, 0);
  // Six holders of each region with room under the per-ID cap for a card more.
  std::vector<uint32_t> in[2];
  for (uint32_t i = 0; i < uint32_t(p.population); ++i) {
    auto& list = in[w.region_of(i)];
    if (list.size() < 6 && w.legit_cards(i) + 1 < w.p.per_id_cap_max) list.push_back(i);
  }
  REQUIRE(in[0].size() == 6);
  REQUIRE(in[1].size() == 6);
  SearchedLists searched{{{}, {}}, {{}, {}}};
  // Joins: farmers back from a visit are listed at the end, with their band.
  const int32_t bands[6] = {3, 5, 5, 7, 2, 9};
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t k = 0; k < 6; ++k) {
      farmer_visit_done(w, in[r][k], bands[k]);
      searched.join(r, in[r][k], bands[k]);
    }
  check_slots(w, searched);
  CHECK(w.citizens.known_seller_slot[in[0][3]] == 4);
  // A sale: the seller at place 1 is recruited, the last takes their place.
  recruit_farmer(w, Reached{5, in[0][1], 1});
  searched.remove_at(0, 1);
  check_slots(w, searched);
  CHECK(w.farmer_pool.known[0][1] == in[0][5]);
  CHECK(w.citizens.known_seller_slot[in[0][5]] == 2);
  CHECK(w.citizens.known_seller_slot[in[0][1]] == 0);
  // Back from the visit, they are listed again, at the end.
  farmer_visit_done(w, in[0][1], 5);
  searched.join(0, in[0][1], 5);
  check_slots(w, searched);
  // A sale by the last listed (their own place is the one the last fills),
  // whose cards then reach the per-ID cap: they leave and are not listed.
  const uint32_t last = w.farmer_pool.known[1].back();
  recruit_farmer(w, Reached{bands[5], last, int64_t(w.farmer_pool.known[1].size() - 1)});
  searched.remove_at(1, searched.who[1].size() - 1);
  const int64_t cap = w.p.per_id_cap_max;
  w.p.per_id_cap_max = w.legit_cards(last);  // their cards are at the cap
  farmer_visit_done(w, last, bands[5]);
  w.p.per_id_cap_max = cap;
  CHECK(w.recorder.today(Metric::farmers_left_id_cap) == 1);
  check_slots(w, searched);
  // Arrests: the first listed of region 0 leaves, counted once; a second
  // arrest of the same person, and one of a holder flagged by cards opened
  // today but not listed, remove no one.
  farmer_leaves_pool(w, in[0][0], Metric::farmers_left_arrest);
  searched.leave(0, in[0][0]);
  check_slots(w, searched);
  farmer_leaves_pool(w, in[0][0], Metric::farmers_left_arrest);
  const uint32_t opened_today = in[1][5];
  w.citizens.person[opened_today].set_flags(Citizens::kFarmer);
  farmer_leaves_pool(w, opened_today, Metric::farmers_left_arrest);
  CHECK_FALSE(w.citizens.person[opened_today].flags() & Citizens::kFarmer);
  CHECK(w.recorder.today(Metric::farmers_left_arrest) == 1);
  check_slots(w, searched);
  // A sanction bars the seller and takes them out of the list.
  sanction_holder(w, in[1][2]);
  searched.leave(1, in[1][2]);
  check_slots(w, searched);
  CHECK(w.recorder.today(Metric::farmers_left_sanction) == 1);
  // Exits: the day's update removes known sellers at random, each by a swap
  // with the last; those who stay keep slots that point at them.
  w.p.farmer_pool_exit_rate = 0.5;
  const std::size_t before = w.farmer_pool.known[0].size() + w.farmer_pool.known[1].size();
  update_farmer_pool(w);
  const std::size_t after = w.farmer_pool.known[0].size() + w.farmer_pool.known[1].size();
  REQUIRE(after < before);  // someone left (seed 7)
  REQUIRE(after > 1);       // and some stay
  CHECK(double(before - after) == w.recorder.today(Metric::farmers_left_exit));
  for (std::size_t r = 0; r < 2; ++r) {
    for (uint32_t person : w.farmer_pool.known[r])  // those who stay were listed before
      CHECK(std::find(searched.who[r].begin(), searched.who[r].end(), person) != searched.who[r].end());
    searched.who[r] = w.farmer_pool.known[r];
    searched.band[r] = w.farmer_pool.known_band[r];
  }
  check_slots(w, searched);
  // After those random removals, an arrest of each one left still finds them.
  for (std::size_t r = 0; r < 2; ++r)
    for (const uint32_t person : std::vector<uint32_t>(w.farmer_pool.known[r])) {
      farmer_leaves_pool(w, person, Metric::farmers_left_arrest);
      searched.leave(r, person);
      check_slots(w, searched);
    }
  CHECK(w.recorder.today(Metric::farmers_left_arrest) == double(1 + after));
  CHECK(w.farmer_pool.willing[0] + w.farmer_pool.willing[1] == 0);
  check_invariants(w);
  // The invariants check the slots too: one pointing at the wrong place is refused.
  farmer_visit_done(w, in[0][2], 5);
  farmer_visit_done(w, in[0][3], 7);
  check_invariants(w);
  std::swap(w.citizens.known_seller_slot[in[0][2]], w.citizens.known_seller_slot[in[0][3]]);
  expect_broken(w, "known sellers", {"identity " + std::to_string(in[0][2]) + ") has slot 2"});
}

TEST_CASE("with the pool on, a run continued from a snapshot equals the run done in one piece", "[farmer_pool][snapshot]") {
  const Scenario sc = with(small_baseline(200000, 120), kFastTurnover);
  // Continued with the invariants on: the slots point at their sellers, day after day.
  const Continuation run = continue_from_snapshot(sc, 60, "pool");
  REQUIRE(!run.halfway->farmer_pool.known[0].empty());  // known sellers and their slots were saved
  const auto& whole = run.whole;
  const auto& continued = run.continued;
  CHECK(whole->farmer_pool.known == continued->farmer_pool.known);
  CHECK(whole->citizens.known_seller_slot == continued->citizens.known_seller_slot);
  double left = 0;  // arrests and sanctions after the snapshot found their sellers by slot
  for (const char* metric : {"farmers_left_arrest", "farmers_left_sanction"})
    for (int64_t d = 60; d < whole->recorder.days(); ++d) left += whole->recorder.series(find_metric(metric))[d];
  CHECK(left > 0);
}

TEST_CASE("merchants pay farmers at most a card's resale value at their markup, less their risk cost", "[farmer_pool][agents][margins]") {
  Params p = tiny_area_params();
  World w(p, 7, 0);
  const auto& merchants = w.brokers.all(BrokerKind::Merchant);
  REQUIRE(merchants.size() == 1);
  const auto m = std::size_t(merchants[0]);
  REQUIRE(w.brokers.stock[m].empty());
  w.brokers.unit_cost_ema[m] = 200;  // yuan per card
  w.market.price_scammer = 460;      // yuan per card
  // No perceived risk: the resale price at the minimum markup (0.15).
  CHECK(merchant_risk_cost_yuan(w) == 0);
  CHECK(merchant_farmer_ceiling_yuan(w) == Approx(400));
  // Perceived risk 0.1 with 2 cards sold a day (730 a year): an arrest costs
  // the mean fine 155,000 + damages 140,000 + stock 15 x 200 + the margin of
  // the mean sentence, 760 / 365 x 730 x (460 - 200) = 395,200 yuan.
  w.risk.merchant = 0.1;
  w.market.merchant_sales_per_day = 2;
  const double cost = 0.1 * (155000.0 + 140000.0 + 3000.0 + 395200.0) / 730.0;
  CHECK(merchant_risk_cost_yuan(w) == Approx(cost));
  CHECK(merchant_farmer_ceiling_yuan(w) == Approx(400 - cost));
  // Tomorrow's recruiters buy up to that ceiling: the day's update sets it,
  // after the day without sales lowers the merchant's sales to 1.8 a day.
  update_prices(w);
  CHECK(w.market.merchant_sales_per_day == Approx(1.8));
  CHECK(w.market.farmer_value == Approx(merchant_farmer_ceiling_yuan(w)));
  CHECK(w.market.farmer_value < 400 - cost);  // fewer sales to spread the risk over
  // A merchant's arrest deters its peers by the mean sentence (none served),
  // divided by the area's merchants (here one).
  w.risk.merchant = 0;
  Stream s = w.stream(Phase::Police, 0);
  arrest_broker(w, s, int32_t(m));
  CHECK(w.risk.merchant == Approx(p.risk_per_arrest * 760.0 / 365.0));
  // Risk with no sales to spread it over: no farmer card is worth buying.
  w.market.merchant_sales_per_day = 0;
  CHECK(merchant_farmer_ceiling_yuan(w) == 1);
}

TEST_CASE("the pool starts with its untapped size spread over the reservation bands", "[farmer_pool]") {
  const Scenario sc = with(small_baseline(1000000, 10), {"farmer.pool.enabled=true"});
  World w(sc.params, 1, 0);
  for (std::size_t r = 0; r < w.farmer_pool.willing.size(); ++r) {
    int64_t sum = 0, below_median = 0;
    for (int b = 0; b < FarmerPool::kBands; ++b) {
      const int64_t n = w.farmer_pool.by_band[r * FarmerPool::kBands + std::size_t(b)];
      CHECK(n >= 0);
      sum += n;
      if (b < FarmerPool::kBands / 2) below_median += n;
    }
    CHECK(sum == w.farmer_pool.willing[r]);
    CHECK(std::abs(2 * below_median - sum) <= 2);  // half below the median
  }
}

TEST_CASE("credit sanctions take farmers out of the pool", "[farmer_pool][sanctions]") {
  const RunResult off = run(fast_pool({"sanctions.prob_on_fraud_shutdown=0"}), kReplicates, 11);
  const RunResult on = run(fast_pool({"sanctions.prob_on_fraud_shutdown=1"}), kReplicates, 11);
  CHECK(mean_total(off, "farmers_sanctioned") == 0);
  CHECK(mean_total(on, "farmers_sanctioned") > 0);
  CHECK(mean_total(on, "farmers_left_sanction") > 0);
  const Interval pool = settled_difference(off, on, "farmer_pool");
  INFO("settled pool change with every seller sanctioned: " << pool.mean << " [" << pool.lo << ", " << pool.hi << "]");
  CHECK(pool.hi < 0);
}

TEST_CASE("the pool's flows add up and a disabled pool never changes", "[farmer_pool]") {
  const RunResult r = run(fast_pool({}), 2, 3, 0, true);  // invariants checked every day
  const auto series = [&](std::size_t rep, const char* metric, int64_t day) {
    return r.daily[rep][std::size_t(find_metric(metric) * r.days + day)];
  };
  for (std::size_t rep = 0; rep < r.daily.size(); ++rep) {
    double in = 0, out = 0;
    for (int64_t d = 1; d < r.days; ++d) {
      for (const char* m : {"farmers_became_willing", "farmers_sanction_ended"}) in += series(rep, m, d);
      for (const char* m : {"farmers_left_id_cap", "farmers_left_sanction", "farmers_left_arrest", "farmers_left_exit"})
        out += series(rep, m, d);
    }
    // Recruited farmers are out of the pool only during their visit.
    CHECK(series(rep, "farmer_pool", r.days - 1) == Approx(series(rep, "farmer_pool", 0) + in - out).margin(0.5));
  }
  const RunResult off = run(with(small_baseline(1000000, 60), {"farmer.pool.enabled=false"}), 1, 3);
  const int m = find_metric("farmer_pool");
  CHECK(off.daily[0][std::size_t(m * off.days + off.days - 1)] == off.daily[0][std::size_t(m * off.days)]);
  CHECK(mean_total(off, "farmers_left_exit") == 0);
}
