// Snapshots: the full state of replicate worlds at the end of a day, saved to
// HDF5 so that a run can continue from it (warm starts, policy branching).
// A continued run equals, bit for bit, the run done in one piece.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "results/h5.h"
#include "scenario/scenario.h"
#include "core/world.h"

namespace cardsim {

/// What a snapshot file says about itself.
struct SnapshotInfo {
  Scenario scenario;       // the scenario that ran up to `day` (resolved)
  uint64_t seed = 0;
  int64_t replicates = 0;  // replicate indices 0..replicates-1
  int64_t day = 0;         // days already run: the next day to run
};

/// Writes every world (replicate i at index i, all at the same day) to `path`
/// atomically, with the provenance attributes of every cardsim file.
void write_snapshot_file(const std::string& path, const Scenario& scenario, uint64_t seed,
                         const std::vector<std::unique_ptr<World>>& worlds);

/// Reads a snapshot's header. Throws InputError when it is not a snapshot.
SnapshotInfo read_snapshot_info(const std::string& path);

/// Rebuilds replicate `replicate` of a snapshot. `scenario` must have the
/// snapshot's structure (see check_same_structure). Not thread-safe (HDF5).
std::unique_ptr<World> read_snapshot_world(const std::string& path, const Scenario& scenario, int64_t replicate);

/// Saves / restores every field of one world under an HDF5 group.
void save_world(hid_t group, World& world);
void load_world(hid_t group, World& world);

/// Throws InputError naming the first structural (fixed-at-build) parameter
/// in which `other` differs from `base`: worlds built from them differ in shape.
void check_same_structure(const Scenario& base, const Scenario& other, const std::string& why);

}  // namespace cardsim
