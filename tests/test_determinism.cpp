// Same scenario and seed give bit-identical results for any thread count;
// different seeds give different results.
#include <catch2/catch.hpp>

#include <cstring>

#include "core/identity_lookahead.h"
#include "model_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

bool identical(const RunResult& a, const RunResult& b) {
  if (a.daily.size() != b.daily.size()) return false;
  for (std::size_t r = 0; r < a.daily.size(); ++r)
    if (std::memcmp(a.daily[r].data(), b.daily[r].data(), a.daily[r].size() * sizeof(double)) != 0) return false;
  for (std::size_t m = 0; m < a.totals.size(); ++m)
    if (std::memcmp(a.totals[m].data(), b.totals[m].data(), a.totals[m].size() * sizeof(double)) != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("1 and 2 threads give bit-identical results", "[determinism]") {
  const Scenario sc = small_baseline(200000, 150);
  const RunResult one = run(sc, 4, 7, 1);
  const RunResult two = run(sc, 4, 7, 2);
  CHECK(identical(one, two));
}

TEST_CASE("the same seed twice is identical, another seed differs", "[determinism]") {
  const Scenario sc = small_baseline(200000, 150);
  const RunResult a = run(sc, 2, 11);
  const RunResult b = run(sc, 2, 11);
  const RunResult c = run(sc, 2, 12);
  CHECK(identical(a, b));
  CHECK_FALSE(identical(a, c));
  CHECK(mean_total(a, "fraud_attempts") != mean_total(c, "fraud_attempts"));
}

TEST_CASE("replicates of one run differ from each other", "[determinism]") {
  const RunResult r = run(small_baseline(200000, 150), 2, 3);
  CHECK(totals(r, "fraud_attempts")[0] != totals(r, "fraud_attempts")[1]);
}

TEST_CASE("every channel and control on: still identical across thread counts", "[determinism]") {
  const Scenario sc = with(small_baseline(200000, 150),
                           {"controls.dealer_cap.enabled=true", "controls.velocity.enabled=true",
                            "commission.clawback=true", "controls.remote_activation.mode=block"});
  CHECK(identical(run(sc, 3, 5, 1), run(sc, 3, 5, 2)));
}

// One replicate on several threads: honest demand runs by blocks of holders
// (a region each) on the spare threads; results must not depend on how many.
// Uneven regions (the census sizes) and every control that reads an
// outlet's or a holder's state, with retries, so that each block's share of
// the shared tallies is exercised.
TEST_CASE("one replicate on 1, 2 and 3 threads gives bit-identical results", "[determinism][threads]") {
  const Scenario sc = with(small_baseline(310000, 120),
                           {"regions=31", "region_sizes=china_provinces_2020", "controls.dealer_cap.enabled=true",
                            "controls.velocity.enabled=true", "controls.remote_activation.mode=block",
                            "citizens.retry_share=0.5"});
  const RunResult one = run(sc, 1, 9, 1);
  CHECK(identical(one, run(sc, 1, 9, 2)));
  CHECK(identical(one, run(sc, 1, 9, 3)));
  CHECK(mean_total(one, "cards_activated_legit") > 0);
  CHECK(mean_total(one, "honest_refused_dealer_cap") + mean_total(one, "honest_refused_remote") > 0);
}

// National runs read holders' records in batches, in the order of the record
// array's pages, before their events use them (core/identity_lookahead.h),
// once the records outgrow the caches (32 million holders and more). The
// holders must still come out in the order their stream draws them, however
// many the caller said it would draw, and across batch boundaries.
TEST_CASE("holders drawn in page-ordered batches come out in their stream's order", "[determinism]") {
  Scenario sc = with(small_baseline(40000000, 10), {"regions=31", "region_sizes=china_provinces_2020"});
  const World w(sc.params, 3, 0);
  REQUIRE(records_outgrow_caches(w));
  for (const int region : {0, 18, -1})
    for (const int64_t expected : {int64_t(0), int64_t(100), int64_t(5000)}) {
      IdentityLookahead who(w, w.stream(Phase::HonestDemand, 77), region, expected);
      Stream s = w.stream(Phase::HonestDemand, 77);
      int64_t differ = 0;
      for (int k = 0; k < 9000; ++k) {
        const uint32_t direct = region < 0 ? w.random_identity(s) : w.random_identity_in(s, region);
        differ += who.next() != direct;
      }
      CHECK(differ == 0);
    }
}

// The same path inside a run: one replicate of 40 million holders in the
// census provinces (honest demand by blocks, records read in page order) on
// 1 and 2 threads, with the controls that read a holder's state.
TEST_CASE("one replicate of 40 million holders on 1 and 2 threads gives bit-identical results",
          "[determinism][threads]") {
  const Scenario sc = with(small_baseline(40000000, 6),
                           {"regions=31", "region_sizes=china_provinces_2020", "controls.velocity.enabled=true",
                            "controls.remote_activation.mode=block", "citizens.retry_share=0.5"});
  const RunResult one = run(sc, 1, 4, 1);
  CHECK(identical(one, run(sc, 1, 4, 2)));
  CHECK(mean_total(one, "cards_activated_legit") > 0);
  CHECK(mean_total(one, "honest_refused_remote") > 0);
}
