// Criminal populations by density: twice the people at the same densities
// give about twice the fraud, and an area too small for its densities is
// warned about.
#include <catch2/catch.hpp>

#include <cmath>

#include "model_fixtures.h"
#include "scenario/populations.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

/// The baseline at `population` people, every density as declared, with `sets`.
Scenario area_of(int64_t population, const std::vector<std::string>& sets = {}) {
  Scenario sc = builtin_baseline();
  sc.params.population = population;
  validate_scenario(sc);
  return with(sc, sets);
}

/// Mean and 90% confidence interval of the mean of the paired ratios b / a.
Interval mean_ratio_ci90(const RunResult& a, const RunResult& b, const std::string& metric) {
  const auto& x = totals(a, metric);
  const auto& y = totals(b, metric);
  std::vector<double> r;
  for (std::size_t i = 0; i < x.size(); ++i) r.push_back(y[i] / x[i]);
  double mean = 0, sq = 0;
  for (double v : r) mean += v / double(r.size());
  for (double v : r) sq += (v - mean) * (v - mean);
  const double se = std::sqrt(sq / double(r.size() - 1) / double(r.size()));
  return {mean, mean - 1.645 * se, mean + 1.645 * se};
}

}  // namespace

TEST_CASE("criminal counts follow the densities and double with the population", "[populations]") {
  const CriminalCounts one = criminal_counts(area_of(1000000).params);
  CHECK(one.rings == 12);
  CHECK(one.merchants == 8);
  CHECK(one.labor_agencies == 3);
  CHECK(one.data_sellers == 2);
  CHECK(one.raisers == 2);
  CHECK(one.organisers == 1);  // 6 insiders: one part-filled group
  const CriminalCounts two = criminal_counts(area_of(2000000).params);
  CHECK(two.rings == 2 * one.rings);
  CHECK(two.brokers() - two.organisers == 2 * (one.brokers() - one.organisers));
  // Organisers run groups of insiders.per_organiser insiders (F13), not a density per head.
  CHECK(two.organisers == 1);
  CHECK(insider_posts(area_of(1000000).params) == 6);
  CHECK(criminal_counts(area_of(100000000).params).organisers == 10);  // 600 insiders in groups of 60
  CHECK(criminal_counts(area_of(101000000).params).organisers == 11);  // 606: ten full groups and one of 6
  // A caught share half as large means twice the active criminals.
  Params p = area_of(1000000).params;
  p.density_caught_share /= 2;
  CHECK(criminal_counts(p).rings == 24);
}

namespace {

/// Runs 1,000,000 and 2,000,000 people at the same densities (with `sets`)
/// over `replicates` paired replicates and checks that cases, cards and losses double.
void check_twice_the_population(const std::vector<std::string>& sets, int replicates) {
  const RunResult one = run(area_of(1000000, sets), replicates, 7);
  const RunResult two = run(area_of(2000000, sets), replicates, 7);
  for (const char* metric : {"fraud_cases", "cards_sold_to_scammers", "fraud_losses_yuan"}) {
    const Interval ratio = mean_ratio_ci90(one, two, metric);
    INFO(metric << ": mean ratio 2M/1M " << ratio.mean << ", 90% CI [" << ratio.lo << ", " << ratio.hi << "]");
    if (std::string(metric) == "fraud_cases") {
      CHECK(ratio.mean >= 1.8);
      CHECK(ratio.mean <= 2.2);
      CHECK(ratio.lo >= 1.7);
      CHECK(ratio.hi <= 2.3);
    } else {
      CHECK(ratio.mean >= 1.6);  // losses are heavy-tailed, cards follow cases
      CHECK(ratio.mean <= 2.4);
    }
  }
}

}  // namespace

TEST_CASE("twice the population at fixed densities gives twice the fraud cases", "[populations][per-capita]") {
  check_twice_the_population({}, 10);
}

TEST_CASE("with bank accounts on (a thinner ring margin), twice the population still gives twice the fraud cases",
          "[populations][per-capita][bank]") {
  check_twice_the_population({"bank.enabled=true"}, 10);
}

TEST_CASE("twice the population at fixed densities leaves the prices that clear where they were",
          "[populations][per-capita][prices]") {
  // Prices are per card: at the same densities they must not depend on the
  // area's size. Farmers' and insiders' perceived risk once rose with every
  // arrest in the area, whatever its size, so twice the people (twice the
  // arrests) raised the asks: farmers' pay 2M/1M 1.047 (bank off) and 1.093
  // (bank on), 20 replicates, seed 7. When production's checks moved to
  // blocks of holders, the interval of the ratio over 10 replicates reached
  // past 1.06 with its mean at 1.007-1.017 (bank on): hence 20.
  for (const char* bank : {"bank.enabled=false", "bank.enabled=true"}) {
    const RunResult one = run(area_of(1000000, {bank}), 20, 7);
    const RunResult two = run(area_of(2000000, {bank}), 20, 7);
    for (const char* metric : {"price_farmer_yuan", "price_scammer_yuan"}) {
      const Interval ratio = mean_ratio_ci90(one, two, metric);
      INFO(bank << ", " << metric << ": mean ratio 2M/1M " << ratio.mean << ", 90% CI [" << ratio.lo << ", "
                << ratio.hi << "]");
      CHECK(ratio.mean >= 0.97);
      CHECK(ratio.mean <= 1.03);
      CHECK(ratio.lo >= 0.94);
      CHECK(ratio.hi <= 1.06);
    }
  }
}

TEST_CASE("with merchants entering and leaving by profit, twice the population still gives twice the fraud cases",
          "[populations][per-capita][entry]") {
  // 20 replicates: the places a merchant's exit or arrest leaves empty add
  // variance (over 10, the ratio was 2.17 with its 90% CI reaching 2.31; over
  // 40 replicates of another seed, 2.00).
  check_twice_the_population({"brokers.entry.enabled=true"}, 20);
}

TEST_CASE("an area too small for its densities is warned about, naming the density", "[populations]") {
  CHECK(per_capita_warnings(area_of(1000000).params).empty());
  CHECK(per_capita_warnings(area_of(2000000).params).empty());
  const auto lines = per_capita_warnings(area_of(300000).params);
  REQUIRE(!lines.empty());
  CHECK_THAT(lines.front(), Catch::Contains("density.") && Catch::Contains("at population 300000") &&
                                Catch::Contains("per-capita results"));
  Params none = area_of(1000000).params;
  none.population = 50000;  // 0.6 rings round to 1, 0.1 data sellers to none
  bool rings_named = false, data_sellers_named = false;
  for (const auto& l : per_capita_warnings(none)) {
    rings_named |= l.find("density.rings_caught_per_million") != std::string::npos;
    data_sellers_named |= l.find("density.data_sellers_caught_per_million") != std::string::npos;
  }
  CHECK(rings_named);
  CHECK(data_sellers_named);
}

TEST_CASE("kit collectors too few for their density are warned about with bank accounts on", "[populations][bank]") {
  const auto names_collectors = [](const Params& p) {
    for (const auto& l : per_capita_warnings(p))
      if (l.find("bank.collectors_per_million") != std::string::npos) return true;
    return false;
  };
  Params p = area_of(1000000).params;
  REQUIRE(p.bank_enabled);
  CHECK(collector_count(p) == 6);  // 5.6 per million
  CHECK_FALSE(names_collectors(p));
  p.population = 300000;  // 1.68 collectors round to 2: 19% off
  CHECK(collector_count(p) == 2);
  CHECK(names_collectors(p));
  p.bank_enabled = false;
  CHECK_FALSE(names_collectors(p));
}

TEST_CASE("organisers' entry by profit in an area whose insiders leave a part-filled group is warned about", "[populations][entry]") {
  Params p = area_of(1000000).params;
  CHECK(per_capita_warnings(p).empty());  // the rule off: an organiser's cut is per insider
  p.organiser_entry_enabled = true;
  const int64_t posts = insider_posts(p);
  REQUIRE(posts > 0);
  p.insiders_per_organiser = posts + 1;  // one part-filled group
  const auto lines = per_capita_warnings(p);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines.front(), Catch::Contains("organisers.entry.enabled") && Catch::Contains("multiple of"));
  p.insiders_per_organiser = posts;  // one full group
  CHECK(per_capita_warnings(p).empty());
}
