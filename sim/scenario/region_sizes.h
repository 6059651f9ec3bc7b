// Relative sizes of the regions of an area, by `region_sizes` choice
// (sim/scenario/params.def): `even` splits the population evenly; every other
// choice is a table of region populations from a cited source, and the area
// then has exactly as many regions as the table has rows. A scenario may
// instead give `region_shares`, a list of each region's share (with
// region_sizes: even).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace cardsim {

struct RegionRow {
  std::string_view name;
  int64_t population;  // persons at the source's date
};

/// The table of a `region_sizes` choice; empty for `even`.
const std::vector<RegionRow>& region_table(int64_t region_sizes);

struct Params;

/// The regions' whole-number weights (World::layout.weight_end is their
/// running sum): the table's populations, or the shares of `region_shares`
/// scaled to parts per billion (at least 1 each); empty for an even split.
std::vector<uint64_t> region_weights(const Params& p);

}  // namespace cardsim
