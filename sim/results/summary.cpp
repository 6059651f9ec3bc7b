#include "results/summary.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "core/card_uses.h"
#include "core/channels.h"
#include "core/metrics.h"
#include "core/simulation.h"

namespace cardsim {

Interval summarize(std::vector<double> v) {
  Interval out;
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  out.mean = sum / double(v.size());
  auto quantile = [&](double q) {
    const double pos = q * double(v.size() - 1);
    const auto i = std::size_t(pos);
    const double f = pos - double(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  out.lo = quantile(0.05);
  out.hi = quantile(0.95);
  return out;
}

namespace {

/// The summary's rows: the headline metrics, each supply channel's
/// activations, each card use's metrics, then detail on harm, prices and arrests.
std::vector<std::string> summary_rows() {
  std::vector<std::string> names = headline_metrics();
  for (const ChannelSpec& c : kChannels) names.push_back(metric_registry()[std::size_t(c.activated)].name);
  // Each card use's entries, cards held and shutdowns (a headline row is not repeated).
  for (const CardUseSpec& u : kCardUses)
    for (Metric m : {u.entered, u.held, u.shut}) {
      const std::string& name = metric_registry()[std::size_t(m)].name;
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  for (const char* name : {"shutdowns_fraud", "identities_misused", "price_farmer_yuan", "price_white_yuan",
                           "price_record_yuan", "arrests_insider", "commissions_fraudulent_yuan"})
    names.push_back(name);
  return names;
}

}  // namespace

const std::vector<std::string>& bank_summary_metrics() {
  static const std::vector<std::string> names = {
      "bank_accounts_sold",          "bank_kits_sold",
      "bank_accounts_in_use",        "bank_accounts_frozen_fraud",
      "bank_accounts_frozen_trace",  "bank_accounts_frozen_honest",
      "bank_price_account_seller_yuan", "bank_price_account_kit_yuan",
      "bank_cashout_yuan",           "bank_funds_frozen_yuan",
      "bank_funds_recovered_yuan",   "bank_cases_without_account",
      "bank_arrests_account_sellers", "bank_arrests_collectors",
      "bank_income_account_sellers_yuan", "bank_income_collectors_yuan"};
  return names;
}

const std::vector<std::string>& summary_metrics() {
  static const std::vector<std::string> names = summary_rows();
  return names;
}

void print_summary(std::ostream& out, const RunResult& r, const std::string& path) {
  char line[256];
  std::snprintf(line, sizeof line, "%s: %lld replicates x %lld days, %lld identity holders, seed %llu\n",
                r.scenario.name.c_str(), (long long)r.replicates, (long long)r.days,
                (long long)r.scenario.params.population, (unsigned long long)r.seed);
  out << line;
  std::snprintf(line, sizeof line, "%-28s %14s %14s %14s  %s\n", "total over the run", "mean", "5%", "95%", "units");
  out << line;
  // Two cards: the bank rows follow when the module is on.
  std::vector<std::string> rows = summary_metrics();
  if (r.scenario.params.bank_enabled)
    rows.insert(rows.end(), bank_summary_metrics().begin(), bank_summary_metrics().end());
  for (const auto& name : rows) {
    const int m = find_metric(name);
    const auto& spec = metric_registry()[std::size_t(m)];
    const Interval iv = summarize(r.totals[std::size_t(m)]);
    const std::string units = spec.kind == MetricKind::Flow ? spec.units + " per run" : spec.units + " (daily mean)";
    std::snprintf(line, sizeof line, "%-28s %14.1f %14.1f %14.1f  %s\n", name.c_str(), iv.mean, iv.lo, iv.hi,
                  units.c_str());
    out << line;
  }
  if (!path.empty()) out << "results written to " << path << "\n";
}

void print_phase_times(std::ostream& out, const RunResult& result) {
  if (result.phase_times.empty()) return;
  const auto& phases = daily_phases();
  std::vector<double> seconds(phases.size(), 0.0);
  int64_t replicate_days = 0;  // the days each replicate ran, summed (a continued run starts past day 0)
  for (const auto& replicate : result.phase_times) {
    for (std::size_t i = 0; i < replicate.seconds.size() && i < seconds.size(); ++i) seconds[i] += replicate.seconds[i];
    replicate_days += replicate.days;
  }
  double total = 0;
  for (double s : seconds) total += s;
  std::vector<std::size_t> order(phases.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seconds[a] > seconds[b]; });
  const double per_day = 1000.0 / double(std::max<int64_t>(1, replicate_days));  // ms per replicate-day
  char line[160];
  std::snprintf(line, sizeof line, "phase times: wall seconds over %lld replicate(s), %lld replicate-days in all\n",
                static_cast<long long>(result.phase_times.size()), static_cast<long long>(replicate_days));
  out << line;
  std::snprintf(line, sizeof line, "  %-20s %12s %8s %17s\n", "phase", "seconds", "share", "ms/replicate-day");
  out << line;
  for (std::size_t i : order) {
    std::snprintf(line, sizeof line, "  %-20s %12.3f %7.1f%% %17.4f\n", phases[i].name, seconds[i],
                  total > 0 ? 100.0 * seconds[i] / total : 0.0, seconds[i] * per_day);
    out << line;
  }
  std::snprintf(line, sizeof line, "  %-20s %12.3f %7.1f%% %17.4f\n", "all phases", total, total > 0 ? 100.0 : 0.0,
                total * per_day);
  out << line;
}

}  // namespace cardsim
