// Up-front memory estimate, so a run that cannot fit is refused at
// validation with the estimate and the limit, instead of dying half-way.
#pragma once

#include <cstdint>
#include <string>

#include "scenario/params.h"

namespace cardsim {

struct Scenario;
struct World;

/// Bytes one replicate's World needs for these parameters.
uint64_t estimate_world_bytes(const Params& p);

/// Criminal cards a run makes at most, as the estimate counts them (a
/// generous bound on the market's output; runs reserve card arrays up to it,
/// sim/core/simulation.cpp).
uint64_t estimate_card_count(const Params& p);

/// The scenario's parameters as the estimate must see them: a lever that a
/// schedule switches on later (the velocity check, whose per-holder window
/// costs memory only once it runs) counts as on.
Params params_for_memory(const Scenario& sc);

/// Bytes the arrays of `w` hold now; arrays never written count nothing.
/// The estimate above must stay above it (tests/test_memory_limit.cpp).
uint64_t world_bytes_held(const World& w);

/// Bytes a whole run needs: `parallel` worlds at once plus every replicate's
/// daily series kept for the output. Saturates at UINT64_MAX instead of
/// overflowing (a replicate count near 2^60 is refused, not wrapped).
uint64_t estimate_run_bytes(const Params& p, int64_t replicates, int parallel);

/// Overflow-safe arithmetic for estimates: saturates at UINT64_MAX.
uint64_t saturating_mul(uint64_t a, uint64_t b);
uint64_t saturating_add(uint64_t a, uint64_t b);

/// The memory a run may use and where that limit comes from.
struct MemoryLimit {
  uint64_t bytes = UINT64_MAX;
  std::string source;  // "80% of physical memory", "cgroup memory.max", ...
};

/// The smallest of: CARDSIM_MEMORY_LIMIT_MB if set (it overrides the rest),
/// else 80% of physical memory, the cgroup's limit (v2 memory.max, v1
/// memory.limit_in_bytes, of this process's cgroup and its ancestors), and
/// Slurm's SLURM_MEM_PER_NODE or SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE (MB).
MemoryLimit memory_limit();
uint64_t memory_limit_bytes();

/// The cgroup memory limit for a process whose /proc/self/cgroup reads
/// `proc_self_cgroup`, with the cgroup file systems mounted under `sys_root`
/// (normally /sys/fs/cgroup); UINT64_MAX when there is none. Exposed for tests.
uint64_t cgroup_memory_limit(const std::string& proc_self_cgroup, const std::string& sys_root);

/// Throws InputError naming the estimate and the limit when the run won't fit.
void check_memory(const Scenario& sc, int64_t replicates, int parallel, const std::string& what);

/// Same for any estimate: `need` bytes for `doing` (what the estimate counts).
void check_memory_need(uint64_t need, const std::string& what, const std::string& doing);

std::string format_bytes(uint64_t bytes);

}  // namespace cardsim
