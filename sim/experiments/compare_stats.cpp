// The statistics of a comparison: t-based confidence intervals of mean paired
// differences, the replicates needed for a given power, and the paired
// bootstrap behind the ranking (with ties) and the frontier.
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "experiments/compare.h"
#include "core/metrics.h"
#include "core/rng.h"

namespace cardsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kCompareBootstrapStream = 0x434d5042ull;  // "CMPB": apart from every replicate's streams

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / double(v.size());
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

}  // namespace

Interval mean_confidence_interval(const std::vector<double>& v, double level) {
  Interval iv;
  iv.mean = mean_of(v);
  const double sd = sd_of(v);
  if (sd == 0) {  // identical differences (e.g. a policy that changes nothing)
    iv.lo = iv.hi = v.size() < 2 && !v.empty() ? -kInf : iv.mean;
    if (v.size() < 2 && !v.empty()) iv.hi = kInf;
    return iv;
  }
  const boost::math::students_t t(double(v.size() - 1));
  const double half = boost::math::quantile(t, 0.5 + level / 2) * sd / std::sqrt(double(v.size()));
  iv.lo = iv.mean - half;
  iv.hi = iv.mean + half;
  return iv;
}

int64_t replicates_to_detect(const std::vector<double>& diff, double effect, double level, double power) {
  const double sd = sd_of(diff);
  if (!(std::abs(effect) > 0) || !std::isfinite(effect)) return -1;
  if (sd == 0) return 2;
  const boost::math::normal z;
  const double k = (boost::math::quantile(z, 0.5 + level / 2) + boost::math::quantile(z, power)) * sd / std::abs(effect);
  return std::max<int64_t>(2, int64_t(std::ceil(k * k)));
}

namespace {

/// Per-replicate losses avoided and honest customers harmed of one policy.
struct PolicySamples {
  std::vector<double> avoided, harmed;
};

PolicySamples samples_of(const PolicyEffect& e) {
  PolicySamples s;
  const auto& losses = e.diff[std::size_t(Metric::fraud_losses_yuan)];
  for (std::size_t r = 0; r < losses.size(); ++r) {
    s.avoided.push_back(-losses[r]);
    s.harmed.push_back(e.diff[std::size_t(Metric::honest_harmed)][r]);
  }
  return s;
}

/// Means of avoided and harmed for every policy in every bootstrap resample of
/// the replicates; the same resampled replicates for every policy (paired).
struct BootMeans {
  std::vector<std::vector<double>> avoided, harmed;  // [resample][policy]
};

BootMeans bootstrap_means(const std::vector<PolicySamples>& s, int resamples, uint64_t seed) {
  BootMeans b;
  const std::size_t n = s.empty() ? 0 : s[0].avoided.size();
  std::vector<std::size_t> pick(n);
  for (int r = 0; r < resamples; ++r) {
    Stream rng(seed, kCompareBootstrapStream, 0, Phase::Init, uint64_t(r));
    for (auto& p : pick) p = std::size_t(rng.below(n));
    std::vector<double> av(s.size(), 0.0), ha(s.size(), 0.0);
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (std::size_t p : pick) av[i] += s[i].avoided[p], ha[i] += s[i].harmed[p];
      av[i] /= double(n);
      ha[i] /= double(n);
    }
    b.avoided.push_back(std::move(av));
    b.harmed.push_back(std::move(ha));
  }
  return b;
}

/// The ranking measure: yuan avoided per honest customer harmed for a policy
/// with measurable harm; losses avoided for one without.
double measure(const PolicyEffect& e, double avoided, double harmed) {
  if (!e.harm_measurable) return avoided;
  return harmed > 0 ? avoided / harmed : (avoided > 0 ? kInf : -kInf);
}

/// Order of the measure families: no measurable harm and losses avoided
/// first, then measurable harm, then no measurable harm and nothing avoided.
int tier(const PolicyEffect& e) {
  if (e.harm_measurable) return 1;
  return e.losses_avoided_yuan > 0 ? 2 : 0;
}

/// Share of resamples in which `better(a, b)` holds.
template <class Better>
double share(const BootMeans& b, Better better) {
  if (b.avoided.empty()) return 0;
  int n = 0;
  for (std::size_t r = 0; r < b.avoided.size(); ++r) n += better(r) ? 1 : 0;
  return double(n) / double(b.avoided.size());
}

}  // namespace

void rank_policies(std::vector<PolicyEffect>& effects, const RankOptions& o) {
  std::vector<PolicySamples> samples;
  for (auto& e : effects) {
    samples.push_back(samples_of(e));
    e.avoided_ci = mean_confidence_interval(samples.back().avoided, o.confidence);
    e.harmed_ci = mean_confidence_interval(samples.back().harmed, o.confidence);
    e.losses_avoided_yuan = e.avoided_ci.mean;
    e.honest_harmed = e.harmed_ci.mean;
    e.harm_measurable = !spans_zero(e.harmed_ci);
    // +inf: avoids losses and harms no extra honest customer; -inf: avoids none.
    if (e.honest_harmed > 0) e.avoided_per_harmed = e.losses_avoided_yuan / e.honest_harmed;
    else e.avoided_per_harmed = e.losses_avoided_yuan > 0 ? kInf : -kInf;
  }
  const BootMeans b = bootstrap_means(samples, o.bootstrap, o.seed);
  // One-sided share beyond (1 + level) / 2 <=> the two-sided `level` interval
  // of the paired difference excludes zero.
  const double firm = 0.5 + o.confidence / 2;
  const std::size_t n = effects.size();
  auto clearly_better = [&](std::size_t i, std::size_t j) {  // i ranks above j beyond noise
    if (tier(effects[i]) != tier(effects[j]) && (tier(effects[i]) == 1 || tier(effects[j]) == 1))
      return tier(effects[i]) > tier(effects[j]);
    return share(b, [&](std::size_t r) {
             return measure(effects[i], b.avoided[r][i], b.harmed[r][i]) >
                    measure(effects[j], b.avoided[r][j], b.harmed[r][j]);
           }) >= firm;
  };
  for (std::size_t j = 0; j < n; ++j) {
    effects[j].rank = 1;
    effects[j].tied_with.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (i == j) continue;
      if (clearly_better(i, j)) ++effects[j].rank;
      else if (!clearly_better(j, i)) effects[j].tied_with.push_back(effects[i].name);
    }
  }
  // Frontier: not dominated beyond noise by another policy nor by the status
  // quo (0 avoided, 0 harmed): no one is clearly better on one count and not
  // clearly worse on the other.
  auto dominated_by = [&](auto avoided_of, auto harmed_of, std::size_t e) {
    const double more = share(b, [&](std::size_t r) { return avoided_of(r) > b.avoided[r][e]; });
    const double less = share(b, [&](std::size_t r) { return avoided_of(r) < b.avoided[r][e]; });
    const double lighter = share(b, [&](std::size_t r) { return harmed_of(r) < b.harmed[r][e]; });
    const double heavier = share(b, [&](std::size_t r) { return harmed_of(r) > b.harmed[r][e]; });
    return (more >= firm && heavier < firm) || (lighter >= firm && less < firm);
  };
  for (std::size_t e = 0; e < n; ++e) {
    bool dominated = dominated_by([](std::size_t) { return 0.0; }, [](std::size_t) { return 0.0; }, e);
    for (std::size_t o2 = 0; o2 < n && !dominated; ++o2)
      dominated = o2 != e && dominated_by([&](std::size_t r) { return b.avoided[r][o2]; },
                                         [&](std::size_t r) { return b.harmed[r][o2]; }, e);
    effects[e].on_frontier = !dominated;
  }
}

}  // namespace cardsim
