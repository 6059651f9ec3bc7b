// --series daily|weekly|none: what run, compare and sweep files store of the
// daily series, and that totals never depend on it.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/metrics.h"
#include "experiments/sweep.h"
#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"
#include "sweep_test_util.h"

using namespace cardsim;
using namespace cardsim::testing;
using sweeptest::TempDir;
using sweeptest::write_text;

namespace {

std::vector<double> read(hid_t f, const std::string& name, std::vector<hsize_t>& dims) {
  return h5::read_doubles(f, name, dims);
}

std::vector<int64_t> read_ints(hid_t f, const std::string& name) {
  std::vector<hsize_t> dims;
  return h5::read_int64s(f, name, dims);
}

/// Checks one metric's weekly rows against the daily rows of the same runs:
/// flows sum each week's days, the other kinds average them.
void check_weeks(const std::vector<double>& daily, const std::vector<double>& weekly, std::size_t rows,
                 std::size_t days, MetricKind kind) {
  const std::size_t weeks = (days + 6) / 7;
  REQUIRE(daily.size() == rows * days);
  REQUIRE(weekly.size() == rows * weeks);
  for (std::size_t row = 0; row < rows; ++row)
    for (std::size_t w = 0; w < weeks; ++w) {
      const std::size_t first = w * 7, last = std::min(days, first + 7);
      double sum = 0;
      for (std::size_t d = first; d < last; ++d) sum += daily[row * days + d];
      const double want = kind == MetricKind::Flow ? sum : sum / double(last - first);
      CHECK(weekly[row * weeks + w] == Approx(want).epsilon(1e-12).margin(1e-12));
    }
}

}  // namespace

TEST_CASE("series mode names parse and bad ones are clear errors", "[series]") {
  CHECK(parse_series_mode("daily") == SeriesMode::Daily);
  CHECK(parse_series_mode("weekly") == SeriesMode::Weekly);
  CHECK(parse_series_mode("none") == SeriesMode::None);
  CHECK_THROWS_WITH(parse_series_mode("monthly"), Catch::Contains("daily, weekly or none"));
  CHECK(period_count(30, SeriesMode::Weekly) == 5);
  CHECK(period_count(28, SeriesMode::Weekly) == 4);
  CHECK(period_count(30, SeriesMode::Daily) == 30);
  CHECK(period_count(30, SeriesMode::None) == 0);
}

TEST_CASE("a weekly run file sums each week's counts and averages levels, a none file keeps only totals",
          "[series][results]") {
  TempDir dir;
  const int64_t days = 30;  // four full weeks and a 2-day fifth
  const RunResult r = run(small_baseline(20000, days), 2, 5);
  write_run_file(dir / "daily.h5", r);
  write_run_file(dir / "weekly.h5", r, 0, SeriesMode::Weekly);
  write_run_file(dir / "none.h5", r, 0, SeriesMode::None);
  h5::quiet();
  h5::Handle daily = h5::open_file(dir / "daily.h5");
  h5::Handle weekly = h5::open_file(dir / "weekly.h5");
  h5::Handle none = h5::open_file(dir / "none.h5");
  CHECK(h5::read_attr_string(daily, "series") == "daily");
  CHECK(h5::read_attr_string(weekly, "series") == "weekly");
  CHECK(h5::read_attr_string(none, "series") == "none");
  CHECK(h5::read_attr_int(weekly, "series_period_days") == 7);
  // The week axis names each week by its first day; the last week is short.
  CHECK(read_ints(weekly, "week") == std::vector<int64_t>{0, 7, 14, 21, 28});
  CHECK(read_ints(weekly, "week_days") == std::vector<int64_t>{7, 7, 7, 7, 2});
  CHECK_FALSE(h5::exists(none, "timeseries"));
  const auto& reg = metric_registry();
  for (int m = 0; m < kMetricCount; ++m) {
    const std::string name = reg[std::size_t(m)].name;
    INFO(name);
    std::vector<hsize_t> dd, wd, td;
    const auto d = read(daily, "timeseries/" + name, dd);
    const auto w = read(weekly, "timeseries/" + name, wd);
    CHECK(wd == std::vector<hsize_t>{2, 5});
    check_weeks(d, w, 2, std::size_t(days), reg[std::size_t(m)].kind);
    // Totals are the same bits whatever the series mode.
    const auto total = read(daily, "totals/" + name, td);
    CHECK(read(weekly, "totals/" + name, td) == total);
    CHECK(read(none, "totals/" + name, td) == total);
  }
  h5::Handle flow(H5Dopen2(weekly, "timeseries/fraud_cases", H5P_DEFAULT), H5Dclose);
  CHECK(h5::read_attr_string(flow, "units") == "cases per week");
  CHECK(h5::read_attr_string(flow, "dimensions") == "replicate, week");
  // Refusals per check: [replicate, week, check], each week the sum of its days.
  std::vector<hsize_t> cd, cw;
  const auto by_day = read(daily, "timeseries/honest_refused_by_check", cd);
  const auto by_week = read(weekly, "timeseries/honest_refused_by_check", cw);
  REQUIRE(cw == std::vector<hsize_t>{2, 5, cd[2]});
  double day_sum = 0, week_sum = 0;
  for (double v : by_day) day_sum += v;
  for (double v : by_week) week_sum += v;
  CHECK(week_sum == Approx(day_sum));
}

TEST_CASE("weekly sweep shards merge, and shards of different --series are refused", "[series][sweep]") {
  TempDir dir;
  write_text(dir / "spec.yaml", sweeptest::tiny_grid_spec(1));
  const SweepSpec spec = load_sweep_spec(dir / "spec.yaml");
  auto run_as = [&](const std::string& out, SeriesMode mode, Shard shard) {
    SweepOptions o;
    o.out = dir / out;
    o.threads = 2;
    o.shard = shard;
    o.series = mode;
    run_sweep(spec, o);
  };
  run_as("daily.h5", SeriesMode::Daily, Shard{});
  run_as("w0.h5", SeriesMode::Weekly, Shard{0, 2});
  run_as("w1.h5", SeriesMode::Weekly, Shard{1, 2});
  run_as("n1.h5", SeriesMode::None, Shard{1, 2});
  merge_shards({dir / "w0.h5", dir / "w1.h5"}, dir / "weekly.h5");
  const SweepData d = read_sweep_file(dir / "daily.h5");
  const SweepData w = read_sweep_file(dir / "weekly.h5");
  CHECK(w.series_mode == SeriesMode::Weekly);
  CHECK(w.totals == d.totals);
  REQUIRE(w.series == d.series);
  for (std::size_t s = 0; s < w.series.size(); ++s)
    check_weeks(d.daily[s], w.daily[s], std::size_t(d.tasks()), std::size_t(d.days),
                metric_registry()[std::size_t(w.series[s])].kind);
  h5::Handle f = h5::open_file(dir / "weekly.h5");
  std::vector<hsize_t> dims;
  read(f, "timeseries/fraud_cases", dims);
  CHECK(dims == std::vector<hsize_t>{6, 1, 5});
  CHECK(read_ints(f, "week") == std::vector<int64_t>{0, 7, 14, 21, 28});
  CHECK_THROWS_WITH(merge_shards({dir / "w0.h5", dir / "n1.h5"}, dir / "mixed.h5"),
                    Catch::Contains("--series none") && Catch::Contains("same --series"));
  const SweepData n = read_sweep_file(dir / "n1.h5");
  CHECK(n.series.empty());
  h5::Handle nf = h5::open_file(dir / "n1.h5");
  CHECK_FALSE(h5::exists(nf, "timeseries"));
}
