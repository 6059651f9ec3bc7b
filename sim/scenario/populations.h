// Criminal populations by density: how many of each kind a run has, from the
// densities per million identity holders in sim/scenario/params.def, and the warnings
// for an area too small for those densities to mean anything per head.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/params.h"

namespace cardsim {

/// Agents of each criminal kind in a run (insiders, a density per outlet,
/// are counted with the outlets).
struct CriminalCounts {
  int64_t rings = 0, merchants = 0, labor_agencies = 0, data_sellers = 0, raisers = 0, organisers = 0, sim_banks = 0;

  int64_t brokers() const { return merchants + labor_agencies + data_sellers + raisers + organisers; }
  /// Brokers are laid out merchants, labor agencies, data sellers, raisers,
  /// organisers; the first index of each kind.
  int64_t first_supplier() const { return merchants; }
  int64_t first_organiser() const { return merchants + labor_agencies + data_sellers + raisers; }
};

/// population / 1e6 * caught density / density.caught_share, rounded, per kind.
CriminalCounts criminal_counts(const Params& p);

/// One line per kind whose rounded count is more than 10% off what its density
/// asks for at this population (none at all included): per-capita results of
/// such a run are not those of the densities declared.
std::vector<std::string> per_capita_warnings(const Params& p);

}  // namespace cardsim
