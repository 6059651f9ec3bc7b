// Shared by the tests that continue a run from a snapshot and expect it to
// equal the run done in one piece.
#pragma once

#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/simulation.h"
#include "core/world.h"
#include "results/snapshot.h"

namespace cardsim::testing {

/// One replicate run three ways: to the snapshot day, in one piece, and
/// continued from the snapshot to the end.
struct Continuation {
  std::unique_ptr<World> halfway, whole, continued;
};

/// Replicate 0 of `sc` at seed 7, run for `day` days and saved to a snapshot
/// (a temporary file named after `name`), read back and continued to the end
/// with the invariants checked every day; every metric's daily series must
/// equal the run done in one piece.
inline Continuation continue_from_snapshot(const Scenario& sc, int64_t day, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("cardsim_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (name + ".snapshot.h5")).string();
  Continuation out;
  std::vector<std::unique_ptr<World>> saved;
  saved.push_back(build_world(sc, 7, 0));
  run_days(*saved.back(), sc, day, RunOptions{});
  write_snapshot_file(path, sc, 7, saved);
  out.halfway = std::move(saved.back());
  const SnapshotInfo info = read_snapshot_info(path);
  out.whole = run_replicate(sc, 7, 0, RunOptions{});
  out.continued = read_snapshot_world(path, info.scenario, 0);
  RunOptions checked;
  checked.check_invariants = true;  // the restored world is consistent, day after day
  run_days(*out.continued, info.scenario, sc.params.days, checked);
  for (int m = 0; m < kMetricCount; ++m) {
    INFO("metric " << metric_registry()[std::size_t(m)].name);
    for (int64_t d = 0; d < out.whole->recorder.days(); ++d)
      REQUIRE(out.whole->recorder.series(m)[d] == out.continued->recorder.series(m)[d]);
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace cardsim::testing
