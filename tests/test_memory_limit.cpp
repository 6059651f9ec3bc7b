// The memory limit a run is checked against: cgroup v1 and v2 limits of the
// process's cgroup and its ancestors, and estimates that saturate instead of
// overflowing.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "core/memory.h"
#include "core/simulation.h"
#include "core/world.h"
#include "model_fixtures.h"
#include "sweep_test_util.h"

using namespace cardsim;
using sweeptest::TempDir;
using sweeptest::write_text;
using testing::with;

TEST_CASE("cgroup memory limits are read along the cgroup's ancestors, v2 and v1", "[memory]") {
  TempDir root;
  SECTION("v2: the smallest memory.max from the process's cgroup up") {
    write_text(root / "memory.max", "max\n");
    write_text(root / "slurm/memory.max", "8589934592\n");
    write_text(root / "slurm/job_7/memory.max", "max\n");
    CHECK(cgroup_memory_limit("0::/slurm/job_7\n", root.path.string()) == uint64_t(8589934592));
  }
  SECTION("v1: memory.limit_in_bytes of the memory controller; the huge 'unlimited' value is no limit") {
    write_text(root / "memory/job/memory.limit_in_bytes", "1073741824\n");
    write_text(root / "memory/memory.limit_in_bytes", "9223372036854771712\n");
    CHECK(cgroup_memory_limit("5:cpu,cpuacct:/job\n4:memory:/job\n", root.path.string()) == uint64_t(1073741824));
  }
  SECTION("no cgroup file, no limit") {
    CHECK(cgroup_memory_limit("0::/nowhere\n", root.path.string()) == UINT64_MAX);
    CHECK(cgroup_memory_limit("", root.path.string()) == UINT64_MAX);
  }
}

TEST_CASE("memory estimates saturate instead of overflowing", "[memory]") {
  CHECK(saturating_mul(uint64_t(1) << 40, uint64_t(1) << 30) == UINT64_MAX);
  CHECK(saturating_add(UINT64_MAX - 1, 5) == UINT64_MAX);
  Params p;
  CHECK(estimate_run_bytes(p, int64_t(1) << 60, 2) == UINT64_MAX);
  CHECK(estimate_run_bytes(p, 10, 2) < estimate_run_bytes(p, 20, 2));
}

// The estimate guards a run before it starts; it must stay above what a
// world then holds, including in a market that makes far more criminal cards
// than the baseline (cards worth four times as much to the rings), and with
// the arrays that only the velocity check and the farmer pool touch.
TEST_CASE("the memory estimate stays above what a world holds after a year", "[memory]") {
  const Scenario base = with(builtin_baseline(), {"days=365"});
  for (const Scenario& sc : std::vector<Scenario>{base, with(base, {"scammers.cash_out_share=1.0", "scammers.callers_cards=1200"}),
        with(base, {"controls.velocity.enabled=true"}), with(base, {"farmer.pool.enabled=true"})}) {
    const auto world = run_replicate(sc, 1, 0, RunOptions{});
    const uint64_t held = world_bytes_held(*world);
    INFO("held " << held << " bytes, estimated " << estimate_world_bytes(params_for_memory(sc)));
    CHECK(held > uint64_t(sc.params.population) * sizeof(Identity) / 2);  // the holders' records were touched
    CHECK(held <= estimate_world_bytes(params_for_memory(sc)));
  }
}

// The velocity window costs 8 bytes a holder, but only once the check runs:
// the estimate counts it where the scenario or its schedule switches it on.
TEST_CASE("the velocity window counts in the estimate only where the check can run", "[memory]") {
  const Scenario off = builtin_baseline();
  const Scenario on = with(off, {"controls.velocity.enabled=true"});
  Scenario later = off;
  ScheduledChange change;
  change.day = 100;
  change.spec = find_param("controls.velocity.enabled");
  change.value = 1;
  later.schedule.push_back(change);
  const uint64_t extra = uint64_t(off.params.population) * sizeof(VelocityWindow);
  CHECK(estimate_world_bytes(params_for_memory(on)) == estimate_world_bytes(params_for_memory(off)) + extra);
  CHECK(estimate_world_bytes(params_for_memory(later)) == estimate_world_bytes(params_for_memory(on)));
}

// Card arrays are reserved on day 16 for the rest of the run at the rate the
// market made cards from day 8 (sim/core/simulation.cpp, plan_card_arrays): a
// baseline year then needs no further growth, the reservation stays within
// the estimate's bound on cards, and a run of fewer days reserves nothing.
TEST_CASE("card arrays are reserved from the first days' rate: a baseline year grows them no further",
          "[memory]") {
  const Scenario sc = with(builtin_baseline(), {"days=365"});
  auto w = build_world(sc, 1, 0);
  run_days(*w, sc, 16, RunOptions{});
  const std::size_t before_plan = w->cards.state.capacity();
  run_days(*w, sc, 17, RunOptions{});
  const std::size_t planned = w->cards.state.capacity();
  INFO("cards on day 17: " << w->cards.size() << ", capacity before the plan " << before_plan << ", after "
                           << planned);
  CHECK(planned > before_plan);
  CHECK(planned <= estimate_card_count(sc.params));
  CHECK(w->cards.identity.capacity() == planned);  // every card array
  CHECK(w->cards.supplier.capacity() == planned);
  run_days(*w, sc, 365, RunOptions{});
  INFO("cards at the end: " << w->cards.size());
  CHECK(w->cards.size() > 2 * before_plan);
  CHECK(w->cards.state.capacity() == planned);  // no growth after the plan
  const Scenario short_run = with(builtin_baseline(), {"days=10"});
  const auto s = run_replicate(short_run, 1, 0, RunOptions{});
  CHECK(s->cards.state.capacity() < planned);
}
