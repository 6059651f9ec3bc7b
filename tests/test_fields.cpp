// The field lists of core/fields.h: one list per part of the World, walked by
// the snapshot, the memory estimate and the invariants.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "core/world.h"
#include "scenario/scenario.h"

using namespace cardsim;

namespace {

/// Names of every field listed, with how many times each was listed.
struct Names {
  std::map<std::string, int> seen;
  template <class T, class A> void array(const std::string& n, const std::vector<T, A>&, Extent) { ++seen[n]; }
  template <class T> void scalar(const std::string& n, const T&) { ++seen[n]; }
  template <class T> void nested(const std::string& n, const std::vector<std::vector<T>>&) { ++seen[n]; }
};

}  // namespace

TEST_CASE("every field of the World is listed once, under its part's name", "[fields]") {
  Params p = builtin_baseline().params;
  p.population = 2000;
  p.days = 5;
  const World w(p, 1, 0);
  Names names;
  visit_fields(names, w);
  const std::set<std::string> parts = {"world",   "citizens", "cards",  "outlets", "insiders", "brokers",
                                       "rings",   "sim_banks", "market",   "risk",   "farmer_pool", "trade", "bank", "ledger",  "recorder"};
  for (const auto& [name, times] : names.seen) {
    INFO(name);
    CHECK(times == 1);
    CHECK(parts.count(name.substr(0, name.find('.'))) == 1);
  }
  // A few fields whose absence would lose state across a snapshot.
  for (const char* must : {"cards.commission_paid", "brokers.kind", "rings.revenue_factor", "recorder.refused_by_check",
                           "world.police_cases.head", "ledger.balances", "bank.state", "bank.ring_accounts"})
    CHECK(names.seen.count(must) == 1);
}
