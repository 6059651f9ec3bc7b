#include "sensitivity.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <ostream>

#include "h5.h"
#include "metrics.h"
#include "rng.h"
#include "sweep.h"

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
  // Variance over A and B together: both are independent samples of the inputs.
  const double mean = (ya.sum() + yb.sum()) / double(2 * n);
  const double var = ((ya.array() - mean).square().sum() + (yb.array() - mean).square().sum()) / double(2 * n);
  first.resize(k);
  total.resize(k);
  for (int j = 0; j < k; ++j) {
    Eigen::VectorXd yab(n);
    for (Eigen::Index i = 0; i < n; ++i) yab[i] = y[rows[std::size_t(i)] * stride + 2 + j];
    first[j] = var > 0 ? (yb.array() * (yab - ya).array()).mean() / var : kNaN;  // Saltelli 2010
    total[j] = var > 0 ? 0.5 * (ya - yab).array().square().mean() / var : kNaN;   // Jansen 1999
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
  std::vector<std::vector<double>> boot_first(static_cast<std::size_t>(k)), boot_total(static_cast<std::size_t>(k));
  for (int b = 0; b < bootstrap; ++b) {
    Stream rng(seed, kBootstrapStream, 0, Phase::Init, uint64_t(b));
    for (auto& row : rows) row = int64_t(rng.below(uint64_t(samples)));
    Eigen::VectorXd f, t;
    sobol_point(y, rows, k, f, t);
    for (int j = 0; j < k; ++j) {
      boot_first[std::size_t(j)].push_back(f[j]);
      boot_total[std::size_t(j)].push_back(t[j]);
    }
  }
  r.first_lo = r.first_hi = r.total_lo = r.total_hi = Eigen::VectorXd::Constant(k, kNaN);
  for (int j = 0; j < k && bootstrap > 0; ++j) {
    r.first_lo[j] = quantile(boot_first[std::size_t(j)], 0.05);
    r.first_hi[j] = quantile(boot_first[std::size_t(j)], 0.95);
    r.total_lo[j] = quantile(boot_total[std::size_t(j)], 0.05);
    r.total_hi[j] = quantile(boot_total[std::size_t(j)], 0.95);
  }
  return r;
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

/// Rows [parameter, column] for one metric, and the column names.
Eigen::MatrixXd metric_table(const SweepData& d, int metric, int bootstrap, std::vector<std::string>& columns) {
  const Eigen::VectorXd y = point_means(d, metric);
  const auto k = Eigen::Index(d.design.columns());
  if (d.design.kind == DesignKind::Sobol) {
    columns = {"S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"};
    const SobolIndices s = sobol_indices(y, d.design.samples, int(k), bootstrap, d.seed);
    Eigen::MatrixXd t(k, 6);
    t << s.first, s.first_lo, s.first_hi, s.total, s.total_lo, s.total_hi;
    return t;
  }
  columns = {"mu_star", "mu", "sigma"};
  const MorrisIndices m = morris_indices(unit_design(d.design), y, d.design.trajectories);
  Eigen::MatrixXd t(k, 3);
  t << m.mu_star, m.mu, m.sigma;
  return t;
}

void write_tables(const std::string& path, const SweepData& d, const std::vector<Eigen::MatrixXd>& tables,
                  const std::vector<std::string>& columns, int bootstrap) {
  // Edit a copy and rename it into place, so a crash never damages the sweep.
  const fs::path tmp = fs::path(path).parent_path() / ("." + fs::path(path).filename().string() + ".sens-" +
                                                       std::to_string(getpid()));
  fs::copy_file(path, tmp, fs::copy_options::overwrite_existing);
  {
    h5::Handle file(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (h5::exists(file, "sensitivity")) H5Ldelete(file, "sensitivity", H5P_DEFAULT);
    h5::Handle g = h5::create_group(file, "sensitivity");
    h5::write_attr(g, "method", std::string(d.design.kind == DesignKind::Sobol
                                                ? "Sobol: first order (Saltelli 2010), total (Jansen 1999), 90% bootstrap"
                                                : "Morris elementary effects on the unit-scaled design"));
    h5::write_attr(g, "bootstrap", int64_t(bootstrap));
    h5::write_attr(g, "output", std::string("mean over replicates of /totals/<metric>"));
    for (int m = 0; m < kMetricCount; ++m) {
      // Row-major for HDF5: [parameter, column].
      const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = tables[std::size_t(m)];
      h5::Handle ds = h5::write_doubles(g, metric_registry()[std::size_t(m)].name,
                                        {hsize_t(rm.rows()), hsize_t(rm.cols())}, rm.data());
      h5::write_attr(ds, "parameters", d.design.parameters);
      h5::write_attr(ds, "columns", columns);
      h5::write_attr(ds, "dimensions", std::string("parameter, index"));
    }
    if (!h5::exists(file, "index")) h5::write_scale(file, "index", columns);
    h5::attach_dimension_scales(file);
    H5Fflush(file, H5F_SCOPE_GLOBAL);
  }
  fs::rename(tmp, path);
}

void print_table(std::ostream& out, const SweepData& d, const std::string& metric, const Eigen::MatrixXd& t,
                 const std::vector<std::string>& columns) {
  out << "\n" << metric << "\n  " << std::left << std::setw(42) << "parameter";
  for (const auto& c : columns) out << std::right << std::setw(11) << c;
  out << "\n";
  for (Eigen::Index j = 0; j < t.rows(); ++j) {
    out << "  " << std::left << std::setw(42) << d.design.parameters[std::size_t(j)];
    for (Eigen::Index c = 0; c < t.cols(); ++c) out << std::right << std::setw(11) << std::setprecision(4) << t(j, c);
    out << "\n";
  }
}

}  // namespace

void sensitivity_command(const std::string& path, int bootstrap, const std::vector<std::string>& show,
                         std::ostream& out) {
  const SweepData d = read_sweep_file(path);
  if (!d.shard.whole()) throw InputError(path + ": a shard file; merge the shards first (cardsim merge)");
  if (d.design.kind != DesignKind::Sobol && d.design.kind != DesignKind::Morris)
    throw InputError(path + ": sensitivity indices need a sobol or morris design; this sweep's design is " +
                     design_kind_name(d.design.kind));
  for (const auto& name : show)
    if (find_metric(name) < 0) throw InputError("--metric: unknown metric '" + name + "'");
  std::vector<Eigen::MatrixXd> tables;
  std::vector<std::string> columns;
  for (int m = 0; m < kMetricCount; ++m) tables.push_back(metric_table(d, m, bootstrap, columns));
  write_tables(path, d, tables, columns, bootstrap);
  out << "Sensitivity of run totals (mean over " << d.replicates << " replicates) in " << path << ", "
      << design_kind_name(d.design.kind) << " design" << (d.design.kind == DesignKind::Sobol ? ", 90% bootstrap intervals" : "")
      << "; written to /sensitivity\n";
  for (int m = 0; m < kMetricCount; ++m) {
    const std::string& name = metric_registry()[std::size_t(m)].name;
    if (show.empty() || std::find(show.begin(), show.end(), name) != show.end())
      print_table(out, d, name, tables[std::size_t(m)], columns);
  }
}

}  // namespace cardsim
