// Sensitivity estimators on test functions with known answers, and the
// command on a small simulated sweep.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "results/h5.h"
#include "core/metrics.h"
#include "experiments/sensitivity.h"
#include "experiments/sweep.h"
#include "sweep_test_util.h"

using namespace cardsim;

namespace {

constexpr double kPi = 3.14159265358979323846;

double ishigami(double x1, double x2, double x3) {
  const double a = 7, b = 0.1;
  return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
}

}  // namespace

namespace {

/// Outputs of the Ishigami function on a Saltelli design of n base samples.
Eigen::VectorXd ishigami_outputs(int64_t n, double offset, double scale) {
  const int k = 3;
  const std::vector<double> u = saltelli_unit(n, k, 2024);
  Eigen::VectorXd y(Eigen::Index(u.size() / k));
  for (Eigen::Index r = 0; r < y.size(); ++r) {
    const double* x = &u[std::size_t(r) * k];
    y[r] = offset + scale * ishigami(-kPi + 2 * kPi * x[0], -kPi + 2 * kPi * x[1], -kPi + 2 * kPi * x[2]);
  }
  return y;
}

}  // namespace

TEST_CASE("Sobol indices of the Ishigami function, shifted and scaled, come within 0.05 of the analytical values",
          "[sensitivity]") {
  const int k = 3;
  const int64_t n = 4096;
  // Analytical values for a = 7, b = 0.1 (Ishigami and Homma 1990).
  const double a = 7, b = 0.1, pi4 = std::pow(kPi, 4);
  const double v = a * a / 8 + b * pi4 / 5 + b * b * pi4 * pi4 / 18 + 0.5;
  const double v1 = 0.5 * std::pow(1 + b * pi4 / 5, 2), v2 = a * a / 8, v13 = b * b * pi4 * pi4 * (1.0 / 18 - 1.0 / 50);
  const double first[3] = {v1 / v, v2 / v, 0.0};
  const double total[3] = {(v1 + v13) / v, v2 / v, v13 / v};
  // A first-order estimator must not care where the output's zero is nor its
  // unit: the plain Saltelli 2010 form fails the +100 and +1e6 cases.
  const std::pair<double, double> offset_scale[] = {{0, 1}, {100, 1}, {0, 1000}, {1e6, 1000}};
  for (const auto& [offset, scale] : offset_scale) {
    INFO("output = " << offset << " + " << scale << " * ishigami");
    const SobolIndices s = sobol_indices(ishigami_outputs(n, offset, scale), n, k, 200, 1);
    for (int j = 0; j < k; ++j) {
      INFO("parameter " << j << ": S1 " << s.first[j] << " [" << s.first_lo[j] << ", " << s.first_hi[j] << "], ST "
                        << s.total[j] << " [" << s.total_lo[j] << ", " << s.total_hi[j] << "]");
      CHECK(std::abs(s.first[j] - first[j]) < 0.05);
      CHECK(std::abs(s.total[j] - total[j]) < 0.05);
      CHECK(s.first_lo[j] <= s.first[j]);
      CHECK(s.first_hi[j] >= s.first[j]);
      CHECK(s.total_lo[j] <= s.total[j]);
      CHECK(s.total_hi[j] >= s.total[j]);
    }
    const SobolCheck c = check_sobol(s, {"x1", "x2", "x3"}, n, std::nan(""), 0.1);
    INFO("warnings: " << (c.warnings.empty() ? "" : c.warnings.front()));
    CHECK_FALSE(c.insensitive);
    CHECK(c.warnings.empty());
    CHECK(c.samples_needed == 0);
  }
}

TEST_CASE("the first-order estimator is exactly invariant to shift and scale of the output", "[sensitivity]") {
  const int64_t n = 256;
  const SobolIndices plain = sobol_indices(ishigami_outputs(n, 0, 1), n, 3, 20, 1);
  const SobolIndices moved = sobol_indices(ishigami_outputs(n, 433, 0.001), n, 3, 20, 1);
  for (int j = 0; j < 3; ++j) {
    CHECK(moved.first[j] == Approx(plain.first[j]).margin(1e-9));
    CHECK(moved.first_lo[j] == Approx(plain.first_lo[j]).margin(1e-9));
    CHECK(moved.total[j] == Approx(plain.total[j]).margin(1e-9));
  }
}

TEST_CASE("few samples, S1 above ST and noisy outputs are flagged", "[sensitivity]") {
  const int64_t n = 16;
  const SobolIndices s = sobol_indices(ishigami_outputs(n, 0, 1), n, 3, 200, 1);
  const SobolCheck few = check_sobol(s, {"x1", "x2", "x3"}, n, std::nan(""), 0.1);
  REQUIRE_FALSE(few.warnings.empty());
  CHECK(few.warnings.back().find("wide") != std::string::npos);
  CHECK(few.samples_needed >= 4 * n);
  // A hand-made conflict: S1 far above ST with a narrow interval.
  SobolIndices bad = s;
  bad.first[1] = bad.total[1] + 0.5;
  bad.first_lo[1] = bad.first[1] - 0.01;
  bad.first_hi[1] = bad.first[1] + 0.01;
  const SobolCheck conflict = check_sobol(bad, {"x1", "x2", "x3"}, n, std::nan(""), 10.0);
  REQUIRE(conflict.warnings.size() >= 1);
  CHECK(conflict.warnings.front().find("S1 of x2") != std::string::npos);
  CHECK(conflict.warnings.front().find("exceeds its ST") != std::string::npos);
  // Mostly replicate noise: no indices at all.
  CHECK(check_sobol(s, {"x1", "x2", "x3"}, n, 0.7, 0.1).insensitive);
}

TEST_CASE("the replicate noise share compares within-point with between-point variance", "[sensitivity]") {
  // Two points, two replicates: means 0 and 10, within variance 2 per replicate.
  const std::vector<double> totals = {-1, 1, 9, 11};
  // noise = 2 / 2 = 1; between = 50.
  CHECK(replicate_noise_share(totals, 2, 2) == Approx(1.0 / 50));
  CHECK(std::isnan(replicate_noise_share(totals, 4, 1)));
  CHECK(replicate_noise_share({0, 2, 0, 2}, 2, 2) == 1.0);  // the same mean everywhere: all noise
}

TEST_CASE("Morris ranks the inputs of a known function correctly", "[sensitivity]") {
  // y = 10 x1 + 5 x2^2 + 2 x3 + 0 x4: mu* ranks x1 > x2 > x3 > x4;
  // only the nonlinear x2 has a spread of effects.
  const std::size_t k = 4;
  const int64_t r = 20;
  const std::vector<double> u = morris_unit(r, k, 4, 9);
  const auto rows = Eigen::Index(u.size() / k);
  Eigen::MatrixXd x(rows, Eigen::Index(k));
  Eigen::VectorXd y(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < k; ++j) x(i, Eigen::Index(j)) = u[std::size_t(i) * k + j];
    y[i] = 10 * x(i, 0) + 5 * x(i, 1) * x(i, 1) + 2 * x(i, 2);
  }
  const MorrisIndices m = morris_indices(x, y, r);
  CHECK(m.mu_star[0] > m.mu_star[1]);
  CHECK(m.mu_star[1] > m.mu_star[2]);
  CHECK(m.mu_star[2] > m.mu_star[3]);
  CHECK(m.mu_star[0] == Approx(10));
  CHECK(m.mu_star[2] == Approx(2));
  CHECK(m.mu_star[3] == 0);
  CHECK(m.sigma[0] == Approx(0).margin(1e-9));
  CHECK(m.sigma[1] > 0);
}

TEST_CASE("cardsim sensitivity writes /sensitivity into a sobol sweep and a morris sweep", "[sensitivity][sweep]") {
  sweeptest::TempDir dir;
  for (const std::string kind : {"sobol", "morris"}) {
    const std::string size = kind == "sobol" ? "  samples: 4\n" : "  trajectories: 3\n";
    sweeptest::write_text(dir / (kind + ".yaml"),
                          // A small area with the criminals of 1,000,000 people, so that fraud happens.
                          "set: {days: 20, population: 20000, density.caught_share: 0.014}\ndesign:\n  kind: " +
                              kind + "\n" + size +
                              "  parameters:\n    scammers.cash_out_share: [0.1, 1]\n"
                              "    controls.per_id_cap.max_cards: [1, 5]\n");
    SweepOptions o;
    o.out = dir / (kind + ".h5");
    o.threads = 2;
    run_sweep(load_sweep_spec(dir / (kind + ".yaml")), o);
    std::ostringstream out;
    SensitivityOptions so;
    so.bootstrap = 50;
    so.show = {"fraud_cases"};
    sensitivity_command(o.out, so, out);
    CHECK(out.str().find("scammers.cash_out_share") != std::string::npos);
    h5::Handle f = h5::open_file(o.out);
    std::vector<hsize_t> dims;
    h5::read_doubles(f, "sensitivity/fraud_cases", dims);
    CHECK(dims == std::vector<hsize_t>{2, kind == "sobol" ? 6u : 3u});
  }
  std::ostringstream out;
  sweeptest::write_text(dir / "grid.yaml", sweeptest::tiny_grid_spec(1));
  SweepOptions o;
  o.out = dir / "grid.h5";
  run_sweep(load_sweep_spec(dir / "grid.yaml"), o);
  CHECK_THROWS_AS(sensitivity_command(o.out, SensitivityOptions{}, out), InputError);
}

TEST_CASE("an 8-sample sobol sweep: warnings name the metrics and the samples needed, and every S1 shown is sound or "
          "warned", "[sensitivity][sweep]") {
  sweeptest::TempDir dir;
  sweeptest::write_text(dir / "s.yaml",
                        "replicates: 2\nset: {days: 20, population: 20000}\ndesign:\n  kind: sobol\n  samples: 8\n"
                        "  parameters:\n    scammers.cash_out_share: [0.1, 1]\n"
                        "    controls.per_id_cap.max_cards: [1, 5]\n");
  SweepOptions o;
  o.out = dir / "s.h5";
  o.threads = 2;
  run_sweep(load_sweep_spec(dir / "s.yaml"), o);
  std::ostringstream out;
  SensitivityOptions so;
  so.bootstrap = 200;
  sensitivity_command(o.out, so, out);
  const std::string text = out.str();
  INFO(text);
  h5::Handle f = h5::open_file(o.out);
  int warned = 0;
  for (const auto& spec : metric_registry()) {
    INFO(spec.name);
    h5::Handle ds(H5Dopen2(f, ("sensitivity/" + spec.name).c_str(), H5P_DEFAULT), H5Dclose);
    const std::string status = h5::read_attr_string(ds, "status");
    std::vector<hsize_t> dims;
    const std::vector<double> t = h5::read_doubles(f, "sensitivity/" + spec.name, dims);
    if (status == "warning") {
      ++warned;
      const int64_t needed = h5::read_attr_int(ds, "samples_needed");
      CHECK(needed > 8);
      CHECK(text.find("WARNING " + spec.name + ": ") != std::string::npos);
      CHECK(text.find("about " + std::to_string(needed) + " base samples needed") != std::string::npos);
      continue;
    }
    if (status == "insensitive") {
      CHECK(std::isnan(t[0]));
      continue;
    }
    REQUIRE(status == "reliable");
    for (std::size_t j = 0; j < dims[0]; ++j) {  // columns S1, S1_lo, S1_hi, ST, ST_lo, ST_hi
      const double* row = &t[j * 6];
      const double noise = (row[2] - row[1]) / 2;
      CHECK(row[0] >= -noise);
      CHECK(row[0] <= row[3] + noise);
    }
  }
  CHECK(warned > 0);  // eight samples cannot give intervals 0.1 wide
}
