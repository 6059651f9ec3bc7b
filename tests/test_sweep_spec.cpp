// Sweep specs: the minimal form, strict validation, and the four designs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include <boost/random/sobol.hpp>
#include <map>

#include "experiments/sweep_spec.h"
#include "sweep_test_util.h"

using namespace cardsim;
using sweeptest::TempDir;
using sweeptest::write_text;

namespace {

SweepSpec from_text(const std::string& text) { return load_sweep_spec_text(text, "spec.yaml", "."); }

/// The InputError message for a spec, or "" when it loads.
std::string error_of(const std::string& text) {
  try {
    from_text(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const char* kMinimal =
    "base: scenarios/baseline.yaml   # relative paths resolve against the spec file's folder or the working directory\n"
    "replicates: 2\n"
    "set: {days: 60}                 # overrides applied to every point\n"
    "design:\n"
    "  kind: grid\n"
    "  parameters:\n"
    "    controls.per_id_cap.max_cards: [1, 3, 5]\n";

}  // namespace

TEST_CASE("the minimal spec of issue 5 loads exactly as written", "[sweep][spec]") {
  TempDir dir;
  write_text(dir / "scenarios/baseline.yaml", "name: baseline\npopulation: 20000\n");
  write_text(dir / "minimal.yaml", kMinimal);
  const SweepSpec spec = load_sweep_spec(dir / "minimal.yaml");
  CHECK(spec.replicates == 2);
  CHECK(spec.base.params.days == 60);
  CHECK(spec.base.params.population == 20000);  // from the base file beside the spec
  REQUIRE(spec.design.points == 3);
  CHECK(spec.design.parameters == std::vector<std::string>{"controls.per_id_cap.max_cards"});
  CHECK(spec.design.values == std::vector<double>{1, 3, 5});
  CHECK(point_scenario(spec, 1).params.per_id_cap_max == 3);
}

TEST_CASE("the base path falls back to the working directory", "[sweep][spec]") {
  TempDir dir;
  write_text(dir / "scenarios/baseline.yaml", "name: baseline\npopulation: 20000\n");
  write_text(dir / "specs/minimal.yaml", std::string(kMinimal) + "    controls.remote_activation.mode: [allow]\n");
  std::string out;
  // From the folder that holds scenarios/: the spec's own folder has no scenarios/.
  const int rc = sweeptest::cardsim({"sweep", "specs/minimal.yaml", "--out", "r.h5", "-t", "2"}, dir.path.string(), out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(std::filesystem::exists(dir / "r.h5"));
}

TEST_CASE("sweep specs are validated as strictly as scenarios", "[sweep][spec]") {
  const std::string grid = "design:\n  kind: grid\n  parameters:\n";
  struct Case {
    std::string text, needle;
  };
  const std::vector<Case> cases = {
      {"replicate: 2\n" + grid + "    days: [10]\n", "spec.yaml:1:1: key 'replicate': unknown key"},
      {grid + "    controls.per_id_cap.max_card: [1, 2]\n", "spec.yaml:4:5: key 'controls.per_id_cap.max_card': unknown parameter"},
      {grid + "    controls.per_id_cap.max_cards: [1, two]\n", "spec.yaml:4:40: key 'controls.per_id_cap.max_cards': expected a whole number"},
      {grid + "    controls.per_id_cap.max_cards: [1, 500]\n", "spec.yaml:4:40: key 'controls.per_id_cap.max_cards': value 500 is outside"},
      {grid + "    controls.remote_activation.mode: [allow, sometimes]\n", "unknown value 'sometimes'"},
      {"replicates: 0\n" + grid + "    controls.per_id_cap.max_cards: [1]\n", "spec.yaml:1:13: key 'replicates'"},
      {"set: {days: -1}\n" + grid + "    controls.per_id_cap.max_cards: [1]\n", "key 'days': value -1 is outside"},
      {"design:\n  kind: lhs\n  parameters:\n    scammers.loss_mean_yuan: [100, 2000]\n", "key 'design.samples': missing"},
      {"design:\n  kind: morris\n  trajectories: 4\n  parameters:\n    controls.remote_activation.mode: [allow, block]\n",
       "is categorical"},
      {"design:\n  kind: sobol\n  samples: 8\n  parameters:\n    controls.remote_activation.mode: [block, block]\n",
       "at least two different choices"},
      {"design:\n  kind: morris\n  trajectories: 4\n  parameters:\n    scammers.loss_mean_yuan: [2000, 100]\n",
       "min < max"},
      {"design:\n  kind: grid\n  samples: 4\n  parameters:\n    scammers.loss_mean_yuan: [100]\n",
       "key 'design.samples': unknown key"},
      {"design:\n  kind: factorial\n  parameters:\n    scammers.loss_mean_yuan: [100]\n", "unknown design kind"},
      {"series: [fraud_casez]\n" + grid + "    controls.per_id_cap.max_cards: [1]\n", "unknown metric 'fraud_casez'"},
      {"base: nowhere.yaml\n" + grid + "    controls.per_id_cap.max_cards: [1]\n", "key 'base': scenario file 'nowhere.yaml' not found"},
      {grid + "    controls.police.sentence_min_days: [100, 2000]\n", "design point 1"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string msg = error_of(c.text);
    INFO(msg);
    CHECK(msg.find(c.needle) != std::string::npos);
  }
}

TEST_CASE("grid designs enumerate every combination, last parameter fastest", "[sweep][design]") {
  const SweepSpec s = from_text(
      "design:\n  kind: grid\n  parameters:\n    controls.dealer_cap.enabled: [true, false]\n"
      "    controls.remote_activation.mode: [allow, verify, block]\n");
  REQUIRE(s.design.points == 6);
  CHECK(s.design.values == std::vector<double>{1, 0, 1, 1, 1, 2, 0, 0, 0, 1, 0, 2});
}

TEST_CASE("Latin hypercube columns hit every stratum once and are reproducible", "[sweep][design]") {
  const auto u = lhs_unit(50, 3, 11);
  for (std::size_t j = 0; j < 3; ++j) {
    std::set<int> strata;
    for (int64_t i = 0; i < 50; ++i) strata.insert(int(u[std::size_t(i) * 3 + j] * 50));
    CHECK(strata.size() == 50);
  }
  CHECK(lhs_unit(50, 3, 11) == u);
  CHECK(lhs_unit(50, 3, 12) != u);
  const SweepSpec s = from_text("design:\n  kind: lhs\n  samples: 20\n  parameters:\n"
                                "    controls.per_id_cap.max_cards: [1, 10]\n    scammers.loss_mean_yuan: [100, 2000]\n");
  for (int64_t p = 0; p < s.design.points; ++p) {
    CHECK(s.design.at(p, 0) == std::round(s.design.at(p, 0)));  // integers are run as integers
    CHECK(s.design.at(p, 1) >= 100);
    CHECK(s.design.at(p, 1) <= 2000);
  }
}

TEST_CASE("Saltelli rows are A, B, then A with one column of B", "[sweep][design]") {
  const std::size_t k = 3;
  const auto u = saltelli_unit(5, k, 3);
  REQUIRE(u.size() == 5 * (k + 2) * k);
  for (std::size_t i = 0; i < 5; ++i) {
    const double* a = &u[i * (k + 2) * k];
    const double* b = a + k;
    for (std::size_t j = 0; j < k; ++j) {
      const double* ab = b + (j + 1) * k;
      for (std::size_t m = 0; m < k; ++m) CHECK(ab[m] == (m == j ? b[m] : a[m]));
    }
  }
}

TEST_CASE("Morris trajectories move one factor at a time by delta on the level grid", "[sweep][design]") {
  const std::size_t k = 4;
  const int64_t levels = 4;
  const auto u = morris_unit(6, k, levels, 5);
  REQUIRE(u.size() == 6 * (k + 1) * k);
  const double delta = double(levels) / (2.0 * double(levels - 1));
  for (std::size_t t = 0; t < 6; ++t) {
    std::set<std::size_t> moved;
    for (std::size_t s = 0; s < k; ++s) {
      const double* x0 = &u[(t * (k + 1) + s) * k];
      const double* x1 = x0 + k;
      int changed = 0;
      for (std::size_t m = 0; m < k; ++m) {
        CHECK(x1[m] >= 0.0);
        CHECK(x1[m] <= 1.0);
        if (x1[m] != x0[m]) {
          ++changed;
          moved.insert(m);
          CHECK(std::abs(std::abs(x1[m] - x0[m]) - delta) < 1e-12);
        }
      }
      CHECK(changed == 1);
    }
    CHECK(moved.size() == k);  // every factor moves once per trajectory
  }
}

TEST_CASE("the shipped sweep specs in scenarios/sweeps load", "[sweep][spec]") {
  int specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CARDSIM_SOURCE_DIR "/scenarios/sweeps")) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path());
    const SweepSpec s = load_sweep_spec(entry.path().string());
    CHECK(s.design.points > 0);
    if (s.design.kind != DesignKind::Grid) CHECK(s.design.columns() == 11);  // the eleven uncertain parameters
    ++specs;
  }
  CHECK(specs >= 3);
}

TEST_CASE("a sobol design's A and B are Boost's Sobol' sequence after the documented digital shift",
          "[sweep][design]") {
  const std::size_t k = 3;
  const int64_t n = 16;
  const std::vector<uint64_t> shift = sobol_shift(2 * k, 5);
  REQUIRE(shift == sobol_shift(2 * k, 5));
  CHECK(shift != sobol_shift(2 * k, 6));
  boost::random::sobol boost_sequence(2 * k);
  const auto u = saltelli_unit(n, k, 5);
  for (int64_t i = 0; i < n; ++i) {
    const double* a = &u[std::size_t(i) * (k + 2) * k];  // A_i, then B_i
    for (std::size_t d = 0; d < 2 * k; ++d) {
      // Row 0 is the all-zero point Boost skips; row i is Boost's point i - 1.
      const uint64_t shifted = (i == 0 ? uint64_t(0) : uint64_t(boost_sequence())) ^ shift[d];
      INFO("point " << i << ", dimension " << d);
      CHECK(a[d] == (double(shifted >> 11) + 0.5) * 0x1.0p-53);
    }
  }
  // Each dimension of the first 2^m points has one point per 1/2^m interval:
  // the shift permutes the intervals and keeps that balance.
  const auto p = sobol_unit(64, 4, 99);
  for (std::size_t d = 0; d < 4; ++d) {
    std::set<int> cells;
    for (std::size_t i = 0; i < 64; ++i) cells.insert(int(p[i * 4 + d] * 64));
    CHECK(cells.size() == 64);
  }
  const SweepSpec s = from_text("design:\n  kind: sobol\n  samples: 8\n  parameters:\n    scammers.loss_mean_yuan: [100, 2000]\n");
  CHECK(s.design.points == 8 * 3);
}

namespace {

/// How often each value appears in column j of the given rows.
std::map<double, int> value_counts(const Design& d, std::size_t j, const std::vector<int64_t>& rows) {
  std::map<double, int> counts;
  for (int64_t r : rows) ++counts[d.at(r, j)];
  return counts;
}

void require_balanced(const std::map<double, int>& counts, std::size_t values, int64_t n) {
  REQUIRE(counts.size() == values);
  const double expected = double(n) / double(values);
  for (const auto& [value, count] : counts) {
    INFO("value " << value << " appears " << count << " times; " << expected << " expected");
    CHECK(std::abs(double(count) - expected) <= 1.0);
  }
}

}  // namespace

TEST_CASE("lhs and sobol designs stratify whole-number and choice parameters over their values", "[sweep][design]") {
  const std::string params =
      "  parameters:\n    brokers.target_stock: [5, 40]\n    controls.per_id_cap.max_cards: [1, 5]\n"
      "    controls.remote_activation.mode: [allow, verify, block]\n    controls.dealer_cap.enabled: [false, true]\n"
      "    scammers.loss_mean_yuan: [100, 2000]\n";
  for (int64_t n : {50, 72, 200}) {
    INFO("lhs, " << n << " samples");
    const SweepSpec s = from_text("seed: " + std::to_string(n) + "\ndesign:\n  kind: lhs\n  samples: " +
                                  std::to_string(n) + "\n" + params);
    std::vector<int64_t> rows(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) rows[std::size_t(i)] = i;
    require_balanced(value_counts(s.design, 0, rows), 36, n);
    require_balanced(value_counts(s.design, 1, rows), 5, n);
    require_balanced(value_counts(s.design, 2, rows), 3, n);
    require_balanced(value_counts(s.design, 3, rows), 2, n);
  }
  for (int64_t n : {64, 256}) {
    INFO("sobol, " << n << " base samples");
    const SweepSpec s = from_text("design:\n  kind: sobol\n  samples: " + std::to_string(n) + "\n" + params);
    const int64_t stride = 5 + 2;
    for (int64_t which : {0, 1}) {  // the A rows, then the B rows
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < n; ++i) rows.push_back(i * stride + which);
      require_balanced(value_counts(s.design, 0, rows), 36, n);
      require_balanced(value_counts(s.design, 1, rows), 5, n);
      require_balanced(value_counts(s.design, 2, rows), 3, n);
      require_balanced(value_counts(s.design, 3, rows), 2, n);
    }
  }
}

TEST_CASE("a whole number with more values than samples still takes each value with equal chance", "[sweep][design]") {
  // 4 samples of [1, 100]: each value should be drawn with probability 1/100.
  std::vector<int> counts(100, 0);
  for (double u = 0.0005; u < 1; u += 0.001) ++counts[stratified_choice(u, 100, 4)];
  for (int c : counts) CHECK(c == 10);
  // Fewer values than strata: exactly n/K strata each.
  std::vector<int> few(4, 0);
  for (int s = 0; s < 12; ++s) ++few[stratified_choice((s + 0.5) / 12, 4, 12)];
  CHECK(few == std::vector<int>{3, 3, 3, 3});
}
