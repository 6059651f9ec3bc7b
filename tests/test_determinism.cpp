// Same scenario and seed give bit-identical results for any thread count;
// different seeds give different results.
#include <catch2/catch.hpp>

#include <cstring>

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
