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
  double confidence = 0.90;      // level of the confidence intervals and of the ties in the ranking
  double detect_relative = 0.10;  // relative effect the power line is about (0.10: a 10% change)
  int bootstrap = 2000;          // paired bootstrap resamples behind the ranking and the frontier
  SeriesMode series = SeriesMode::Daily;  // how the file stores each scenario's series
};


/// One policy against the base.
struct PolicyEffect {
  std::string name;                       // unique among the policies of a comparison
  std::vector<std::vector<double>> diff;  // [metric][replicate]: policy - base over the window
  std::vector<Interval> interval;         // [metric]: variability: mean and 5%/95% of diff
  std::vector<Interval> ci;               // [metric]: effect: mean and t-based CI of the mean of diff
  std::vector<double> relative_percent;   // [metric]: mean diff / base mean, in %; NaN when the base mean is 0
  std::vector<int64_t> replicates_needed;  // [metric]: replicates to detect the request's relative effect, 80% power
  // Cost-effectiveness (means over replicates).
  double losses_avoided_yuan = 0;  // -(mean diff of fraud_losses_yuan)
  double honest_harmed = 0;        // mean diff of the composite metric honest_harmed (metrics.def lists its parts)
  double avoided_per_harmed = 0;   // yuan per extra honest customer harmed; +inf when none harmed
  Interval avoided_interval;       // per-replicate losses avoided: mean and 5%/95%
  Interval harmed_interval;        // per-replicate extra honest customers harmed
  Interval avoided_ci, harmed_ci;  // CIs of their means
  bool harm_measurable = false;    // harmed_ci excludes 0; else "no measurable harm"
  int64_t rank = 0;                // 1 + number of policies ranked above it beyond noise (ties share a rank)
  std::vector<std::string> tied_with;  // policies neither above nor below it beyond noise
  bool on_frontier = false;        // not dominated, beyond noise, by another policy nor by doing nothing
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

/// Mean and two-sided `level` confidence interval of the mean of v from
/// Student's t with n - 1 degrees of freedom (infinite with one value).
Interval mean_confidence_interval(const std::vector<double>& v, double level);

/// Replicates a paired comparison needs to detect a mean difference of
/// `effect` with the given power in a two-sided test at `level` confidence,
/// from the spread of the observed differences (normal approximation:
/// ((z_(1+level)/2 + z_power) sd / effect)^2, at least 2). -1 when effect is 0.
int64_t replicates_to_detect(const std::vector<double>& diff, double effect, double level, double power);

struct RankOptions {
  double confidence = 0.90;
  int bootstrap = 2000;
  uint64_t seed = 1;
};

/// Fills the cost-effectiveness fields and CIs from `diff`, then ranks the
/// policies and finds the frontier with a paired bootstrap over replicates.
/// Honest customers harmed are the metric honest_harmed, the sum of its parts
/// declared in metrics.def. The ranking measure is yuan avoided per honest customer harmed for a
/// policy with measurable harm, losses avoided for one without (those that
/// avoid losses rank above every policy with measurable harm, those that
/// avoid none below). Two policies are tied when the `confidence` interval
/// of their paired difference in the measure includes 0 (equivalently, when
/// neither is ahead in more than (1 + confidence) / 2 of the resamples); a
/// policy's rank is 1 + the number of policies ahead of it beyond noise.
/// Policies with measurable and without measurable harm are never tied.
void rank_policies(std::vector<PolicyEffect>& effects, const RankOptions& options);

void print_compare(std::ostream& out, const CompareResult& result);
void write_compare_file(const std::string& path, const CompareResult& result);
void write_compare_csv(const std::string& path, const CompareResult& result);

}  // namespace cardsim
