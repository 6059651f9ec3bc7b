// Regions that trade (docs/model.md, "Regions that trade"): a buyer buys
// first from sellers of its home region and mails in cards from other regions
// only when a card is worth its price plus transport. A component test on a
// hand-made World with exact outcomes, then runs of the model read through
// their outputs: a prohibitive transport cost stops all mail, a cheap one lets
// cards travel, a provincial dealer cap raises the cards mailed into that
// province, and with one region the switch changes no result.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "agents/card_market.h"
#include "agents/scammer.h"
#include "core/invariants.h"
#include "core/world.h"
#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;
using namespace cardsim::testing;
namespace fs = std::filesystem;

namespace {

/// The tiny area of the component tests with two merchants, broker 0 in
/// region 0 and broker 1 in region 1, and one fraud ring living in region 1;
/// regions trade, cards take 2 days in the post.
std::unique_ptr<World> two_region_market() {
  Params p = tiny_area_params();
  p.density_merchants = 500000;  // 2 merchants at 4 persons
  p.density_rings = 250000;      // 1 ring
  p.density_sim_banks = 0;
  p.market_regional = true;
  p.market_transport_delay_days = 2;
  // Four persons saturate as targets after one card; here a card's value
  // must not move while the ring buys.
  p.scammers_saturation_attempts = 1000000;
  auto w = std::make_unique<World>(p, 7, 0);
  REQUIRE(w->brokers.kind.size() == 2);
  REQUIRE(w->rings.fleet.size() == 1);
  w->brokers.region = {0, 1};
  w->trade.home[std::size_t(CardUse::FraudCalls)][0] = 1;
  w->day = 10;
  return w;
}

/// Puts `n` farmer cards in `broker`'s stock.
void stock_cards(World& w, int32_t broker, int n) {
  for (int k = 0; k < n; ++k) {
    const uint32_t outlet = uint32_t(w.brokers.region[std::size_t(broker)]);
    w.brokers.stock[std::size_t(broker)].push_back(w.new_card(Channel::Farmer, outlet * 2, outlet, broker, -1));
  }
}

/// Cards mailed into `region` in each replicate (from every other region).
std::vector<double> mailed_into(const RunResult& r, int region) {
  std::vector<double> into;
  const auto n = std::size_t(r.regions);
  for (const auto& rep : r.mailed_between) {
    double sum = 0;
    for (std::size_t from = 0; from < n; ++from) sum += rep[from * n + std::size_t(region)];
    into.push_back(sum);
  }
  return into;
}

/// The baseline with trading regions, at a size that keeps the test quick.
Scenario trading(const std::vector<std::string>& sets) {
  std::vector<std::string> all = {"market.regional.enabled=true"};
  all.insert(all.end(), sets.begin(), sets.end());
  return with(small_baseline(300000, 180), all);
}

}  // namespace

TEST_CASE("a buyer buys at home first and mails in only what is worth price plus transport", "[trade]") {
  for (const bool prohibitive : {false, true}) {
    INFO("prohibitive transport " << prohibitive);
    auto w = two_region_market();
    stock_cards(*w, 0, 3);  // 3 cards in region 0, away from the ring
    stock_cards(*w, 1, 2);  // 2 cards at home
    const double value = card_revenue_yuan(*w, 0);
    w->market.price_scammer = value / 2;       // a margin of 1: the ring wants 100 cards
    w->p.scammers_callers_cards = 0;  // the fleet rule by margin, whose size is exact
    w->p.scammers_cards_per_margin = 100;
    w->p.market_transport_cost_yuan = prohibitive ? value : 0.1 * value;
    buyers_buy_cards(*w);
    // Home stock first, whatever the transport.
    CHECK(w->brokers.stock[1].empty());
    CHECK(w->rings.fleet[0].size() == 2);
    const std::size_t mailed = prohibitive ? 0 : 3;
    CHECK(w->brokers.stock[0].size() == 3 - mailed);
    CHECK(w->recorder.today(Metric::cards_mailed) == double(mailed));
    CHECK(w->cards_by_state[std::size_t(CardState::InTransit)] == int64_t(mailed));
    CHECK(w->cards_coming(CardUse::FraudCalls, 0) == mailed);
    CHECK(w->recorder.mailed_between()[0 * 2 + 1] == double(mailed));
    // The ring paid the price for each card and transport for each mailed one.
    const double paid = double(2 + mailed) * w->market.price_scammer +
                        double(mailed) * w->p.market_transport_cost_yuan;
    CHECK(-w->ledger.balance(w->ledger.ring(0)) == Approx(paid));
    check_invariants(*w);
    // Two days later the post arrives, before the day's buying.
    w->day += 2;
    w->market.price_scammer = 1e12;  // nothing more is bought
    buyers_buy_cards(*w);
    CHECK(w->rings.fleet[0].size() == 2 + mailed);
    CHECK(w->cards_by_state[std::size_t(CardState::InTransit)] == 0);
    CHECK(w->cards_coming(CardUse::FraudCalls, 0) == 0);
    check_invariants(*w);
  }
}

TEST_CASE("cards in the post to an arrested ring are abandoned", "[trade]") {
  auto w = two_region_market();
  stock_cards(*w, 0, 2);
  const double value = card_revenue_yuan(*w, 0);
  w->market.price_scammer = value / 2;
  w->p.scammers_callers_cards = 0;  // the fleet rule by margin, whose size is exact
  w->p.scammers_cards_per_margin = 100;
  w->p.market_transport_cost_yuan = 0;
  buyers_buy_cards(*w);
  REQUIRE(w->cards_by_state[std::size_t(CardState::InTransit)] == 2);
  w->rings.absent_until[0] = int32_t(w->day + 30);  // arrested meanwhile
  w->day += 2;
  buyers_buy_cards(*w);
  CHECK(w->rings.fleet[0].empty());
  CHECK(w->cards_by_state[std::size_t(CardState::Expired)] == 2);
  CHECK(w->cards_by_state[std::size_t(CardState::InTransit)] == 0);
  check_invariants(*w);
}

TEST_CASE("with one region, trading regions change no result", "[trade]") {
  const Scenario one = with(small_baseline(100000, 90), {"regions=1"});
  const Scenario trades = with(one, {"market.regional.enabled=true"});
  const RunResult a = run(one, 2, 11);
  const RunResult b = run(trades, 2, 11);
  for (int m = 0; m < kMetricCount; ++m) {
    INFO(metric_registry()[std::size_t(m)].name);
    CHECK(a.totals[std::size_t(m)] == b.totals[std::size_t(m)]);
  }
  CHECK(mean_total(b, "cards_mailed") == 0);
}

TEST_CASE("a prohibitive transport cost stops all mail, a cheap one lets cards travel", "[trade]") {
  const RunResult closed = run(trading({"market.transport_cost_yuan=1000000"}), 4, 21, 0, true);
  const RunResult open = run(trading({"market.transport_cost_yuan=5"}), 4, 21, 0, true);
  CHECK(mean_total(closed, "cards_sold_to_scammers") > 0);  // the market works, at home only
  for (double mailed : totals(closed, "cards_mailed")) CHECK(mailed == 0);
  CHECK(mean_total(open, "cards_mailed") > 0);
  // The matrix of cards mailed adds up to the national series; nothing is
  // mailed within a region.
  for (std::size_t rep = 0; rep < open.mailed_between.size(); ++rep) {
    double sum = 0;
    const auto n = std::size_t(open.regions);
    for (std::size_t from = 0; from < n; ++from)
      for (std::size_t to = 0; to < n; ++to) {
        const double cards = open.mailed_between[rep][from * n + to];
        if (from == to) CHECK(cards == 0);
        sum += cards;
      }
    CHECK(sum == totals(open, "cards_mailed")[rep]);
  }
}

/// One per-region series of each replicate summed over the run, in `region`.
std::vector<double> region_totals(const RunResult& r, RegionSeries series, int region) {
  std::vector<double> out;
  const auto regions = std::size_t(r.regions);
  for (const auto& rep : r.by_region) {
    double sum = 0;
    for (int64_t day = 0; day < r.days; ++day)
      sum += rep[(std::size_t(series) * std::size_t(r.days) + std::size_t(day)) * regions + std::size_t(region)];
    out.push_back(sum);
  }
  return out;
}

TEST_CASE("a crackdown on sellers in one province raises the cards mailed into it from the others", "[trade][regimes]") {
  constexpr int kReplicates = 12;
  const std::vector<std::string> campaign = {"controls.regional_crackdown.region=0",
                                             "controls.regional_crackdown.arrest_rate=0.02"};
  const RunResult without = run(trading({}), kReplicates, 31);
  const RunResult with_campaign = run(trading(campaign), kReplicates, 31);
  const Interval change = mean_paired_ci90(mailed_into(without, 0), mailed_into(with_campaign, 0));
  INFO("cards mailed into region 0: change " << change.mean << ", 90% CI [" << change.lo << ", " << change.hi << "]");
  CHECK(change.lo > 0);
  // Region 0's rings still get cards: fewer from home, more by mail.
  CHECK(mean_total(with_campaign, "arrests_merchant") > mean_total(without, "arrests_merchant"));
}

TEST_CASE("a dealer cap in one province binds its outlets only", "[trade]") {
  constexpr int kReplicates = 6;
  const std::vector<std::string> cap = {"controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=1",
                                        "controls.dealer_cap.region=0"};
  const RunResult without = run(trading({}), kReplicates, 31);
  const RunResult with_cap = run(trading(cap), kReplicates, 31);
  // Farmers of region 0 can hardly open a card there; farmers elsewhere open more.
  const Interval home = mean_paired_ci90(region_totals(without, RegionSeries::FarmerActivations, 0),
                                         region_totals(with_cap, RegionSeries::FarmerActivations, 0));
  const Interval away = mean_paired_ci90(region_totals(without, RegionSeries::FarmerActivations, 1),
                                         region_totals(with_cap, RegionSeries::FarmerActivations, 1));
  INFO("farmer cards in region 0: change " << home.mean << "; in region 1: change " << away.mean);
  CHECK(home.hi < 0);
  CHECK(away.lo > 0);
}

TEST_CASE("the results file holds per-region series and the cards mailed between regions, with units", "[trade][results]") {
  const fs::path dir = fs::temp_directory_path() / ("cardsim-test-trade-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const RunResult r = run(trading({"days=30"}), 2, 3);
  const std::string path = (dir / "run.h5").string();
  write_run_file(path, r);
  h5::quiet();
  h5::Handle f = h5::open_file(path);
  h5::Handle g = h5::open_group(f, "regions");
  for (int k = 0; k < kRegionSeriesCount; ++k) {
    const RegionSeriesSpec& spec = region_series_spec(RegionSeries(k));
    INFO(spec.name);
    std::vector<hsize_t> dims;
    const std::vector<double> data = h5::read_doubles(g, spec.name, dims);
    CHECK(dims == std::vector<hsize_t>{2, 30, hsize_t(r.regions)});
    h5::Handle ds(H5Dopen2(g, spec.name, H5P_DEFAULT), H5Dclose);
    CHECK(h5::read_attr_string(ds, "units").find("per day") != std::string::npos);
    CHECK_FALSE(h5::read_attr_string(ds, "description").empty());
    CHECK(h5::read_attr_string(ds, "dimensions") == "replicate, day, region");
  }
  // Each region's fraud cases add up to the national series.
  std::vector<hsize_t> dims;
  const std::vector<double> by_region = h5::read_doubles(g, "fraud_cases", dims);
  const std::vector<double> national = h5::read_doubles(f, "totals/fraud_cases", dims);
  for (std::size_t rep = 0; rep < 2; ++rep) {
    double sum = 0;
    for (std::size_t k = 0; k < 30 * std::size_t(r.regions); ++k) sum += by_region[rep * 30 * std::size_t(r.regions) + k];
    CHECK(sum == national[rep]);
  }
  const std::vector<double> mailed = h5::read_doubles(g, "cards_mailed_between", dims);
  CHECK(dims == std::vector<hsize_t>{2, hsize_t(r.regions), hsize_t(r.regions)});
  h5::Handle ds(H5Dopen2(g, "cards_mailed_between", H5P_DEFAULT), H5Dclose);
  CHECK(h5::read_attr_string(ds, "units") == "cards per run");
  CHECK(h5::read_attr_string(ds, "dimensions") == "replicate, from_region, to_region");
  fs::remove_all(dir);
}
