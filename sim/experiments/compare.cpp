#include "experiments/compare.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <tuple>

#include "core/metrics.h"
#include "results/snapshot.h"

namespace cardsim {
namespace {

// ---- checks that the runs can be paired --------------------------------------

/// Paired differences need every run to cover the same days.
void require_same_days(const CompareRequest& req) {
  for (const auto& p : req.policies)
    if (p.params.days != req.base.params.days)
      throw InputError(p.source + ": 'days' = " + std::to_string(p.params.days) + " but the base " +
                       req.base.source + " runs " + std::to_string(req.base.params.days) +
                       " days; paired comparisons need the same run length");
}

/// Actions before the burn-in's end are taken under the base only: a policy
/// branching from the base's world must not hold different ones.
void require_same_actions_before(const Scenario& base, const Scenario& policy, int64_t burn_in) {
  auto before = [&](const Scenario& sc) {
    std::vector<std::tuple<int64_t, int, int64_t, double>> out;
    for (const auto& a : sc.actions)
      if (a.day < burn_in) out.emplace_back(a.day, int(a.target), a.idle_days, a.coverage);
    return out;
  };
  if (before(base) != before(policy))
    throw InputError(policy.source + ": key 'actions': actions before day " + std::to_string(burn_in) +
                     " differ from the base's; with --burn-in every policy branches from the base's world on that "
                     "day, so its earlier actions would never be taken");
}

void validate_request(const CompareRequest& req) {
  const int64_t days = req.base.params.days;
  if (req.replicates < 1 || req.replicates > 100000)
    throw InputError("--replicates " + std::to_string(req.replicates) + ": must be between 1 and 100000");
  if (req.from_day < 0 || req.from_day >= days)
    throw InputError("--from-day " + std::to_string(req.from_day) + ": must be in [0, " + std::to_string(days) +
                     ") (the run has " + std::to_string(days) + " days)");
  if (req.burn_in < 0 || req.burn_in >= days)
    throw InputError("--burn-in " + std::to_string(req.burn_in) + ": must be in [0, " + std::to_string(days) +
                     ") (the run has " + std::to_string(days) + " days)");
  if (!(req.confidence > 0 && req.confidence < 1))
    throw InputError("confidence " + std::to_string(req.confidence) + ": must lie in (0, 1)");
  if (req.bootstrap < 1) throw InputError("bootstrap: needs at least one resample");
  require_same_days(req);
  if (req.burn_in > 0)
    for (const auto& p : req.policies)
      check_same_structure(req.base, p,
                           "with --burn-in every policy branches from the base's world, so only schedulable "
                           "parameters may differ");
  if (req.burn_in > 0)
    for (const auto& p : req.policies) require_same_actions_before(req.base, p, req.burn_in);
}

// ---- running ----------------------------------------------------------------------

RunResult empty_result(const Scenario& sc, const CompareRequest& req) {
  RunResult r;
  r.scenario = sc;
  r.seed = req.seed;
  r.replicates = req.replicates;
  r.days = sc.params.days;
  r.daily.assign(std::size_t(req.replicates), {});  // sized by store_replicate, on the thread that stores it
  r.totals.assign(kMetricCount, std::vector<double>(std::size_t(req.replicates), 0.0));
  return r;
}

const Scenario& scenario_of(const CompareRequest& req, std::size_t run) {
  return run == 0 ? req.base : req.policies[run - 1];
}

/// Runs the burn-in under the base scenario once per replicate.
std::vector<std::unique_ptr<World>> burn_in_worlds(const CompareRequest& req, int threads) {
  std::vector<std::unique_ptr<World>> worlds(std::size_t(req.replicates));
  Progress progress("burn-in " + std::to_string(req.burn_in) + " days", req.replicates, req.progress);
  parallel_jobs(req.replicates, threads, progress, [&](int64_t rep) {
    auto w = build_world(req.base, req.seed, uint64_t(rep));
    run_days(*w, req.base, req.burn_in, req.options);
    worlds[std::size_t(rep)] = std::move(w);
  });
  return worlds;
}

/// Every (scenario, replicate) pair, run in parallel. With a burn-in each
/// pair continues a copy of the replicate's settled world.
void run_all(const CompareRequest& req, const std::vector<std::unique_ptr<World>>& settled,
             std::vector<RunResult>& runs, int threads) {
  const auto n_runs = int64_t(runs.size());
  const int64_t jobs = n_runs * req.replicates;
  Progress progress("compare " + std::to_string(n_runs) + " scenarios", jobs, req.progress);
  parallel_jobs(jobs, threads, progress, [&](int64_t job) {
    const auto run = std::size_t(job / req.replicates);
    const int64_t rep = job % req.replicates;
    const Scenario& sc = scenario_of(req, run);
    std::unique_ptr<World> w = settled.empty() ? build_world(sc, req.seed, uint64_t(rep))
                                               : std::make_unique<World>(*settled[std::size_t(rep)]);
    run_days(*w, sc, sc.params.days, req.options);
    store_replicate(runs[run], rep, w->recorder);
  });
}

// ---- differences ---------------------------------------------------------------------

std::vector<std::vector<double>> window_totals(const RunResult& run, int64_t from_day) {
  std::vector<std::vector<double>> out(kMetricCount, std::vector<double>(std::size_t(run.replicates)));
  for (int m = 0; m < kMetricCount; ++m)
    for (int64_t rep = 0; rep < run.replicates; ++rep)
      out[std::size_t(m)][std::size_t(rep)] = window_total(run, m, rep, from_day);
  return out;
}

/// Policy names become HDF5 group names and CSV keys, so they must be unique.
std::vector<std::string> unique_names(const std::vector<Scenario>& policies) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& p : policies) {
    const int n = ++seen[p.name];
    names.push_back(n == 1 ? p.name : p.name + "_" + std::to_string(n));
  }
  return names;
}

PolicyEffect paired_effect(const std::vector<std::vector<double>>& base,
                           const std::vector<std::vector<double>>& policy, const std::string& name,
                           const CompareRequest& req) {
  PolicyEffect e;
  e.name = name;
  e.diff.assign(kMetricCount, {});
  for (int m = 0; m < kMetricCount; ++m) {
    auto& d = e.diff[std::size_t(m)];
    const auto& b = base[std::size_t(m)];
    const auto& p = policy[std::size_t(m)];
    d.resize(b.size());
    for (std::size_t r = 0; r < b.size(); ++r) d[r] = p[r] - b[r];
    e.interval.push_back(summarize(d));
    e.ci.push_back(mean_confidence_interval(d, req.confidence));
    const double base_mean = summarize(b).mean;
    e.relative_percent.push_back(base_mean != 0 ? 100 * e.ci.back().mean / std::abs(base_mean)
                                                : std::numeric_limits<double>::quiet_NaN());
    e.replicates_needed.push_back(replicates_to_detect(d, req.detect_relative * base_mean, req.confidence, 0.8));
  }
  // The uncertainty of the cost-effectiveness inputs, per replicate.
  std::vector<double> avoided, harmed;
  for (std::size_t r = 0; r < e.diff[0].size(); ++r) {
    avoided.push_back(-e.diff[std::size_t(Metric::fraud_losses_yuan)][r]);
    harmed.push_back(e.diff[std::size_t(Metric::honest_harmed)][r]);
  }
  e.avoided_interval = summarize(avoided);
  e.harmed_interval = summarize(harmed);
  return e;
}

// ---- output helpers ----------------------------------------------------------------

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string ratio_text(double v) {
  if (std::isinf(v)) return v > 0 ? "no harm" : "-";
  if (std::isnan(v)) return "-";
  return fmt("%.0f", v);
}

}  // namespace

double window_total(const RunResult& run, int metric, int64_t replicate, int64_t from_day) {
  const auto& spec = metric_registry()[std::size_t(metric)];
  if (from_day <= 0) return run.totals[std::size_t(metric)][std::size_t(replicate)];
  const double* s = &run.daily[std::size_t(replicate)][std::size_t(metric) * std::size_t(run.days)];
  double sum = 0;
  for (int64_t d = from_day; d < run.days; ++d) sum += s[d];
  if (spec.kind == MetricKind::Flow) return sum;
  return run.days > from_day ? sum / double(run.days - from_day) : 0.0;
}

bool spans_zero(const Interval& iv) { return iv.lo <= 0.0 && iv.hi >= 0.0; }

CompareResult run_compare(const CompareRequest& req) {
  validate_request(req);
  const int threads = req.threads > 0 ? req.threads : omp_get_max_threads();
  CompareResult result;
  result.request = req;
  std::vector<std::unique_ptr<World>> settled;
  if (req.burn_in > 0) {
    settled = burn_in_worlds(req, threads);
    if (!req.snapshot_path.empty()) write_snapshot_file(req.snapshot_path, req.base, req.seed, settled);
  }
  for (std::size_t run = 0; run <= req.policies.size(); ++run)
    result.runs.push_back(empty_result(scenario_of(req, run), req));
  run_all(req, settled, result.runs, threads);
  for (const auto& run : result.runs) result.window.push_back(window_totals(run, req.from_day));
  const auto names = unique_names(req.policies);
  for (std::size_t i = 0; i < req.policies.size(); ++i)
    result.effects.push_back(paired_effect(result.window[0], result.window[i + 1], names[i], req));
  rank_policies(result.effects, RankOptions{req.confidence, req.bootstrap, req.seed});
  return result;
}

// ---- printing ----------------------------------------------------------------------------

namespace {

std::string bracket(const Interval& iv, const char* format) {
  return "[" + fmt(format, iv.lo) + ", " + fmt(format, iv.hi) + "]";
}

std::string percent_text(double v) { return std::isnan(v) ? "-" : fmt("%+.1f%%", v); }

std::string count_text(int64_t n) { return n < 0 ? "-" : std::to_string(n); }

void print_effect_table(std::ostream& out, const CompareResult& r, std::size_t i) {
  const PolicyEffect& e = r.effects[i];
  const auto& reg = metric_registry();
  const int level = int(std::lround(100 * r.request.confidence));
  out << "\n" << e.name << " - " << r.runs[0].scenario.name << "  (" << r.runs[i + 1].scenario.source << ")\n";
  char line[512];
  const std::string ci_head = std::to_string(level) + "% CI of the mean";
  std::snprintf(line, sizeof line, "  %-26s %14s %14s %9s %-32s %-32s %s\n", "paired difference", "base mean",
                "mean effect", "change", ci_head.c_str(), "5%-95% of replicates", "units");
  out << line;
  for (const auto& name : headline_metrics()) {
    const auto m = std::size_t(find_metric(name));
    const Interval base = summarize(r.window[0][m]);
    std::snprintf(line, sizeof line, "  %-26s %14.1f %+14.1f %9s %-32s %-32s %s%s\n", name.c_str(), base.mean,
                  e.ci[m].mean, percent_text(e.relative_percent[m]).c_str(), bracket(e.ci[m], "%+.1f").c_str(),
                  bracket(e.interval[m], "%+.1f").c_str(), spans_zero(e.ci[m]) ? "~ CI includes 0, " : "",
                  reg[m].units.c_str());
    out << line;
  }
  out << "  losses avoided " << fmt("%.0f", e.losses_avoided_yuan) << " yuan " << bracket(e.avoided_ci, "%.0f")
      << ", honest customers harmed " << fmt("%+.1f", e.honest_harmed) << " " << bracket(e.harmed_ci, "%+.1f") << ", "
      << (e.harm_measurable ? "yuan avoided per honest customer harmed: " + ratio_text(e.avoided_per_harmed)
                            : std::string("no measurable harm"))
      << (e.on_frontier ? "  [frontier]" : "") << "\n";
  const auto losses = std::size_t(Metric::fraud_losses_yuan), refused = std::size_t(Metric::honest_refused);
  out << "  replicates to detect a " << fmt("%.0f", 100 * r.request.detect_relative)
      << "% change with 80% power (two-sided, " << level << "%), from the observed paired spread: fraud_losses_yuan "
      << count_text(e.replicates_needed[losses]) << ", honest_refused " << count_text(e.replicates_needed[refused])
      << " (this comparison: " << r.request.replicates << ")\n";
}

/// The parts of honest_harmed (metrics.def), each shown beside the composite.
const std::vector<std::string>& harm_parts() { return metric_registry()[std::size_t(Metric::honest_harmed)].parts; }

std::string harm_parts_text(const char* joiner) {
  std::string out;
  for (const auto& part : harm_parts()) out += (out.empty() ? "" : joiner) + part;
  return out;
}

std::string rank_text(const PolicyEffect& e) { return std::to_string(e.rank) + (e.tied_with.empty() ? "" : "="); }

std::string names_text(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void print_ranking(std::ostream& out, const CompareResult& r) {
  std::vector<const PolicyEffect*> order;
  for (const auto& e : r.effects) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
  const int level = int(std::lround(100 * r.request.confidence));
  out << "\ncost-effectiveness: losses avoided per honest customer harmed (honest_harmed = "
      << harm_parts_text(" + ") << "), best first;\n"
         "ranks and frontier from a paired bootstrap over replicates (" << r.request.bootstrap << " resamples): '='\n"
         "marks a tie, two policies whose " << level << "% CI of the paired difference includes 0; the parts of\n"
         "honest_harmed follow its column, each as the mean paired difference\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %5s  %-28s %16s %-26s %14s %-20s", "rank", "policy", "losses avoided",
                (std::to_string(level) + "% CI").c_str(), "honest_harmed", (std::to_string(level) + "% CI").c_str());
  out << line;
  for (const auto& part : harm_parts()) out << " " << part;
  std::snprintf(line, sizeof line, " %18s  %-8s %s\n", "yuan per harmed", "frontier", "tied with");
  out << line;
  for (const PolicyEffect* e : order) {
    std::snprintf(line, sizeof line, "  %5s  %-28s %16.0f %-26s %+14.1f %-20s", rank_text(*e).c_str(), e->name.c_str(),
                  e->losses_avoided_yuan, bracket(e->avoided_ci, "%.0f").c_str(), e->honest_harmed,
                  bracket(e->harmed_ci, "%+.1f").c_str());
    out << line;
    for (const auto& part : harm_parts()) {
      const std::string value = fmt("%+.1f", e->ci[std::size_t(find_metric(part))].mean);
      out << " " << std::string(part.size() > value.size() ? part.size() - value.size() : 0, ' ') << value;
    }
    std::snprintf(line, sizeof line, " %18s  %-8s %s\n",
                  e->harm_measurable ? ratio_text(e->avoided_per_harmed).c_str() : "no measurable harm",
                  e->on_frontier ? "yes" : "", names_text(e->tied_with).c_str());
    out << line;
  }
  out << "frontier (no policy nor the status quo avoids more losses with less harm, beyond noise):";
  for (const PolicyEffect* e : order)
    if (e->on_frontier) out << " " << e->name;
  out << "\n";
}

}  // namespace

void print_compare(std::ostream& out, const CompareResult& r) {
  const CompareRequest& q = r.request;
  out << "compare: " << r.effects.size() << " policies against " << q.base.name << " (" << q.base.source << "), "
      << q.replicates << " replicates x " << q.base.params.days << " days, seed " << q.seed
      << ", common random numbers\n";
  out << "window: days [" << q.from_day << ", " << q.base.params.days << ")";
  if (q.burn_in > 0) out << ", policies branch from a " << q.burn_in << "-day burn-in under the base";
  out << "\nmean effect of policy - base with its " << int(std::lround(100 * q.confidence))
      << "% confidence interval (Student's t over " << q.replicates
      << " paired replicates; '~' when it includes 0), change relative to the base mean,\n"
         "and the variability of the effect from replicate to replicate (5th-95th percentile of the differences)\n";
  for (std::size_t i = 0; i < r.effects.size(); ++i) print_effect_table(out, r, i);
  if (!r.effects.empty()) print_ranking(out, r);
}

}  // namespace cardsim
