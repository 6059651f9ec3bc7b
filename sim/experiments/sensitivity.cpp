#include "experiments/sensitivity.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "results/h5.h"
#include "core/metrics.h"
#include "core/rng.h"
#include "experiments/sweep.h"

namespace cardsim {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint64_t kBootstrapStream = 0x424f4f54ull;  // "BOOT": apart from designs and replicates

/// Point estimates for the base samples listed in `rows`.
void sobol_point(const Eigen::VectorXd& y, const std::vector<int64_t>& rows, int k, Eigen::VectorXd& first,
                 Eigen::VectorXd& total) {
  const auto n = Eigen::Index(rows.size());
  const auto stride = Eigen::Index(k + 2);
  Eigen::VectorXd ya(n), yb(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    ya[i] = y[rows[std::size_t(i)] * stride];
    yb[i] = y[rows[std::size_t(i)] * stride + 1];
  }
  // Mean and variance over A and B together: both are independent samples of
  // the inputs. Centring f(B) makes the first-order estimator exact under a
  // shift of the output: uncentred, a constant c adds c * mean(f(AB_j) - f(A)),
  // zero only on average, which swamps the index when c is large against the
  // output's spread.
  const double mean = (ya.sum() + yb.sum()) / double(2 * n);
  const double var = ((ya.array() - mean).square().sum() + (yb.array() - mean).square().sum()) / double(2 * n);
  const Eigen::ArrayXd yb_centred = yb.array() - mean;
  first.resize(k);
  total.resize(k);
  for (int j = 0; j < k; ++j) {
    Eigen::VectorXd yab(n);
    for (Eigen::Index i = 0; i < n; ++i) yab[i] = y[rows[std::size_t(i)] * stride + 2 + j];
    first[j] = var > 0 ? (yb_centred * (yab - ya).array()).mean() / var : kNaN;  // Saltelli et al. 2010
    total[j] = var > 0 ? 0.5 * (ya - yab).array().square().mean() / var : kNaN;  // Jansen 1999
  }
}

double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double pos = q * double(v.size() - 1);
  const auto lo = std::size_t(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

}  // namespace

SobolIndices sobol_indices(const Eigen::VectorXd& y, int64_t samples, int k, int bootstrap, uint64_t seed) {
  SobolIndices r;
  std::vector<int64_t> rows(static_cast<std::size_t>(samples));
  for (int64_t i = 0; i < samples; ++i) rows[std::size_t(i)] = i;
  sobol_point(y, rows, k, r.first, r.total);
  r.first_sum = r.first.sum();
  std::vector<std::vector<double>> boot_first(static_cast<std::size_t>(k)), boot_total(static_cast<std::size_t>(k));
  std::vector<double> boot_sum;
  for (int b = 0; b < bootstrap; ++b) {
    Stream rng(seed, kBootstrapStream, 0, Phase::Init, uint64_t(b));
    for (auto& row : rows) row = int64_t(rng.below(uint64_t(samples)));
    Eigen::VectorXd f, t;
    sobol_point(y, rows, k, f, t);
    for (int j = 0; j < k; ++j) {
      boot_first[std::size_t(j)].push_back(f[j]);
      boot_total[std::size_t(j)].push_back(t[j]);
    }
    boot_sum.push_back(f.sum());
  }
  r.first_lo = r.first_hi = r.total_lo = r.total_hi = Eigen::VectorXd::Constant(k, kNaN);
  r.first_sum_lo = r.first_sum_hi = kNaN;
  if (bootstrap == 0) return r;
  for (int j = 0; j < k; ++j) {
    r.first_lo[j] = quantile(boot_first[std::size_t(j)], 0.05);
    r.first_hi[j] = quantile(boot_first[std::size_t(j)], 0.95);
    r.total_lo[j] = quantile(boot_total[std::size_t(j)], 0.05);
    r.total_hi[j] = quantile(boot_total[std::size_t(j)], 0.95);
  }
  r.first_sum_lo = quantile(boot_sum, 0.05);
  r.first_sum_hi = quantile(boot_sum, 0.95);
  return r;
}

namespace {

std::string number(double v, int precision = 3) {
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

/// Base samples for the widest interval to shrink to `max_width`: intervals
/// narrow as 1/sqrt(N). Rounded up to a power of two, where a Sobol'
/// sequence's points are balanced.
int64_t samples_for_width(int64_t samples, double width, double max_width) {
  const double wanted = double(samples) * (width / max_width) * (width / max_width);
  int64_t n = 1;
  while (double(n) < wanted && n < (int64_t(1) << 40)) n *= 2;
  return std::max(n, 2 * samples);
}

}  // namespace

SobolCheck check_sobol(const SobolIndices& s, const std::vector<std::string>& parameters, int64_t samples,
                       double noise_share, double max_width) {
  SobolCheck c;
  if (s.first.size() == 0 || std::isnan(s.total[0]) || noise_share >= kNoiseShareInsensitive) {
    c.insensitive = true;
    return c;
  }
  double widest = 0;
  std::string widest_name;
  for (Eigen::Index j = 0; j < s.first.size(); ++j) {
    const std::string& name = parameters[std::size_t(j)];
    const double w1 = s.first_hi[j] - s.first_lo[j], wt = s.total_hi[j] - s.total_lo[j];
    if (std::max(w1, wt) > widest) widest = std::max(w1, wt), widest_name = name;
    const double h = w1 / 2;
    if (s.first[j] < -h)
      c.warnings.push_back("S1 of " + name + " is " + number(s.first[j]) + ", below 0 by more than its noise (" +
                           number(h) + ")");
    if (s.first[j] > s.total[j] + h)
      c.warnings.push_back("S1 of " + name + " (" + number(s.first[j]) + ") exceeds its ST (" + number(s.total[j]) +
                           ") by more than its noise (" + number(h) + ")");
  }
  if (s.first_sum_lo > 1)
    c.warnings.push_back("the S1 sum to " + number(s.first_sum) + ", above 1 beyond their 90% interval [" +
                         number(s.first_sum_lo) + ", " + number(s.first_sum_hi) + "]");
  if (widest > max_width)
    c.warnings.push_back("90% intervals up to " + number(widest) + " wide (" + widest_name + "), above " +
                         number(max_width));
  if (!c.warnings.empty()) c.samples_needed = samples_for_width(samples, std::max(widest, max_width), max_width);
  return c;
}

double replicate_noise_share(const std::vector<double>& totals, int64_t points, int64_t replicates) {
  if (replicates < 2 || points < 2) return kNaN;
  const auto r = std::size_t(replicates);
  double within = 0, mean_of_means = 0;
  std::vector<double> means(static_cast<std::size_t>(points));
  for (std::size_t p = 0; p < means.size(); ++p) {
    const double* v = &totals[p * r];
    double m = 0;
    for (std::size_t i = 0; i < r; ++i) m += v[i];
    m /= double(r);
    for (std::size_t i = 0; i < r; ++i) within += (v[i] - m) * (v[i] - m);
    means[p] = m;
    mean_of_means += m;
  }
  within /= double(points) * double(r - 1);  // pooled within-point variance of one replicate
  mean_of_means /= double(points);
  double between = 0;
  for (double m : means) between += (m - mean_of_means) * (m - mean_of_means);
  between /= double(points - 1);
  const double noise = within / double(r);  // variance of a mean over r replicates
  if (between <= 0) return noise > 0 ? 1.0 : kNaN;
  return std::min(1.0, noise / between);
}

MorrisIndices morris_indices(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int64_t trajectories) {
  const auto k = x.cols();
  std::vector<std::vector<double>> effects(static_cast<std::size_t>(k));
  for (int64_t t = 0; t < trajectories; ++t) {
    for (Eigen::Index s = 0; s < k; ++s) {
      const Eigen::Index row = Eigen::Index(t) * (k + 1) + s;
      Eigen::Index j = 0;
      const double step = (x.row(row + 1) - x.row(row)).cwiseAbs().maxCoeff(&j);
      if (step == 0) continue;  // a whole-number parameter rounded both ends to one value
      effects[std::size_t(j)].push_back((y[row + 1] - y[row]) / (x(row + 1, j) - x(row, j)));
    }
  }
  MorrisIndices r{Eigen::VectorXd::Constant(k, kNaN), Eigen::VectorXd::Constant(k, kNaN),
                  Eigen::VectorXd::Constant(k, kNaN)};
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& e = effects[std::size_t(j)];
    if (e.empty()) continue;
    const Eigen::Map<const Eigen::VectorXd> v(e.data(), Eigen::Index(e.size()));
    r.mu[j] = v.mean();
    r.mu_star[j] = v.cwiseAbs().mean();
    r.sigma[j] = e.size() > 1 ? std::sqrt((v.array() - r.mu[j]).square().sum() / double(e.size() - 1)) : 0.0;
  }
  return r;
}

namespace {

/// Mean over replicates of one metric's totals, per design point.
Eigen::VectorXd point_means(const SweepData& d, int metric) {
  Eigen::VectorXd y(d.design.points);
  for (int64_t p = 0; p < d.design.points; ++p) {
    double sum = 0;
    for (int64_t r = 0; r < d.replicates; ++r) sum += d.totals[std::size_t(metric)][std::size_t(p * d.replicates + r)];
    y[p] = sum / double(d.replicates);
  }
  return y;
}

Eigen::MatrixXd unit_design(const Design& g) {
  Eigen::MatrixXd x(g.points, Eigen::Index(g.columns()));
  for (int64_t p = 0; p < g.points; ++p)
    for (std::size_t j = 0; j < g.columns(); ++j)
      x(p, Eigen::Index(j)) = (g.at(p, j) - g.lower[j]) / (g.upper[j] - g.lower[j]);
  return x;
}

/// One metric's indices, checks and replicate noise.
struct MetricResult {
  Eigen::MatrixXd table;  // [parameter, column]; NaN when insensitive
  SobolCheck check;
  double noise_share = kNaN;
};

MetricResult metric_result(const SweepData& d, int metric, const SensitivityOptions& o,
                           std::vector<std::string>& columns) {
  MetricResult r;
  const Eigen::VectorXd y = point_means(d, metric);
  const auto k = Eigen::Index(d.design.columns());
  r.noise_share = replicate_noise_share(d.totals[std::size_t(metric)], d.design.points, d.replicates);
  if (d.design.kind == DesignKind::Sobol) {
    columns = {"S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"};
    const SobolIndices s = sobol_indices(y, d.design.samples, int(k), o.bootstrap, d.seed);
    r.check = check_sobol(s, d.design.parameters, d.design.samples, r.noise_share, o.max_width);
    r.table.resize(k, 6);
    r.table << s.first, s.first_lo, s.first_hi, s.total, s.total_lo, s.total_hi;
  } else {
    columns = {"mu_star", "mu", "sigma"};
    const MorrisIndices m = morris_indices(unit_design(d.design), y, d.design.trajectories);
    r.table.resize(k, 3);
    r.table << m.mu_star, m.mu, m.sigma;
    r.check.insensitive = y.maxCoeff() == y.minCoeff() || r.noise_share >= kNoiseShareInsensitive;
  }
  if (r.check.insensitive) r.table.setConstant(kNaN);
  return r;
}

std::string status_of(const SobolCheck& c) {
  return c.insensitive ? "insensitive" : c.warnings.empty() ? "reliable" : "warning";
}

std::string joined(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

void write_tables(const std::string& path, const SweepData& d, const std::vector<MetricResult>& results,
                  const std::vector<std::string>& columns, const SensitivityOptions& o) {
  // Edit a copy and rename it into place, so a crash never damages the sweep.
  const fs::path tmp = fs::path(path).parent_path() / ("." + fs::path(path).filename().string() + ".sens-" +
                                                       std::to_string(getpid()));
  fs::copy_file(path, tmp, fs::copy_options::overwrite_existing);
  {
    h5::Handle file(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (h5::exists(file, "sensitivity")) H5Ldelete(file, "sensitivity", H5P_DEFAULT);
    h5::Handle g = h5::create_group(file, "sensitivity");
    h5::write_attr(g, "method", std::string(d.design.kind == DesignKind::Sobol
                                                ? "Sobol: first order (Saltelli et al. 2010, centred outputs), total "
                                                  "(Jansen 1999), 90% bootstrap intervals"
                                                : "Morris elementary effects on the unit-scaled design"));
    h5::write_attr(g, "bootstrap", int64_t(o.bootstrap));
    h5::write_attr(g, "max_width", o.max_width);
    h5::write_attr(g, "output", std::string("mean over replicates of /totals/<metric>"));
    for (int m = 0; m < kMetricCount; ++m) {
      const MetricResult& r = results[std::size_t(m)];
      // Row-major for HDF5: [parameter, column].
      const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = r.table;
      h5::Handle ds = h5::write_doubles(g, metric_registry()[std::size_t(m)].name,
                                        {hsize_t(rm.rows()), hsize_t(rm.cols())}, rm.data());
      h5::write_attr(ds, "parameters", d.design.parameters);
      h5::write_attr(ds, "columns", columns);
      h5::write_attr(ds, "dimensions", std::string("parameter, index"));
      h5::write_attr(ds, "status", status_of(r.check));
      h5::write_attr(ds, "warnings", joined(r.check.warnings, "; "));
      h5::write_attr(ds, "samples_needed", r.check.samples_needed);
      h5::write_attr(ds, "replicate_noise_share", r.noise_share);
    }
    if (!h5::exists(file, "index")) h5::write_scale(file, "index", columns);
    h5::attach_dimension_scales(file);
    H5Fflush(file, H5F_SCOPE_GLOBAL);
  }
  fs::rename(tmp, path);
}

void print_table(std::ostream& out, const SweepData& d, const std::string& metric, const MetricResult& r,
                 const std::vector<std::string>& columns) {
  out << "\n" << metric;
  if (!std::isnan(r.noise_share)) out << "  (replicate noise: " << number(100 * r.noise_share, 2) << "% of the variance)";
  if (r.check.insensitive) {
    out << "\n  insensitive: the run means hardly vary beyond replicate noise; no indices\n";
    return;
  }
  out << "\n  " << std::left << std::setw(42) << "parameter";
  for (const auto& c : columns) out << std::right << std::setw(11) << c;
  out << "\n";
  for (Eigen::Index j = 0; j < r.table.rows(); ++j) {
    out << "  " << std::left << std::setw(42) << d.design.parameters[std::size_t(j)];
    for (Eigen::Index c = 0; c < r.table.cols(); ++c)
      out << std::right << std::setw(11) << std::setprecision(4) << r.table(j, c);
    out << "\n";
  }
  if (!r.check.warnings.empty()) out << "  ! not reliable yet: see the WARNING line for " << metric << " below\n";
}

/// One line per metric that needs attention, whether or not its table was shown.
void print_checks(std::ostream& out, const SweepData& d, const std::vector<MetricResult>& results) {
  std::vector<std::string> insensitive;
  int warned = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    const std::string& name = metric_registry()[std::size_t(m)].name;
    const SobolCheck& c = results[std::size_t(m)].check;
    if (c.insensitive) insensitive.push_back(name);
    if (c.warnings.empty()) continue;
    if (warned++ == 0) out << "\n";
    out << "WARNING " << name << ": " << joined(c.warnings, "; ") << "; about " << c.samples_needed
        << " base samples needed (this sweep has " << d.design.samples << ")\n";
  }
  if (!insensitive.empty())
    out << "\ninsensitive (variance within replicate noise or none; no indices): " << joined(insensitive, ", ") << "\n";
  if (warned == 0 && d.design.kind == DesignKind::Sobol)
    out << "\nevery metric's indices passed the checks (90% intervals within the width threshold, "
           "-noise <= S1 <= ST + noise, sum of S1 <= 1)\n";
}

}  // namespace

void sensitivity_command(const std::string& path, const SensitivityOptions& o, std::ostream& out) {
  const SweepData d = read_sweep_file(path);
  if (!d.shard.whole()) throw InputError(path + ": a shard file; merge the shards first (cardsim merge)");
  if (d.design.kind != DesignKind::Sobol && d.design.kind != DesignKind::Morris)
    throw InputError(path + ": sensitivity indices need a sobol or morris design; this sweep's design is " +
                     design_kind_name(d.design.kind));
  for (const auto& name : o.show)
    if (find_metric(name) < 0) throw InputError("--metric: unknown metric '" + name + "'");
  std::vector<MetricResult> results;
  std::vector<std::string> columns;
  for (int m = 0; m < kMetricCount; ++m) results.push_back(metric_result(d, m, o, columns));
  write_tables(path, d, results, columns, o);
  out << "Sensitivity of run totals (mean over " << d.replicates << " replicates) in " << path << ", "
      << design_kind_name(d.design.kind) << " design";
  if (d.design.kind == DesignKind::Sobol)
    out << " (" << d.design.samples << " base samples), 90% bootstrap intervals (" << o.bootstrap << " resamples)";
  out << "; written to /sensitivity\n";
  for (int m = 0; m < kMetricCount; ++m) {
    const std::string& name = metric_registry()[std::size_t(m)].name;
    if (o.show.empty() || std::find(o.show.begin(), o.show.end(), name) != o.show.end())
      print_table(out, d, name, results[std::size_t(m)], columns);
  }
  print_checks(out, d, results);
}

}  // namespace cardsim
