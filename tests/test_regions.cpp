// Regions' sizes: an even split, or a table of region populations (the 2020
// census of China's 31 provinces). Holders, outlets and criminal agents follow
// the table; migrants' destinations follow it too; the scenario refuses a
// table whose row count differs from `regions`.
#include <catch2/catch.hpp>

#include <numeric>

#include "core/world.h"
#include "scenario/region_sizes.h"
#include "scenario/scenario.h"

using namespace cardsim;

namespace {

Params china_params(int64_t population) {
  Params p;
  p.population = population;
  p.regions = 31;
  p.region_sizes = RegionSizes::china_provinces_2020;
  return p;
}

int64_t census(int region) { return region_table(RegionSizes::china_provinces_2020)[std::size_t(region)].population; }
constexpr int kGuangdong = 18, kTibet = 25, kBeijing = 0;

/// Every identity's region is the one whose holder range contains it.
void check_region_of_inverts_the_layout(const World& w) {
  int64_t counted = 0;
  for (int r = 0; r < int(w.p.regions); ++r) {
    const int64_t n = w.holders_in(r);
    counted += n;
    if (n == 0) continue;
    const auto first = uint32_t(w.layout.first_holder[std::size_t(r)]);
    CHECK(w.region_of(first) == r);
    CHECK(w.region_of(uint32_t(first + n - 1)) == r);
  }
  CHECK(counted == w.citizens.count);
}

}  // namespace

TEST_CASE("the census table has 31 provinces summing to the census total", "[regions]") {
  const auto& table = region_table(RegionSizes::china_provinces_2020);
  REQUIRE(table.size() == 31);
  int64_t total = 0;
  for (const RegionRow& row : table) total += row.population;
  CHECK(total == 1409778724);  // the 31 provinces, without the 2 million servicemen counted nationally
  CHECK(table[kGuangdong].name == "Guangdong");
  CHECK(table[kTibet].name == "Tibet");
  CHECK(region_table(RegionSizes::even).empty());
}

TEST_CASE("holders and outlets are split in proportion to the census", "[regions]") {
  const World w(china_params(14097787), 1, 0);  // one hundredth of the census
  check_region_of_inverts_the_layout(w);
  // Each province holds its census share of the holders, to one person.
  for (int r = 0; r < 31; ++r) CHECK(std::abs(double(w.holders_in(r)) - double(census(r)) / 100.0) <= 1.0);
  const auto outlets_in = [&](int r) {
    return w.outlets.region_first[std::size_t(r) + 1] - w.outlets.region_first[std::size_t(r)];
  };
  int64_t all = 0;
  for (int r = 0; r < 31; ++r) {
    CHECK(outlets_in(r) >= 1);
    all += outlets_in(r);
  }
  CHECK(all == w.outlet_count());
  // One outlet each, the rest in proportion to the census, to one outlet.
  for (int r = 0; r < 31; ++r) {
    const double share = double(census(r)) / 1409778724.0;
    CHECK(std::abs(double(outlets_in(r) - 1) - double(all - 31) * share) <= 1.0);
  }
  CHECK(outlets_in(kGuangdong) > 30 * outlets_in(kTibet) / 2);
}

TEST_CASE("an even split keeps its closed form", "[regions]") {
  Params p;
  p.population = 1003;  // not a multiple of the regions
  p.regions = 7;
  const World w(p, 1, 0);
  CHECK(w.layout.weight_end.empty());
  check_region_of_inverts_the_layout(w);
  for (uint32_t id = 0; id < 1003; ++id) {
    const auto r = std::size_t(w.region_of(id));
    CHECK((w.layout.first_holder[r] <= id && id < w.layout.first_holder[r + 1]));
  }
}

TEST_CASE("migrants' destinations and brokers' regions follow the census", "[regions]") {
  const World w(china_params(1409778), 1, 0);
  Stream s(7, 0, 0, Phase::Init, 0);
  const int draws = 400000;
  int guangdong = 0, home = 0;
  for (int i = 0; i < draws; ++i) {
    const int r = w.random_other_region(s, kBeijing);
    home += r == kBeijing;
    guangdong += r == kGuangdong;
  }
  CHECK(home == 0);
  const double expected = double(census(kGuangdong)) / double(1409778724 - census(kBeijing));
  CHECK(double(guangdong) / draws == Approx(expected).epsilon(0.03));
  // From the last province too (the skip over home's share at the end).
  for (int i = 0; i < 1000; ++i) CHECK(w.random_other_region(s, 30) != 30);
  int tibet = 0;
  for (int i = 0; i < draws; ++i) tibet += w.random_region(s) == kTibet;
  CHECK(double(tibet) / draws == Approx(double(census(kTibet)) / 1409778724.0).epsilon(0.1));
}

TEST_CASE("a census table needs as many regions as it has rows", "[regions][scenario]") {
  try {
    load_scenario_text("regions: 4\nregion_sizes: china_provinces_2020\n", "area.yaml", ".");
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("area.yaml"));
    CHECK_THAT(what, Catch::Contains("'regions' = 4"));
    CHECK_THAT(what, Catch::Contains("region_sizes"));
    CHECK_THAT(what, Catch::Contains("31 regions"));
  }
  CHECK_NOTHROW(load_scenario_text("regions: 31\nregion_sizes: china_provinces_2020\n", "area.yaml", "."));
}

// ---- region shares: a list of each region's share of the holders ----

namespace {

Params shares_params(int64_t population, std::vector<double> shares) {
  Params p;
  p.population = population;
  p.regions = int64_t(shares.size());
  p.region_shares = std::move(shares);
  return p;
}

/// The message of the InputError that loading `text` throws ("" when none).
std::string refusal(const std::string& text) {
  try {
    load_scenario_text(text, "area.yaml", ".");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an uneven list of shares splits holders, outlets and criminal agents in its proportions", "[regions]") {
  const std::vector<double> shares = {0.5, 0.3, 0.2};
  const World w(shares_params(10000000, shares), 1, 0);
  check_region_of_inverts_the_layout(w);
  REQUIRE(w.layout.weight_end.size() == 3);
  int64_t outlets = 0, brokers_placed = 0;
  for (int r = 0; r < 3; ++r) {
    // Holders: each region's share, to one person.
    CHECK(std::abs(double(w.holders_in(r)) - shares[std::size_t(r)] * 1e7) <= 1.0);
    outlets += w.outlets.region_first[std::size_t(r) + 1] - w.outlets.region_first[std::size_t(r)];
  }
  for (int r = 0; r < 3; ++r) {
    // Outlets: one each, the rest in proportion, to one outlet.
    const int64_t in_r = w.outlets.region_first[std::size_t(r) + 1] - w.outlets.region_first[std::size_t(r)];
    CHECK(std::abs(double(in_r - 1) - double(outlets - 3) * shares[std::size_t(r)]) <= 1.0);
  }
  // Criminal agents are placed by region draws in proportion to the shares:
  // each region's count of brokers and of ring homes within 4 binomial
  // standard deviations of its share.
  std::vector<int64_t> brokers(3, 0), rings(3, 0);
  for (std::size_t b = 0; b < w.brokers.region.size(); ++b) brokers[w.brokers.region[b]]++, ++brokers_placed;
  const auto n_rings = int32_t(use_fleets(w, CardUse::FraudCalls).size());
  for (int32_t r = 0; r < n_rings; ++r) rings[std::size_t(w.buyer_home(CardUse::FraudCalls, r))]++;
  REQUIRE(brokers_placed >= 100);
  REQUIRE(n_rings >= 50);
  for (int r = 0; r < 3; ++r) {
    const double q = shares[std::size_t(r)];
    const double sd_b = std::sqrt(double(brokers_placed) * q * (1 - q));
    CHECK(std::abs(double(brokers[std::size_t(r)]) - double(brokers_placed) * q) <= 4 * sd_b);
    const double sd_r = std::sqrt(double(n_rings) * q * (1 - q));
    CHECK(std::abs(double(rings[std::size_t(r)]) - double(n_rings) * q) <= 4 * sd_r);
  }
  CHECK(brokers[0] > brokers[2]);
  CHECK(rings[0] > rings[2]);
  // Region draws (migrants' destinations, newcomers' regions) follow them too.
  Stream s(7, 0, 0, Phase::Init, 0);
  int first = 0;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) first += w.random_region(s) == 0;
  CHECK(double(first) / draws == Approx(0.5).epsilon(0.02));
}

TEST_CASE("shares that add up to 1 within 0.001 are scaled to add up to exactly 1", "[regions]") {
  const World w(shares_params(999000, {0.333, 0.333, 0.333}), 1, 0);
  for (int r = 0; r < 3; ++r) CHECK(w.holders_in(r) == 333000);
}

TEST_CASE("region_shares loads from YAML and --set and is written back as a list", "[regions][scenario]") {
  const Scenario sc = load_scenario_text("regions: 3\nregion_shares: [0.5, 0.3, 0.2]\n", "area.yaml", ".");
  CHECK(sc.params.region_shares == std::vector<double>{0.5, 0.3, 0.2});
  CHECK_THAT(resolved_yaml(sc), Catch::Contains("region_shares: [0.5, 0.3, 0.2]"));
  Scenario over = builtin_baseline();
  apply_override(over, "regions=2");
  apply_override(over, "region_shares=[0.75,0.25]");
  CHECK(over.params.region_shares == std::vector<double>{0.75, 0.25});
  validate_scenario(over);
  // The resolved scenario loads back as the same one.
  const Scenario again = load_scenario_text(resolved_yaml(sc), "again.yaml", ".");
  CHECK(again.params.region_shares == sc.params.region_shares);
  CHECK(scenario_hash(again) == scenario_hash(sc));
  CHECK_THAT(resolved_yaml(builtin_baseline()), Catch::Contains("region_shares: []"));
}

TEST_CASE("bad region shares are refused with file, key and reason", "[regions][scenario][bad_input]") {
  using Catch::Contains;
  std::string what = refusal("regions: 4\nregion_shares: [0.5, 0.3, 0.2]\n");
  CHECK_THAT(what, Contains("area.yaml:2"));
  CHECK_THAT(what, Contains("'regions' = 4"));
  CHECK_THAT(what, Contains("region_shares"));
  CHECK_THAT(what, Contains("3 shares; it needs one share per region"));

  what = refusal("regions: 3\nregion_shares: [0.7, -0.1, 0.4]\n");
  CHECK_THAT(what, Contains("area.yaml:2"));
  CHECK_THAT(what, Contains("key 'region_shares'"));
  CHECK_THAT(what, Contains("outside the allowed range"));

  what = refusal("regions: 3\nregion_shares: [0.5, 0.3, 0.3]\n");
  CHECK_THAT(what, Contains("area.yaml:2"));
  CHECK_THAT(what, Contains("key 'region_shares'"));
  CHECK_THAT(what, Contains("add up to 1.1"));

  what = refusal("regions: 2\nregion_shares: [0, 0]\n");  // a zero sum: every share is zero
  CHECK_THAT(what, Contains("key 'region_shares'"));
  CHECK_THAT(what, Contains("outside the allowed range"));

  what = refusal("regions: 31\nregion_sizes: china_provinces_2020\nregion_shares: [" + std::string(60, ' ') + "]\n");
  CHECK(what.empty());  // an empty list is the default: the table applies
  std::string shares = "[";
  for (int r = 0; r < 31; ++r) shares += std::string(r ? ", " : "") + (r ? "0.03" : "0.1");
  what = refusal("regions: 31\nregion_sizes: china_provinces_2020\nregion_shares: " + shares + "]\n");
  CHECK_THAT(what, Contains("area.yaml:3"));
  CHECK_THAT(what, Contains("'region_sizes' = china_provinces_2020"));
  CHECK_THAT(what, Contains("not both"));

  what = refusal("regions: 2\nregion_shares: 0.5\n");
  CHECK_THAT(what, Contains("key 'region_shares'"));
  CHECK_THAT(what, Contains("expected a list of up to 64 numbers"));

  what = refusal("regions: 2\nregion_shares: [0.5, half]\n");
  CHECK_THAT(what, Contains("key 'region_shares'"));
  CHECK_THAT(what, Contains("expected a number, got 'half'"));

  what = refusal("regions: 2\nregion_shares: [0.5, 0.5]\nschedule:\n  - day: 3\n    set: {region_shares: [0.4, 0.6]}\n");
  CHECK_THAT(what, Contains("cannot be scheduled"));

  Scenario sc = builtin_baseline();
  CHECK_THROWS_WITH(apply_override(sc, "region_shares=[0.5,x]"), Contains("key 'region_shares'"));
  CHECK_THROWS_WITH(apply_override(sc, "region_shares=[0.5,0.5"), Contains("expected a list"));
}
