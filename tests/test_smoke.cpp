#include <catch2/catch.hpp>

#include "sim/runner.h"

using namespace cardsim;

TEST_CASE("baseline runs with invariants checked", "[engine]") {
  RunRequest req;
  req.scenario = builtin_baseline();
  req.scenario.params.days = 60;
  req.replicates = 2;
  req.options.check_invariants = true;
  RunResult r = run_scenario(req);
  CHECK(r.totals[int(Metric::cards_activated_legit)][0] > 0);
}
