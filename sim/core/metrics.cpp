#include "core/metrics.h"

#include <iterator>

namespace cardsim {

const std::vector<MetricSpec>& metric_registry() {
  static const std::vector<MetricSpec> registry = [] {
    std::vector<MetricSpec> r = {
#define M_FLOW(id, n, u, d) {n, u, d, MetricKind::Flow, "sum over days", {}},
#define M_LEVEL(id, n, u, d) {n, u, d, MetricKind::Level, "mean over days", {}},
#define M_PRICE(id, n, u, d) {n, u, d, MetricKind::Price, "mean over days", {}},
#define M_RATIO(id, n, u, d) {n, u, d, MetricKind::Ratio, "run numerator over run denominator", {}},
#define M_SUM(id, n, u, d, parts) {n, u, d, MetricKind::Flow, "sum over days", {}},
#include "core/metrics.def"
#undef M_FLOW
#undef M_LEVEL
#undef M_PRICE
#undef M_RATIO
#undef M_SUM
    };
    for (const CompositeMetric& c : composite_metrics())
      for (Metric part : c.parts) r[std::size_t(c.id)].parts.push_back(r[std::size_t(part)].name);
    return r;
  }();
  return registry;
}

const std::vector<CompositeMetric>& composite_metrics() {
  static const std::vector<CompositeMetric> composites = [] {
    std::vector<CompositeMetric> c = {
#define M_FLOW(id, n, u, d)
#define M_LEVEL(id, n, u, d)
#define M_PRICE(id, n, u, d)
#define M_RATIO(id, n, u, d)
#define PART(id) Metric::id,
#define M_SUM(id, n, u, d, parts) {Metric::id, {parts}},
#include "core/metrics.def"
#undef M_FLOW
#undef M_LEVEL
#undef M_PRICE
#undef M_RATIO
#undef M_SUM
#undef PART
    };
    return c;
  }();
  return composites;
}


const std::vector<std::string>& headline_metrics() {
  static const std::vector<std::string> names = {
      "fraud_cases",        "fraud_losses_yuan", "cards_sold_to_scammers", "price_scammer_yuan",
      "honest_refused",     "shutdowns_honest",  "honest_harmed",          "income_insider_yuan",
      "income_broker_yuan"};
  return names;
}

int find_metric(const std::string& name) {
  const auto& reg = metric_registry();
  for (std::size_t i = 0; i < reg.size(); ++i)
    if (reg[i].name == name) return int(i);
  return -1;
}

Recorder::Recorder(int64_t days, int checks)
    : days_(days),
      daily_(std::size_t(kMetricCount) * std::size_t(days), 0.0),
      today_(kMetricCount, 0.0),
      today_den_(kMetricCount, 0.0),
      run_num_(kMetricCount, 0.0),
      run_den_(kMetricCount, 0.0),
      by_check_(std::size_t(days) * std::size_t(checks), 0.0),
      today_by_check_(std::size_t(checks), 0.0) {}

void Recorder::end_day(int64_t day) {
  const auto& reg = metric_registry();
  // A composite is its parts' sum, never added to directly.
  for (const CompositeMetric& c : composite_metrics()) {
    double sum = 0;
    for (Metric part : c.parts) sum += today_[int(part)];
    today_[int(c.id)] = sum;
  }
  for (int m = 0; m < kMetricCount; ++m) {
    double v = today_[m];
    if (reg[m].kind == MetricKind::Ratio) {
      run_num_[m] += today_[m];
      run_den_[m] += today_den_[m];
      v = today_den_[m] > 0 ? today_[m] / today_den_[m] : 0.0;
      today_den_[m] = 0;
    }
    daily_[std::size_t(m) * std::size_t(days_) + std::size_t(day)] = v;
    today_[m] = 0;
  }
  const std::size_t per_day = today_by_region_.size();
  for (std::size_t k = 0; k < per_day; ++k) {
    by_region_[std::size_t(day) * per_day + k] = today_by_region_[k];
    today_by_region_[k] = 0;
  }
  const std::size_t checks = today_by_check_.size();
  for (std::size_t c = 0; c < checks; ++c) {
    by_check_[std::size_t(day) * checks + c] = today_by_check_[c];
    today_by_check_[c] = 0;
  }
  days_done_ = day + 1;
}

// ---- regions that trade ----
const RegionSeriesSpec& region_series_spec(RegionSeries s) {
  static const RegionSeriesSpec specs[] = {
      {"cards_sold_to_scammers", "cards per day", "cards that entered fraud use, by the ring's home region"},
      {"fraud_cases", "cases per day", "attempts that became fraud cases, by the home region of the ring that made them"},
      {"cards_activated_farmer", "cards per day", "cards card farmers opened, by the region of the outlet that activated them"},
      {"cards_mailed_in", "cards per day",
       "cards bought from a seller in another region and mailed to a buyer of this region, counted the day they are sold"},
  };
  static_assert(std::size(specs) == std::size_t(kRegionSeriesCount));
  return specs[int(s)];
}

void Recorder::track_regions(int regions) {
  regions_ = regions;
  const auto per_day = std::size_t(kRegionSeriesCount) * std::size_t(regions);
  by_region_.assign(std::size_t(days_) * per_day, 0.0);
  today_by_region_.assign(per_day, 0.0);
  mailed_.assign(std::size_t(regions) * std::size_t(regions), 0.0);
}
// ---- end regions that trade ----

double Recorder::total(int m) const {
  const auto& spec = metric_registry()[m];
  if (spec.kind == MetricKind::Ratio) return run_den_[m] > 0 ? run_num_[m] / run_den_[m] : 0.0;
  double sum = 0;
  const double* s = series(m);
  for (int64_t d = 0; d < days_done_; ++d) sum += s[d];
  if (spec.kind == MetricKind::Flow) return sum;
  return days_done_ > 0 ? sum / double(days_done_) : 0.0;
}

}  // namespace cardsim
