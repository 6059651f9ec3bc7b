// Writing a comparison: one self-describing HDF5 file and a CSV beside it.
#include <cstdio>
#include <sstream>

#include "experiments/compare.h"
#include "core/metrics.h"

namespace cardsim {
namespace {

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& spec : metric_registry()) names.push_back(spec.name);
  return names;
}

std::vector<std::string> policy_names(const CompareResult& r) {
  std::vector<std::string> names;
  for (const auto& e : r.effects) names.push_back(e.name);
  return names;
}

std::vector<std::string> frontier_names(const CompareResult& r) {
  std::vector<std::string> names;
  for (const auto& e : r.effects)
    if (e.on_frontier) names.push_back(e.name);
  return names;
}

void describe_metric(hid_t ds, int m, const std::string& dims, const std::string& units_suffix) {
  const auto& spec = metric_registry()[std::size_t(m)];
  h5::write_attr(ds, "units", spec.units + units_suffix);
  h5::write_attr(ds, "description", spec.description);
  h5::write_attr(ds, "dimensions", dims);
  if (!spec.parts.empty()) h5::write_attr(ds, "parts", spec.parts);
}

/// One scenario's group: its resolved YAML, window totals and its series as
/// `mode` stores them (none: no timeseries group).
void write_scenario_group(hid_t group, const RunResult& run, const std::vector<std::vector<double>>& window,
                          SeriesMode mode) {
  h5::write_attr(group, "scenario_name", run.scenario.name);
  h5::write_attr(group, "scenario_source", run.scenario.source);
  h5::write_attr(group, "scenario_yaml", resolved_yaml(run.scenario));
  h5::write_attr(group, "scenario_hash", scenario_hash(run.scenario));
  h5::Handle tot = h5::create_group(group, "totals");
  h5::Handle ts = mode == SeriesMode::None ? h5::Handle() : h5::create_group(group, "timeseries");
  const int64_t periods = period_count(run.days, mode);
  std::vector<double> buf(std::size_t(run.replicates * periods));
  for (int m = 0; m < kMetricCount; ++m) {
    const auto& spec = metric_registry()[std::size_t(m)];
    const bool flow = spec.kind == MetricKind::Flow;
    h5::Handle t = h5::write_doubles(tot, spec.name, {hsize_t(run.replicates)}, window[std::size_t(m)].data());
    describe_metric(t, m, "replicate", flow ? " per window" : "");
    if (mode == SeriesMode::None) continue;
    for (int64_t rep = 0; rep < run.replicates; ++rep)
      aggregate_series(&run.daily[std::size_t(rep)][std::size_t(m) * std::size_t(run.days)], run.days, spec.kind, mode,
                       &buf[std::size_t(rep * periods)]);
    h5::Handle d = h5::write_doubles(ts, spec.name, {hsize_t(run.replicates), hsize_t(periods)}, buf.data());
    describe_metric(d, m, "replicate, " + period_axis(mode), "");
    h5::write_attr(d, "units", period_units(spec, mode));
    if (mode == SeriesMode::Weekly) h5::write_attr(d, "period_rule", std::string(period_rule(spec.kind)));
  }
}

void write_differences(hid_t group, const PolicyEffect& e) {
  h5::Handle diff = h5::create_group(group, "difference");
  h5::write_attr(diff, "meaning", std::string("policy minus base, per replicate, over the window"));
  for (int m = 0; m < kMetricCount; ++m) {
    const auto& spec = metric_registry()[std::size_t(m)];
    const auto& d = e.diff[std::size_t(m)];
    h5::Handle ds = h5::write_doubles(diff, spec.name, {hsize_t(d.size())}, d.data());
    describe_metric(ds, m, "replicate", spec.kind == MetricKind::Flow ? " per window" : "");
    const Interval& iv = e.interval[std::size_t(m)];
    h5::write_attr(ds, "mean", iv.mean);
    h5::write_attr(ds, "p05", iv.lo);
    h5::write_attr(ds, "p95", iv.hi);
    h5::write_attr(ds, "spans_zero", int64_t(spans_zero(iv)));
    const Interval& ci = e.ci[std::size_t(m)];
    h5::write_attr(ds, "ci_lo", ci.lo);
    h5::write_attr(ds, "ci_hi", ci.hi);
    h5::write_attr(ds, "ci_includes_zero", int64_t(spans_zero(ci)));
    h5::write_attr(ds, "relative_change_percent", e.relative_percent[std::size_t(m)]);
    h5::write_attr(ds, "replicates_needed", e.replicates_needed[std::size_t(m)]);
  }
  h5::write_attr(group, "rank", e.rank);
  h5::write_attr(group, "tied_with", e.tied_with);
  h5::write_attr(group, "on_frontier", int64_t(e.on_frontier));
  h5::write_attr(group, "losses_avoided_yuan", e.losses_avoided_yuan);
  h5::write_attr(group, "honest_harmed", e.honest_harmed);
  h5::write_attr(group, "avoided_per_harmed", e.avoided_per_harmed);
}

/// [policy, metric] tables of the interval, easy to load as data frames.
void write_summary(hid_t file, const CompareResult& r) {
  h5::Handle g = h5::create_group(file, "summary");
  h5::write_attr(g, "rows", policy_names(r));
  h5::write_attr(g, "columns", metric_names());
  h5::write_attr(g, "meaning", std::string("paired difference policy - base over the window. Effect: mean, and ci_lo, "
                                           "ci_hi the confidence interval of the mean (Student's t, level in "
                                           "`confidence`), ci_includes_zero 1 when it includes 0; relative_change_percent "
                                           "= mean / |base mean| in %; replicates_needed = replicates to detect a change "
                                           "of `detect_relative` of the base mean with 80% power. Variability: p05, p95 "
                                           "the 5th and 95th percentile of the per-replicate differences, spans_zero 1 "
                                           "when that band includes 0"));
  h5::write_attr(g, "confidence", r.request.confidence);
  h5::write_attr(g, "detect_relative", r.request.detect_relative);
  const std::size_t n = r.effects.size() * std::size_t(kMetricCount);
  std::vector<double> mean(n), lo(n), hi(n), ci_lo(n), ci_hi(n), relative(n);
  std::vector<int64_t> spans(n), ci_zero(n), needed(n);
  for (std::size_t i = 0; i < r.effects.size(); ++i)
    for (std::size_t m = 0; m < std::size_t(kMetricCount); ++m) {
      const PolicyEffect& e = r.effects[i];
      const Interval& iv = e.interval[m];
      const std::size_t k = i * std::size_t(kMetricCount) + m;
      mean[k] = iv.mean, lo[k] = iv.lo, hi[k] = iv.hi, spans[k] = spans_zero(iv);
      ci_lo[k] = e.ci[m].lo, ci_hi[k] = e.ci[m].hi, ci_zero[k] = spans_zero(e.ci[m]);
      relative[k] = e.relative_percent[m], needed[k] = e.replicates_needed[m];
    }
  const std::vector<hsize_t> dims = {hsize_t(r.effects.size()), hsize_t(kMetricCount)};
  for (const h5::Handle& ds : {h5::write_doubles(g, "mean", dims, mean.data()), h5::write_doubles(g, "p05", dims, lo.data()),
                               h5::write_doubles(g, "p95", dims, hi.data()),
                               h5::write_int64s(g, "spans_zero", dims, spans.data()),
                               h5::write_doubles(g, "ci_lo", dims, ci_lo.data()),
                               h5::write_doubles(g, "ci_hi", dims, ci_hi.data()),
                               h5::write_int64s(g, "ci_includes_zero", dims, ci_zero.data()),
                               h5::write_doubles(g, "relative_change_percent", dims, relative.data()),
                               h5::write_int64s(g, "replicates_needed", dims, needed.data())})
    h5::write_attr(ds, "dimensions", std::string("policy, metric"));
}

void write_cost_effectiveness(hid_t file, const CompareResult& r) {
  h5::Handle g = h5::create_group(file, "cost_effectiveness");
  h5::write_attr(g, "policies", policy_names(r));
  h5::write_attr(g, "frontier", frontier_names(r));
  h5::write_attr(g, "meaning",
                 std::string("losses_avoided_yuan = -mean difference of fraud_losses_yuan; honest_harmed = mean "
                             "difference of the metric honest_harmed, the sum of its parts (attribute "
                             "honest_harmed_parts); avoided_per_harmed = their ratio "
                             "(+inf: avoids losses and harms no extra honest customer); *_ci_lo/hi: confidence "
                             "interval of the mean (Student's t); harm_measurable 0 = no measurable harm (the harm's "
                             "CI includes 0); rank = 1 + the policies ranked above beyond noise in a paired bootstrap "
                             "(equal ranks are ties; see tied_with on each policy's group); on_frontier 1 = no other "
                             "policy nor the status quo avoids more with less harm beyond noise"));
  h5::write_attr(g, "honest_harmed_parts", metric_registry()[std::size_t(Metric::honest_harmed)].parts);
  h5::write_attr(g, "confidence", r.request.confidence);
  h5::write_attr(g, "bootstrap", int64_t(r.request.bootstrap));
  std::vector<double> avoided, harmed, ratio;
  std::vector<int64_t> rank, frontier;
  for (const auto& e : r.effects) {
    avoided.push_back(e.losses_avoided_yuan);
    harmed.push_back(e.honest_harmed);
    ratio.push_back(e.avoided_per_harmed);
    rank.push_back(e.rank);
    frontier.push_back(e.on_frontier);
  }
  std::vector<double> avoided_lo, avoided_hi, harmed_lo, harmed_hi;
  for (const auto& e : r.effects) {
    avoided_lo.push_back(e.avoided_interval.lo);
    avoided_hi.push_back(e.avoided_interval.hi);
    harmed_lo.push_back(e.harmed_interval.lo);
    harmed_hi.push_back(e.harmed_interval.hi);
  }
  std::vector<double> avoided_ci_lo, avoided_ci_hi, harmed_ci_lo, harmed_ci_hi;
  std::vector<int64_t> measurable;
  for (const auto& e : r.effects) {
    avoided_ci_lo.push_back(e.avoided_ci.lo);
    avoided_ci_hi.push_back(e.avoided_ci.hi);
    harmed_ci_lo.push_back(e.harmed_ci.lo);
    harmed_ci_hi.push_back(e.harmed_ci.hi);
    measurable.push_back(e.harm_measurable);
  }
  const std::vector<hsize_t> dims = {hsize_t(r.effects.size())};
  const std::pair<const char*, const std::vector<double>*> columns[] = {
      {"losses_avoided_p05", &avoided_lo},      {"losses_avoided_p95", &avoided_hi},
      {"honest_harmed_p05", &harmed_lo},        {"honest_harmed_p95", &harmed_hi},
      {"losses_avoided_yuan", &avoided},        {"honest_harmed", &harmed},
      {"avoided_per_harmed", &ratio},           {"losses_avoided_ci_lo", &avoided_ci_lo},
      {"losses_avoided_ci_hi", &avoided_ci_hi}, {"honest_harmed_ci_lo", &harmed_ci_lo},
      {"honest_harmed_ci_hi", &harmed_ci_hi}};
  for (const auto& [name, values] : columns)
    h5::write_attr(h5::write_doubles(g, name, dims, values->data()), "dimensions", std::string("policy"));
  h5::write_attr(h5::write_int64s(g, "rank", dims, rank.data()), "dimensions", std::string("policy"));
  h5::write_attr(h5::write_int64s(g, "on_frontier", dims, frontier.data()), "dimensions", std::string("policy"));
  h5::write_attr(h5::write_int64s(g, "harm_measurable", dims, measurable.data()), "dimensions", std::string("policy"));
}

void write_root_attributes(hid_t file, const CompareResult& r) {
  const CompareRequest& q = r.request;
  write_provenance(file, q.base, q.seed, q.replicates);
  h5::write_attr(file, "kind", std::string("compare"));
  h5::write_attr(file, "days", q.base.params.days);
  write_series_layout(file, q.base.params.days, q.series);
  h5::write_attr(file, "from_day", q.from_day);
  h5::write_attr(file, "burn_in", q.burn_in);
  h5::write_attr(file, "policies", policy_names(r));
  h5::write_attr(file, "metrics", metric_names());
  h5::write_attr(file, "frontier", frontier_names(r));
  h5::write_attr(file, "confidence", q.confidence);
  h5::write_attr(file, "common_random_numbers",
                 std::string("base and every policy use the same seed and replicate indices"));
}

}  // namespace

void write_compare_file(const std::string& path, const CompareResult& r) {
  write_atomically(path, [&](hid_t file) {
    write_root_attributes(file, r);
    h5::Handle base = h5::create_group(file, "base");
    write_scenario_group(base, r.runs[0], r.window[0], r.request.series);
    h5::Handle policies = h5::create_group(file, "policies");
    for (std::size_t i = 0; i < r.effects.size(); ++i) {
      h5::Handle g = h5::create_group(policies, r.effects[i].name);
      write_scenario_group(g, r.runs[i + 1], r.window[i + 1], r.request.series);
      write_differences(g, r.effects[i]);
    }
    write_summary(file, r);
    write_cost_effectiveness(file, r);
    h5::write_scale(file, "policy", policy_names(r));
    h5::write_scale(file, "metric", metric_names());
  });
}

namespace {

std::string csv_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Quotes a field when it holds a comma or a quote (RFC 4180).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

void write_compare_csv(const std::string& path, const CompareResult& r) {
  std::ostringstream out;
  out << "policy,metric,units,base_mean,policy_mean,diff_mean,diff_p05,diff_p95,spans_zero,"
         "losses_avoided_yuan,honest_harmed,avoided_per_harmed,rank,on_frontier,"
         "diff_ci_lo,diff_ci_hi,ci_includes_zero,relative_change_percent,replicates_needed,harm_measurable\n";
  for (std::size_t i = 0; i < r.effects.size(); ++i) {
    const PolicyEffect& e = r.effects[i];
    for (int m = 0; m < kMetricCount; ++m) {
      const auto& spec = metric_registry()[std::size_t(m)];
      const Interval& iv = e.interval[std::size_t(m)];
      out << csv_field(e.name) << ',' << spec.name << ',' << csv_field(spec.units) << ','
          << csv_number(summarize(r.window[0][std::size_t(m)]).mean) << ','
          << csv_number(summarize(r.window[i + 1][std::size_t(m)]).mean) << ',' << csv_number(iv.mean) << ','
          << csv_number(iv.lo) << ',' << csv_number(iv.hi) << ',' << int(spans_zero(iv)) << ','
          << csv_number(e.losses_avoided_yuan) << ',' << csv_number(e.honest_harmed) << ','
          << csv_number(e.avoided_per_harmed) << ',' << e.rank << ',' << int(e.on_frontier) << ','
          << csv_number(e.ci[std::size_t(m)].lo) << ',' << csv_number(e.ci[std::size_t(m)].hi) << ','
          << int(spans_zero(e.ci[std::size_t(m)])) << ',' << csv_number(e.relative_percent[std::size_t(m)]) << ','
          << e.replicates_needed[std::size_t(m)] << ',' << int(e.harm_measurable) << '\n';
    }
  }
  // Same guarantee as the HDF5 file: complete or absent, no temporary left.
  write_text_atomically(path, out.str());
}

}  // namespace cardsim
