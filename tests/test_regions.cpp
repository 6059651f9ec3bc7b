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
