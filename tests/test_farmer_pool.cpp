// The finite pool of holders willing to sell a card (agents/farmer_pool.h)
// and the credit sanction (sanctions.*), read from a run's outputs once the
// pool has settled. The pool turns over faster here than in the baseline
// (same untapped size, 3,650 per million, with a willingness that lasts 100
// days instead of two years), so that it settles within a short run.
#include <catch2/catch.hpp>

#include "agents/farmer_pool.h"
#include "agents/police.h"
#include "core/market.h"
#include "model_fixtures.h"

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

TEST_CASE("doubling recruiters' reach depletes the pool of willing sellers", "[farmer_pool]") {
  const RunResult base = run(fast_pool({}), kReplicates, 7);
  const RunResult more = run(fast_pool({"farmer.contacts_per_recruiter=8"}), kReplicates, 7);
  const Interval pool = settled_difference(base, more, "farmer_pool");
  const Interval pay = settled_difference(base, more, "price_farmer_yuan");
  const Interval dearer = settled_difference(base, more, "farmer_pool_median_reservation_yuan");
  const double pool_base = summarize(settled_means(base, "farmer_pool")).mean;
  INFO("settled pool " << pool_base << " persons; change " << pool.mean << " [" << pool.lo << ", " << pool.hi
                       << "]; its median reservation changes by " << dearer.mean << " yuan [" << dearer.lo << ", "
                       << dearer.hi << "]; farmer pay change " << pay.mean << " yuan [" << pay.lo << ", " << pay.hi << "]");
  CHECK(pool.hi < 0);
  CHECK(pool_base < 3650);  // recruiting keeps the pool below its untapped size
  // The rising supply curve (docs/model.md, 4.1.3): deeper recruiting sells
  // off the cheapest willing holders, so the pool left is dearer.
  CHECK(dearer.lo > 0);
  // Issue 13 asks that depletion against inflow also raise the farmers' pay.
  // It is reported on every run but does not fail it, because it does not
  // hold: each seller is paid their own ask, which depletion raises, but
  // doubled reach also brings more cards to the rings, a lower ring price and
  // so a lower most that merchants pay; the two cancel within the noise
  // (docs/model.md 4.1.3, finding).
  CHECK_NOFAIL(pay.lo > 0);
}

TEST_CASE("half the inflow against the same recruiting depletes the pool and raises farmers' pay", "[farmer_pool]") {
  // Depletion against inflow without a change of reach: the same recruiters
  // meet half the people becoming willing each day, so recruitment is twice
  // the inflow it was. The pool settles lower, the willing left are dearer,
  // and since each seller is paid their ask, farmers' pay rises.
  const RunResult base = run(fast_pool({}), kReplicates, 7);
  const RunResult scarce = run(fast_pool({"farmer.pool.inflow_per_million=18.25"}), kReplicates, 7);
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
  recruit_farmer(w, 0, 3);
  CHECK(w.farmer_pool.by_band[3] == 1);
  CHECK(w.farmer_pool.willing[0] == 2);
  farmer_visit_done(w, 0, 3);
  CHECK(w.farmer_pool.by_band[3] == 2);
  CHECK(w.farmer_pool.willing[0] == 3);
  // An arrested known farmer leaves from the cheapest non-empty band.
  farmer_leaves_pool(w, 0, Metric::farmers_left_arrest);
  CHECK(w.farmer_pool.by_band[3] == 1);
  CHECK(w.farmer_pool.by_band[20] == 1);
  CHECK(w.farmer_pool.willing[0] == 2);
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
