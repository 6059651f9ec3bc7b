// The short table printed after a run: mean and 90% interval over replicates.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "results/results.h"

namespace cardsim {

struct Interval {
  double mean = 0, lo = 0, hi = 0;  // lo, hi: 5th and 95th percentiles
};

/// Mean and 5th/95th percentiles (linear interpolation) of values.
Interval summarize(std::vector<double> values);

/// The metrics shown in the summary table, in order: the headline metrics
/// (core/metrics.h), then detail on supply, prices and arrests.
const std::vector<std::string>& summary_metrics();
/// Two cards: the rows print_summary adds after summary_metrics() when
/// bank.enabled is on (account market, prices, freezes, arrests, incomes).
const std::vector<std::string>& bank_summary_metrics();

void print_summary(std::ostream& out, const RunResult& result, const std::string& path);

/// The table `cardsim run --phase-times` prints: each daily phase's wall
/// seconds summed over replicates, its share of their sum, and its mean per
/// replicate-day, largest first. Prints nothing when the run did not time
/// its phases.
void print_phase_times(std::ostream& out, const RunResult& result);

}  // namespace cardsim
