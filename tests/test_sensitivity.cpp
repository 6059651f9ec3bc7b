// Sensitivity estimators on test functions with known answers, and the
// command on a small simulated sweep.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "results/h5.h"
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

TEST_CASE("Sobol indices of the Ishigami function come within 0.05 of the analytical values", "[sensitivity]") {
  const int k = 3;
  const int64_t n = 20000;
  const std::vector<double> u = saltelli_unit(n, k, 2024);
  Eigen::VectorXd y(Eigen::Index(u.size() / k));
  for (Eigen::Index r = 0; r < y.size(); ++r) {
    const double* x = &u[std::size_t(r) * k];
    y[r] = ishigami(-kPi + 2 * kPi * x[0], -kPi + 2 * kPi * x[1], -kPi + 2 * kPi * x[2]);
  }
  const SobolIndices s = sobol_indices(y, n, k, 100, 1);
  // Analytical values for a = 7, b = 0.1 (Ishigami and Homma 1990).
  const double a = 7, b = 0.1, pi4 = std::pow(kPi, 4);
  const double v = a * a / 8 + b * pi4 / 5 + b * b * pi4 * pi4 / 18 + 0.5;
  const double v1 = 0.5 * std::pow(1 + b * pi4 / 5, 2), v2 = a * a / 8, v13 = b * b * pi4 * pi4 * (1.0 / 18 - 1.0 / 50);
  const double first[3] = {v1 / v, v2 / v, 0.0};
  const double total[3] = {(v1 + v13) / v, v2 / v, v13 / v};
  for (int j = 0; j < k; ++j) {
    INFO("parameter " << j);
    CHECK(std::abs(s.first[j] - first[j]) < 0.05);
    CHECK(std::abs(s.total[j] - total[j]) < 0.05);
    CHECK(s.first_lo[j] <= s.first[j]);
    CHECK(s.first_hi[j] >= s.first[j]);
    CHECK(s.total_lo[j] <= s.total[j]);
    CHECK(s.total_hi[j] >= s.total[j]);
  }
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
                          "set: {days: 20, population: 20000}\ndesign:\n  kind: " + kind + "\n" + size +
                              "  parameters:\n    scammers.card_value_yuan: [300, 2000]\n"
                              "    controls.per_id_cap.max_cards: [1, 5]\n");
    SweepOptions o;
    o.out = dir / (kind + ".h5");
    o.threads = 2;
    run_sweep(load_sweep_spec(dir / (kind + ".yaml")), o);
    std::ostringstream out;
    sensitivity_command(o.out, 50, {"fraud_cases"}, out);
    CHECK(out.str().find("scammers.card_value_yuan") != std::string::npos);
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
  CHECK_THROWS_AS(sensitivity_command(o.out, 10, {}, out), InputError);
}
