// Policy what-if comparisons: a base scenario and policies run with common
// random numbers (same seed, same replicate indices), so that each
// replicate's policy-minus-base difference isolates the policy's effect from
// the run-to-run noise both share.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "results/results.h"
#include "experiments/runner.h"
#include "results/summary.h"

namespace cardsim {

struct CompareRequest {
  Scenario base;
  std::vector<Scenario> policies;
  uint64_t seed = 1;
  int64_t replicates = 20;
  int threads = 0;         // 0: OpenMP's default
  int64_t from_day = 0;    // differences are taken over days [from_day, days)
  int64_t burn_in = 0;     // days run once under the base before policies branch
  std::string snapshot_path;  // where the burn-in snapshot is saved ("" = not saved)
  bool progress = false;
  RunOptions options;
};

/// The metrics every comparison table shows (benefit first, then cost).
const std::vector<std::string>& compare_table_metrics();

/// One policy against the base.
struct PolicyEffect {
  std::string name;                       // unique among the policies of a comparison
  std::vector<std::vector<double>> diff;  // [metric][replicate]: policy - base over the window
  std::vector<Interval> interval;         // [metric]: mean and 5%/95% of diff
  // Cost-effectiveness (means over replicates).
  double losses_avoided_yuan = 0;  // -(mean diff of fraud_losses_yuan)
  double honest_harmed = 0;        // mean diff of honest_refused + shutdowns_honest
  double avoided_per_harmed = 0;   // yuan per extra honest customer harmed; +inf when none harmed
  Interval avoided_interval;       // per-replicate losses avoided: mean and 5%/95%
  Interval harmed_interval;        // per-replicate extra honest customers harmed
  int64_t rank = 0;                // 1 = best buy
  bool on_frontier = false;        // not dominated by another policy nor by doing nothing
};

struct CompareResult {
  CompareRequest request;
  std::vector<RunResult> runs;                          // [0] base, then the policies in order
  std::vector<std::vector<std::vector<double>>> window;  // [run][metric][replicate] window totals
  std::vector<PolicyEffect> effects;                    // one per policy
};

/// Runs the comparison. Throws InputError when the scenarios cannot be paired
/// (different run lengths; different structure when branching from a burn-in).
CompareResult run_compare(const CompareRequest& request);

/// Total of one metric of one replicate over days [from, days), by the
/// metric's kind: flows are summed, levels and prices averaged; ratios use the
/// run numerator/denominator for the whole run and the mean daily ratio for a
/// later window (the daily numerators are not kept).
double window_total(const RunResult& run, int metric, int64_t replicate, int64_t from_day);

/// True when a 90% interval includes zero: no clear effect.
bool spans_zero(const Interval& iv);

/// Fills the cost-effectiveness fields, ranks and the frontier.
void rank_policies(std::vector<PolicyEffect>& effects);

void print_compare(std::ostream& out, const CompareResult& result);
void write_compare_file(const std::string& path, const CompareResult& result);
void write_compare_csv(const std::string& path, const CompareResult& result);

}  // namespace cardsim
