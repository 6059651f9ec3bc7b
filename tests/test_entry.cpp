// Entry and exit by profit (scammers.entry.*): rings enter empty places when a
// ring there expects a profit and leave when their recent profit stays low,
// so the number of rings working follows what a card earns against its price.
// Read from the runs' daily series of rings_active once the market has
// settled, paired over 20 replicates (common random numbers).
#include <catch2/catch.hpp>
#include <cmath>

#include "model_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

constexpr int kReplicates = 20;
constexpr int64_t kDays = 365;
constexpr int64_t kSettledFrom = 180;  // days before this are the market settling
const std::vector<std::string> kSupplyControl = {"channels.white_card.enabled=false",
                                                 "channels.harvested.enabled=false"};

/// The baseline at 1,000,000 people with entry by profit on, and `sets`.
Scenario with_entry(std::vector<std::string> sets) {
  sets.push_back("scammers.entry.enabled=true");
  return with(small_baseline(1000000, kDays), sets);
}

/// Per replicate, the mean of `metric`'s daily series from kSettledFrom on.
std::vector<double> settled_means(const RunResult& r, const std::string& metric) {
  const auto m = std::size_t(find_metric(metric));
  std::vector<double> out;
  for (const auto& daily : r.daily) {
    double sum = 0;
    for (int64_t d = kSettledFrom; d < r.days; ++d) sum += daily[m * std::size_t(r.days) + std::size_t(d)];
    out.push_back(sum / double(r.days - kSettledFrom));
  }
  return out;
}

/// Per replicate, a run total per place worked for a year: `flow_metric`
/// (exits, income) over `active_metric` (a level, its total the mean over
/// days) times years.
std::vector<double> per_year_worked(const RunResult& r, const std::string& flow_metric,
                                    const std::string& active_metric) {
  const std::vector<double>& flow = totals(r, flow_metric);
  const std::vector<double>& active = totals(r, active_metric);
  std::vector<double> out;
  for (std::size_t i = 0; i < flow.size(); ++i) out.push_back(flow[i] / (active[i] * double(r.days) / 365.0));
  return out;
}

/// Per replicate, the rings' exits by profit per ring working for a year.
std::vector<double> exits_per_ring_year(const RunResult& r) {
  return per_year_worked(r, "ring_exits", "rings_active");
}

/// The same for the settled means of `metric` in runs a and b.
Interval settled_change_ci90(const RunResult& a, const RunResult& b, const std::string& metric) {
  return mean_paired_ci90(settled_means(a, metric), settled_means(b, metric));
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x / double(v.size());
  return s;
}

}  // namespace

TEST_CASE("raising what a card earns raises the number of rings working once the market settles", "[entry]") {
  const RunResult lean = run(with_entry({"scammers.cash_out_share=0.15"}), kReplicates, 42);
  const RunResult rich = run(with_entry({"scammers.cash_out_share=0.3"}), kReplicates, 42);
  const Interval change = settled_change_ci90(lean, rich, "rings_active");
  INFO("rings active, settled: " << mean_of(settled_means(lean, "rings_active")) << " at cash-out 0.15, "
                                  << mean_of(settled_means(rich, "rings_active")) << " at 0.3; change "
                                  << change.mean << ", 90% CI [" << change.lo << ", " << change.hi << "]");
  CHECK(change.lo > 0);
  // Fewer rings leave where cards earn more.
  const Interval exits = mean_difference_ci90(lean, rich, "ring_exits");
  INFO("ring exits: change " << exits.mean << ", 90% CI [" << exits.lo << ", " << exits.hi << "]");
  CHECK(exits.hi < 0);
}

TEST_CASE("thin margin: making cards dearer lowers the number of rings working", "[entry]") {
  const RunResult open = run(with_entry({"scammers.cash_out_share=0.15"}), kReplicates, 42);
  std::vector<std::string> sets = kSupplyControl;
  sets.push_back("scammers.cash_out_share=0.15");
  const RunResult control = run(with_entry(sets), kReplicates, 42);
  const Interval price = settled_change_ci90(open, control, "price_scammer_yuan");
  const Interval change = settled_change_ci90(open, control, "rings_active");
  INFO("price change " << price.mean << " yuan; rings active, settled: "
                       << mean_of(settled_means(open, "rings_active")) << " -> "
                       << mean_of(settled_means(control, "rings_active")) << ", change " << change.mean
                       << ", 90% CI [" << change.lo << ", " << change.hi << "]");
  CHECK(price.lo > 0);
  CHECK(change.hi < 0);
  // Fewer rings work, and each of them leaves more often: exits per ring-year rise.
  const Interval rate = mean_paired_ci90(exits_per_ring_year(open), exits_per_ring_year(control));
  INFO("ring exits per ring-year: change " << rate.mean << ", 90% CI [" << rate.lo << ", " << rate.hi << "]");
  CHECK(rate.lo > 0);
}

// ---- entry and exit by profit: merchants (brokers.entry.*) ----
namespace {

/// Merchants' exits by profit per merchant working for a year, per replicate.
std::vector<double> exits_per_merchant_year(const RunResult& r) {
  return per_year_worked(r, "merchant_exits", "merchants_active");
}

/// The baseline with merchants entering and leaving by profit and no trace
/// reaching a broker: places are emptied by profit alone. (A thin margin also
/// means fewer cases and so fewer traces reaching merchants, which keeps
/// places filled that arrests would empty: another mechanism, kept out here.)
Scenario merchants_by_profit(const std::string& cash_out) {
  return with_entry({"brokers.entry.enabled=true", "controls.police.p_broker=0", "scammers.cash_out_share=" + cash_out});
}

}  // namespace

TEST_CASE("a thin merchant margin lowers the merchants working and raises their exits per merchant-year", "[entry]") {
  // Rings that cash out less of each loss pay less for a card and want fewer:
  // each merchant sells fewer cards at a lower price (an outcome of the market,
  // read from merchant_profit_yuan).
  const RunResult thin = run(merchants_by_profit("0.1"), kReplicates, 42);
  const RunResult fat = run(merchants_by_profit("0.3"), kReplicates, 42);
  const Interval profit = mean_difference_ci90(thin, fat, "merchant_profit_yuan");
  INFO("merchants' profit: change " << profit.mean << " yuan, 90% CI [" << profit.lo << ", " << profit.hi << "]");
  REQUIRE(profit.lo > 0);
  const Interval active = settled_change_ci90(thin, fat, "merchants_active");
  INFO("merchants active, settled: " << mean_of(settled_means(thin, "merchants_active")) << " thin, "
                                     << mean_of(settled_means(fat, "merchants_active")) << " fat; change "
                                     << active.mean << ", 90% CI [" << active.lo << ", " << active.hi << "]");
  CHECK(active.lo > 0);
  const Interval rate = mean_paired_ci90(exits_per_merchant_year(thin), exits_per_merchant_year(fat));
  INFO("merchant exits per merchant-year: thin " << mean_of(exits_per_merchant_year(thin)) << ", fat "
                                                 << mean_of(exits_per_merchant_year(fat)) << "; change " << rate.mean
                                                 << ", 90% CI [" << rate.lo << ", " << rate.hi << "]");
  CHECK(rate.hi < 0);
}
// ---- end entry and exit by profit: merchants ----

// ---- entry and exit by profit: insiders (insiders.entry.*) ----
namespace {

/// Per replicate, an insider's illicit income per year in post, yuan.
std::vector<double> income_per_insider_year(const RunResult& r) {
  return per_year_worked(r, "insider_profit_yuan", "insiders_in_post");
}

/// The baseline with corrupt outlets turning honest (and honest ones
/// corrupt) by their insiders' income, with this share of outlets corruptible.
Scenario insiders_by_income(const std::string& share_of_outlets) {
  return with(small_baseline(1000000, kDays),
              {"insiders.entry.enabled=true", "insiders.share_of_outlets=" + share_of_outlets});
}

}  // namespace

TEST_CASE("more corruptible outlets compete for white-card business: each insider earns less and leaves more often", "[entry]") {
  // Twice the places: the white-card price, which clears between merchants'
  // orders and the insiders willing at the price, falls, and each insider's
  // income with it; read from the market's outputs, not from an input.
  const RunResult few = run(insiders_by_income("0.06"), kReplicates, 42);
  const RunResult many = run(insiders_by_income("0.12"), kReplicates, 42);
  const Interval price = mean_difference_ci90(few, many, "price_white_yuan");
  INFO("white-card price: change " << price.mean << " yuan, 90% CI [" << price.lo << ", " << price.hi << "]");
  CHECK(price.hi < 0);
  const Interval income = mean_paired_ci90(income_per_insider_year(few), income_per_insider_year(many));
  INFO("income per insider-year: " << mean_of(income_per_insider_year(few)) << " -> "
                                   << mean_of(income_per_insider_year(many)) << " yuan; change " << income.mean
                                   << ", 90% CI [" << income.lo << ", " << income.hi << "]");
  CHECK(income.hi < 0);
  const auto exits = [](const RunResult& r) { return per_year_worked(r, "insider_exits", "insiders_in_post"); };
  const Interval rate = mean_paired_ci90(exits(few), exits(many));
  INFO("exits per insider-year: " << mean_of(exits(few)) << " -> " << mean_of(exits(many)) << "; change "
                                  << rate.mean << ", 90% CI [" << rate.lo << ", " << rate.hi << "]");
  CHECK(rate.lo > 0);
}
// ---- end entry and exit by profit: insiders ----
