// Wall time of one replicate's daily phases (`cardsim run --phase-times`):
// where a long run spends its time. Timings differ between runs; results do
// not, so they are printed, never written to a results file.
#pragma once

#include <cstdint>
#include <vector>

namespace cardsim {

struct PhaseTimes {
  std::vector<double> seconds;  // [phase]: wall seconds daily_phases()[phase] took, summed over the days run
  int64_t days = 0;             // days run while timing (fewer than the horizon when continued from a snapshot)
};

}  // namespace cardsim
