// Shared helpers for tests that run the model.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/metrics.h"
#include "experiments/runner.h"
#include "scenario/scenario.h"
#include "results/summary.h"

namespace cardsim::testing {

/// The baseline at a size that keeps tests quick: a smaller area with the
/// criminals and police of the baseline's 1,000,000 people (densities and
/// police capacity scaled up by 1e6 / population), so that every role is
/// present however small the area. Farmers and insiders read each arrest
/// per million holders (docs/model.md 10.3), so the rise of their perceived
/// risk per arrest is scaled down by the same factor: the area then deters
/// as the 1,000,000-person market it holds does.
inline Scenario small_baseline(int64_t population = 300000, int64_t days = 240) {
  Scenario sc = builtin_baseline();
  const double scale = double(population) / 1e6;
  sc.params.population = population;
  sc.params.days = days;
  sc.params.density_caught_share *= scale;
  sc.params.police_capacity_per_million /= scale;
  sc.params.risk_per_arrest *= scale;
  return sc;
}

/// The tiny hand-built area of the component tests: four identity holders
/// (0 and 1 in region 0, 2 and 3 in region 1), two outlets (one a region),
/// one corrupt outlet's insider and one merchant (at 4 persons, 250,000 per
/// million, all of them active, is one agent); no other criminal kind.
inline Params tiny_area_params() {
  Params p;
  p.days = 100;
  p.population = 4;
  p.regions = 2;
  p.carriers = 1;
  p.outlets_per_100k = 50000;  // 4 persons -> 2 outlets
  p.insiders_share_of_outlets = 0.5;
  p.density_caught_share = 1;
  p.density_merchants = 250000;
  p.density_labor_agencies = p.density_data_sellers = p.density_raisers = 0;
  p.insiders_per_organiser = 0;  // no organisers
  p.density_rings = 0;
  // Rings' places are worked and refilled after an arrest's delay; the tests
  // of entry and exit by profit switch it on.
  p.ring_entry_enabled = false;
  return p;
}

inline Scenario with(Scenario sc, const std::vector<std::string>& sets) {
  for (const auto& kv : sets) apply_override(sc, kv);
  validate_scenario(sc);
  return sc;
}

inline RunResult run(const Scenario& sc, int64_t replicates, uint64_t seed = 1, int threads = 0,
                     bool check = false) {
  RunRequest req;
  req.scenario = sc;
  req.seed = seed;
  req.replicates = replicates;
  req.threads = threads;
  req.options.check_invariants = check;
  return run_scenario(req);
}

inline const std::vector<double>& totals(const RunResult& r, const std::string& metric) {
  const int m = find_metric(metric);
  if (m < 0) throw std::runtime_error("unknown metric " + metric);
  return r.totals[std::size_t(m)];
}

inline double mean_total(const RunResult& r, const std::string& metric) {
  return summarize(totals(r, metric)).mean;
}

/// Mean and 90% interval of the paired differences b - a (common random numbers).
inline Interval paired_difference(const RunResult& a, const RunResult& b, const std::string& metric) {
  const auto& x = totals(a, metric);
  const auto& y = totals(b, metric);
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) d[i] = y[i] - x[i];
  return summarize(d);
}

/// 90% confidence interval of the MEAN paired difference y - x (normal
/// approximation, mean +- 1.645 standard errors): is the average effect
/// non-zero, as opposed to the spread of single replicates.
inline Interval mean_paired_ci90(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += y[i] - x[i];
  const double mean = sum / n;
  for (std::size_t i = 0; i < x.size(); ++i) sq += (y[i] - x[i] - mean) * (y[i] - x[i] - mean);
  const double se = n > 1 ? std::sqrt(sq / (n - 1) / n) : 0.0;
  return {mean, mean - 1.645 * se, mean + 1.645 * se};
}

/// The same for the run totals of `metric` in runs a and b (paired by replicate).
inline Interval mean_difference_ci90(const RunResult& a, const RunResult& b, const std::string& metric) {
  return mean_paired_ci90(totals(a, metric), totals(b, metric));
}

}  // namespace cardsim::testing
