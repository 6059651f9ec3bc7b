// Enforcement along the whole chain, read from whole runs: with certain trace
// steps the police arrest labour agencies, data sellers and organisers; with
// the upstream steps off (the baseline) they arrest none; arrests by broker
// kind add up to arrests_broker; served sentences change the market.
#include <catch2/catch.hpp>

#include "model_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

const std::vector<std::string> kUpstream = {"controls.police.capacity_per_million=20", "controls.police.p_identity=1",
                                            "controls.police.p_outlet=1", "controls.police.p_broker=1",
                                            "controls.police.p_supplier=1", "controls.police.p_organiser=1"};

}  // namespace

TEST_CASE("traces with certain upstream steps arrest labour agencies, data sellers and organisers", "[enforcement]") {
  const RunResult up = run(with(small_baseline(200000, 240), kUpstream), 2, 5);
  CHECK(mean_total(up, "arrests_labor_agency") > 0);
  CHECK(mean_total(up, "arrests_data_seller") > 0);
  CHECK(mean_total(up, "arrests_organiser") > 0);
  const char* kinds[] = {"arrests_merchant", "arrests_labor_agency", "arrests_data_seller", "arrests_raiser",
                         "arrests_organiser"};
  for (std::size_t r = 0; r < 2; ++r) {
    double sum = 0;
    for (const char* k : kinds) sum += totals(up, k)[r];
    CHECK(sum == totals(up, "arrests_broker")[r]);
  }
  CHECK(mean_total(up, "damages_paid_yuan") > 0);
  CHECK(mean_total(up, "fines_paid_yuan") > 0);
}

TEST_CASE("with the upstream steps off no supplier nor organiser is ever arrested", "[enforcement]") {
  std::vector<std::string> off = kUpstream;
  off.push_back("controls.police.p_supplier=0");
  off.push_back("controls.police.p_organiser=0");
  const RunResult r = run(with(small_baseline(200000, 240), off), 2, 5);
  CHECK(mean_total(r, "arrests_merchant") > 0);
  CHECK(mean_total(r, "arrests_labor_agency") == 0);
  CHECK(mean_total(r, "arrests_data_seller") == 0);
  CHECK(mean_total(r, "arrests_organiser") == 0);
}

TEST_CASE("served sentences keep arrested merchants out longer: fewer cards reach the rings", "[enforcement]") {
  const std::vector<std::string> police = {"controls.police.capacity_per_million=20", "controls.police.p_broker=0.5"};
  std::vector<std::string> served = police;
  served.push_back("controls.police.sentences_served=true");
  const RunResult a = run(with(small_baseline(200000, 365), police), 6, 9);
  const RunResult b = run(with(small_baseline(200000, 365), served), 6, 9);
  CHECK(mean_total(b, "cards_sold_to_scammers") < mean_total(a, "cards_sold_to_scammers"));
}
