// Output metrics: ids and a registry generated from metrics.def, and a
// Recorder that keeps one replicate's daily series.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/fields.h"

namespace cardsim {

enum class MetricKind { Flow, Level, Price, Ratio };

enum class Metric : int {
#define M_FLOW(id, n, u, d) id,
#define M_LEVEL(id, n, u, d) id,
#define M_PRICE(id, n, u, d) id,
#define M_RATIO(id, n, u, d) id,
#define M_SUM(id, n, u, d, parts) id,
#include "core/metrics.def"
#undef M_FLOW
#undef M_LEVEL
#undef M_PRICE
#undef M_RATIO
#undef M_SUM
  Count
};

constexpr int kMetricCount = int(Metric::Count);

struct MetricSpec {
  std::string name;
  std::string units;
  std::string description;
  MetricKind kind;
  std::string total_rule;  // how the run total is made, for the file's attributes
  std::vector<std::string> parts;  // M_SUM only: the metrics it is the sum of; empty for the others
};

/// A composite metric (M_SUM) and the metrics it sums.
struct CompositeMetric {
  Metric id;
  std::vector<Metric> parts;
};

/// Every M_SUM row of metrics.def, in declaration order.
const std::vector<CompositeMetric>& composite_metrics();

const std::vector<MetricSpec>& metric_registry();
int find_metric(const std::string& name);  // -1 when unknown

/// The metrics a reader looks at first, in order: harm, the criminal market,
/// the cost to honest customers, criminal income. The summary printed after
/// a run starts with them, compare tabulates them, and every results file
/// lists them in its `table_metrics` root attribute, from which the analysis'
/// tables and report take them.
const std::vector<std::string>& headline_metrics();

// ---- regions that trade: per-region daily series ----
/// Series a run keeps region by region, [day][series][region], written to
/// /regions in the results file. The region of an event: the buyer's home
/// region for cards sold and cards mailed in, the ring's home region for fraud
/// cases, the outlet's region for a farmer's activation.
enum class RegionSeries : int { CardsSoldToScammers = 0, FraudCases, FarmerActivations, CardsMailedIn, Count };
constexpr int kRegionSeriesCount = int(RegionSeries::Count);

struct RegionSeriesSpec {
  const char* name;         // dataset name under /regions
  const char* units;        // per day
  const char* description;
};
const RegionSeriesSpec& region_series_spec(RegionSeries s);
// ---- end per-region series ----

/// One replicate's daily series. Agents add to today's values; end_day()
/// closes the day. Cost per day is O(metrics), independent of population.
class Recorder {
 public:
  /// `checks`: activation checks whose honest refusals are counted per day.
  explicit Recorder(int64_t days, int checks = 0);

  void add(Metric m, double v) { today_[int(m)] += v; }
  void set(Metric m, double v) { today_[int(m)] = v; }
  void add_ratio(Metric m, double num, double den) {
    today_[int(m)] += num;
    today_den_[int(m)] += den;
  }
  double today(Metric m) const { return today_[int(m)]; }
  /// An honest customer refused by activation check `check` (its index in activation_checks()).
  void add_check_refusal(int check, double n = 1) { today_by_check_[std::size_t(check)] += n; }

  // ---- regions that trade ----
  /// Keeps the per-region series and the matrix of cards mailed between
  /// `regions` regions (called once, when the world is built).
  void track_regions(int regions);
  void add_region(RegionSeries s, int region, double v) {
    today_by_region_[std::size_t(s) * std::size_t(regions_) + std::size_t(region)] += v;
  }
  void add_mailed(int from, int to, double v) { mailed_[std::size_t(from) * std::size_t(regions_) + std::size_t(to)] += v; }
  int regions() const { return regions_; }
  /// Per-region series, [day][series][region].
  const std::vector<double>& by_region() const { return by_region_; }
  /// Cards mailed over the run, [from region][to region].
  const std::vector<double>& mailed_between() const { return mailed_; }
  // ---- end regions that trade ----

  void end_day(int64_t day);

  int64_t days() const { return days_; }
  /// Daily series of one metric, `days` values.
  const double* series(int m) const { return &daily_[std::size_t(m) * std::size_t(days_)]; }
  double total(int m) const;
  int checks() const { return int(today_by_check_.size()); }
  /// Honest refusals per check, [day][check].
  const std::vector<double>& refused_by_check() const { return by_check_; }
  int64_t days_done() const { return days_done_; }

  /// The recorder's state (see core/fields.h). Today's accumulators are not
  /// listed: they are zero between days.
  template <class V> void visit_fields(V& v) { visit(v, *this); }
  template <class V> void visit_fields(V& v) const { visit(v, *this); }

 private:
  int64_t days_;
  int64_t days_done_ = 0;
  std::vector<double> daily_;  // [metric][day]
  std::vector<double> today_, today_den_;
  std::vector<double> run_num_, run_den_;  // ratio metrics' run totals
  std::vector<double> by_check_;           // [day][check]
  std::vector<double> today_by_check_;
  int regions_ = 0;                           // regions that trade
  std::vector<double> by_region_, today_by_region_, mailed_;

  template <class V, class R> static void visit(V& v, R& r) {
    v.array("recorder.daily", r.daily_, Extent::Other);
    v.array("recorder.run_num", r.run_num_, Extent::Other);
    v.array("recorder.run_den", r.run_den_, Extent::Other);
    v.array("recorder.refused_by_check", r.by_check_, Extent::Other);
    v.array("recorder.by_region", r.by_region_, Extent::Other);  // regions that trade
    v.array("recorder.mailed_between", r.mailed_, Extent::Other);
    v.scalar("recorder.days_done", r.days_done_);
  }
};
CARDSIM_FIELDS_LISTED(Recorder, 264);

}  // namespace cardsim
