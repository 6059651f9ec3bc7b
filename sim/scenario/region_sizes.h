// Relative sizes of the regions of an area, by `region_sizes` choice
// (sim/scenario/params.def): `even` splits the population evenly; every other
// choice is a table of region populations from a cited source, and the area
// then has exactly as many regions as the table has rows.
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

}  // namespace cardsim
