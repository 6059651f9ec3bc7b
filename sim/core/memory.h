// Up-front memory estimate, so a run that cannot fit is refused at
// validation with the estimate and the limit, instead of dying half-way.
#pragma once

#include <cstdint>
#include <string>

#include "scenario/params.h"

namespace cardsim {

/// Bytes one replicate's World needs for these parameters.
uint64_t estimate_world_bytes(const Params& p);

/// Bytes a whole run needs: `parallel` worlds at once plus every replicate's
/// daily series kept for the output.
uint64_t estimate_run_bytes(const Params& p, int64_t replicates, int parallel);

/// The memory a run may use: CARDSIM_MEMORY_LIMIT_MB if set, else 80% of
/// physical memory.
uint64_t memory_limit_bytes();

/// Throws InputError naming the estimate and the limit when the run won't fit.
void check_memory(const Params& p, int64_t replicates, int parallel, const std::string& what);

std::string format_bytes(uint64_t bytes);

}  // namespace cardsim
