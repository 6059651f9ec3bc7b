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
  require_same_days(req);
  if (req.burn_in > 0)
    for (const auto& p : req.policies)
      check_same_structure(req.base, p,
                           "with --burn-in every policy branches from the base's world, so only schedulable "
                           "parameters may differ");
}

// ---- running ----------------------------------------------------------------------

RunResult empty_result(const Scenario& sc, const CompareRequest& req) {
  RunResult r;
  r.scenario = sc;
  r.seed = req.seed;
  r.replicates = req.replicates;
  r.days = sc.params.days;
  r.daily.assign(std::size_t(req.replicates),
                 std::vector<double>(std::size_t(kMetricCount) * std::size_t(r.days), 0.0));
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
                           const std::vector<std::vector<double>>& policy, const std::string& name) {
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
  }
  // The uncertainty of the cost-effectiveness inputs, per replicate.
  std::vector<double> avoided, harmed;
  for (std::size_t r = 0; r < e.diff[0].size(); ++r) {
    avoided.push_back(-e.diff[std::size_t(Metric::fraud_losses_yuan)][r]);
    harmed.push_back(e.diff[std::size_t(Metric::honest_refused)][r] + e.diff[std::size_t(Metric::shutdowns_honest)][r]);
  }
  e.avoided_interval = summarize(avoided);
  e.harmed_interval = summarize(harmed);
  return e;
}

double mean_diff(const PolicyEffect& e, Metric m) { return e.interval[std::size_t(m)].mean; }

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

const std::vector<std::string>& compare_table_metrics() {
  static const std::vector<std::string> names = {
      "fraud_cases",        "fraud_losses_yuan", "cards_sold_to_scammers", "price_scammer_yuan",
      "honest_refused",     "shutdowns_honest",  "income_insider_yuan",    "income_broker_yuan"};
  return names;
}

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

void rank_policies(std::vector<PolicyEffect>& effects) {
  const double inf = std::numeric_limits<double>::infinity();
  for (auto& e : effects) {
    e.losses_avoided_yuan = -mean_diff(e, Metric::fraud_losses_yuan);
    e.honest_harmed = mean_diff(e, Metric::honest_refused) + mean_diff(e, Metric::shutdowns_honest);
    // A policy that harms no extra honest customer gets +inf when it avoids
    // losses; one that avoids none gets -inf so that it ranks last.
    if (e.honest_harmed > 0) e.avoided_per_harmed = e.losses_avoided_yuan / e.honest_harmed;
    else e.avoided_per_harmed = e.losses_avoided_yuan > 0 ? inf : -inf;
  }
  std::vector<std::size_t> order(effects.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Best buy first; ties (several harmless policies) broken by losses avoided.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (effects[a].avoided_per_harmed != effects[b].avoided_per_harmed)
      return effects[a].avoided_per_harmed > effects[b].avoided_per_harmed;
    return effects[a].losses_avoided_yuan > effects[b].losses_avoided_yuan;
  });
  for (std::size_t k = 0; k < order.size(); ++k) effects[order[k]].rank = int64_t(k + 1);
  // Frontier: no other policy (nor the status quo, at 0 avoided and 0 harmed)
  // avoids at least as much with at most as much harm, and strictly better in one.
  auto dominates = [](double la_a, double h_a, double la_b, double h_b) {
    return la_a >= la_b && h_a <= h_b && (la_a > la_b || h_a < h_b);
  };
  for (auto& e : effects) {
    bool dominated = dominates(0.0, 0.0, e.losses_avoided_yuan, e.honest_harmed);
    for (const auto& o : effects)
      dominated = dominated || dominates(o.losses_avoided_yuan, o.honest_harmed, e.losses_avoided_yuan, e.honest_harmed);
    e.on_frontier = !dominated;
  }
}

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
    result.effects.push_back(paired_effect(result.window[0], result.window[i + 1], names[i]));
  rank_policies(result.effects);
  return result;
}

// ---- printing ----------------------------------------------------------------------------

namespace {

void print_effect_table(std::ostream& out, const CompareResult& r, std::size_t i) {
  const PolicyEffect& e = r.effects[i];
  const auto& reg = metric_registry();
  out << "\n" << e.name << " - " << r.runs[0].scenario.name << "  (" << r.runs[i + 1].scenario.source << ")\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-26s %15s %15s %15s %15s  %s\n", "paired difference", "base mean", "mean", "5%",
                "95%", "");
  out << line;
  for (const auto& name : compare_table_metrics()) {
    const int m = find_metric(name);
    const Interval& iv = e.interval[std::size_t(m)];
    const Interval base = summarize(r.window[0][std::size_t(m)]);
    std::snprintf(line, sizeof line, "  %-26s %15.1f %+15.1f %+15.1f %+15.1f  %s%s\n", name.c_str(), base.mean, iv.mean,
                  iv.lo, iv.hi, spans_zero(iv) ? "~ spans 0, " : "", reg[std::size_t(m)].units.c_str());
    out << line;
  }
  out << "  losses avoided " << fmt("%.0f", e.losses_avoided_yuan) << " yuan, honest customers harmed "
      << fmt("%+.1f", e.honest_harmed) << ", yuan avoided per honest customer harmed: "
      << ratio_text(e.avoided_per_harmed) << (e.on_frontier ? "  [frontier]" : "") << "\n";
}

void print_ranking(std::ostream& out, const CompareResult& r) {
  std::vector<const PolicyEffect*> order;
  for (const auto& e : r.effects) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
  out << "\ncost-effectiveness: losses avoided per honest customer harmed (refused + wrongly shut), best first\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %4s  %-28s %16s %16s %16s  %s\n", "rank", "policy", "losses avoided",
                "harmed", "yuan per harmed", "frontier");
  out << line;
  for (const PolicyEffect* e : order) {
    std::snprintf(line, sizeof line, "  %4lld  %-28s %15.0f%s %+15.1f%s %16s  %s\n", (long long)e->rank,
                  e->name.c_str(), e->losses_avoided_yuan, spans_zero(e->avoided_interval) ? "~" : " ",
                  e->honest_harmed, spans_zero(e->harmed_interval) ? "~" : " ",
                  ratio_text(e->avoided_per_harmed).c_str(), e->on_frontier ? "yes" : "");
    out << line;
  }
  out << "'~': the 90% interval of that column spans zero; the ranking uses means and is only as firm as they are\n";
  out << "frontier (no policy nor the status quo avoids more losses with less harm):";
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
  out << "\nmean and 90% interval (5th-95th percentile over replicates) of policy - base; '~' marks an effect whose "
         "interval spans zero\n";
  for (std::size_t i = 0; i < r.effects.size(); ++i) print_effect_table(out, r, i);
  if (!r.effects.empty()) print_ranking(out, r);
}

}  // namespace cardsim
