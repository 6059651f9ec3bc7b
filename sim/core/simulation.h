// The daily scheduler: named phases in one fixed order, run for every day of
// one replicate. A replicate is a pure function of (scenario, seed, replicate).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "scenario/scenario.h"
#include "core/phase_times.h"
#include "core/world.h"

namespace cardsim {

struct PhaseEntry {
  Phase phase;
  const char* name;
  void (*run)(World&);
};

/// The day's phases, in the order they run.
const std::vector<PhaseEntry>& daily_phases();

struct RunOptions {
  bool check_invariants = false;  // assert conservation every day (tests, --check)
  int threads_inside = 1;         // threads for one replicate's block phases (honest demand); results do not change
  // When set, run_days adds each phase's wall-clock seconds and the days it
  // ran to it (`cardsim run --phase-times`). Reads a clock around each phase;
  // never changes results.
  PhaseTimes* phase_times = nullptr;
};

/// Builds the world for one replicate (day 0, nothing run yet).
std::unique_ptr<World> build_world(const Scenario& scenario, uint64_t seed, uint64_t replicate);

/// Runs days [w.day, until) of the scenario on an existing world.
void run_days(World& w, const Scenario& scenario, int64_t until, const RunOptions& options);

/// Builds and runs one whole replicate; returns its world (metrics inside).
std::unique_ptr<World> run_replicate(const Scenario& scenario, uint64_t seed, uint64_t replicate,
                                     const RunOptions& options);

}  // namespace cardsim
