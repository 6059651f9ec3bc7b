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
/// are counted with the outlets, and organisers by the insiders they run).
struct CriminalCounts {
  int64_t rings = 0, merchants = 0, labor_agencies = 0, data_sellers = 0, raisers = 0, organisers = 0, sim_banks = 0;

  int64_t brokers() const { return merchants + labor_agencies + data_sellers + raisers + organisers; }
  /// Brokers are laid out merchants, labor agencies, data sellers, raisers,
  /// organisers; the first index of each kind.
  int64_t first_supplier() const { return merchants; }
  int64_t first_organiser() const { return merchants + labor_agencies + data_sellers + raisers; }
};

/// Outlets of the area: max(regions, round(population * outlets_per_100k / 1e5)).
int64_t outlet_count(const Params& p);

/// Account-kit collectors (bank.enabled): round(population / 1e6 *
/// bank.collectors_per_million), at least one.
int64_t collector_count(const Params& p);

/// Insiders' posts: round(outlets * insiders.share_of_outlets).
int64_t insider_posts(const Params& p);

/// population / 1e6 * caught density / density.caught_share, rounded, per
/// kind; organisers are ceil(insider posts / insiders.per_organiser), one per
/// group of insiders (F13), none when insiders.per_organiser is 0.
CriminalCounts criminal_counts(const Params& p);

/// One line per kind whose rounded count is more than 10% off what its density
/// asks for at this population (none at all included), kit collectors among
/// them when bank.enabled: per-capita results of such a run are not those of
/// the densities declared.
std::vector<std::string> per_capita_warnings(const Params& p);

}  // namespace cardsim
