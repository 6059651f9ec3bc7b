#include "experiments/sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>

#include "core/metrics.h"
#include "experiments/runner.h"
#include "core/simulation.h"
#include "experiments/sweep_journal.h"
#include "experiments/sweep_mpi.h"
#include "results/version.h"

namespace cardsim {
namespace {

int64_t parse_count(const std::string& text, const std::string& whole) {
  std::size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || v < 0)
    throw InputError("--shard '" + whole + "': expected I/N with whole numbers 0 <= I < N, e.g. 0/4");
  return v;
}

/// This process's pending tasks: those of its shard not already done.
std::vector<int64_t> pending_tasks(const SweepData& data) {
  std::vector<int64_t> out;
  for (int64_t t = 0; t < data.tasks(); ++t)
    if (data.shard.owns(t) && !data.done[std::size_t(t)]) out.push_back(t);
  return out;
}

/// Runs tasks on OpenMP threads (the shared job loop, parallel_jobs); `done`
/// is called inside a critical section and reports progress itself.
void run_tasks_local(const SweepSpec& spec, const SweepData& data, const std::vector<int64_t>& pending,
                     int threads, const TaskDone& done) {
  Progress reported_by_done("sweep tasks", int64_t(pending.size()), false);
  parallel_jobs(int64_t(pending.size()), threads, reported_by_done, [&](int64_t i) {
    const int64_t task = pending[std::size_t(i)];
    std::vector<double> rec = run_task(spec, data, task);
    // An exception must not leave a critical section (the runtime aborts):
    // a full disk while journalling is caught inside and rethrown here.
    std::exception_ptr failed;
#pragma omp critical(cardsim_sweep_done)
    try {
      done(task, rec);
    } catch (...) {
      failed = std::current_exception();
    }
    if (failed) std::rethrow_exception(failed);
  });
}

/// Runs the sweep on rank 0 (or alone), writes the file; returns the journal's flush count.
int64_t run_on_rank0(const SweepSpec& spec, const SweepOptions& opt, const MpiWorld& world, SweepData& data);

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    throw InputError("--shard '" + text + "': expected I/N with 0 <= I < N, e.g. 0/4");
  Shard s{parse_count(text.substr(0, slash), text), parse_count(text.substr(slash + 1), text)};
  if (s.count < 1 || s.index >= s.count)
    throw InputError("--shard '" + text + "': expected I/N with 0 <= I < N (shards are numbered from 0)");
  return s;
}

double checked_fsync_interval(double seconds) {
  if (!(seconds >= 0 && seconds <= kMaxFsyncInterval)) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", seconds);
    throw InputError(std::string("--fsync-interval ") + text +
                     ": expected the seconds a finished run may wait before the journal is flushed to disk, "
                     "from 0 (after every run) to 86400 (a day)");
  }
  return seconds;
}

ArrayPlan plan_array(int64_t runs, int64_t max_runs_per_task) {
  if (max_runs_per_task < 1) throw InputError("--runs-per-task must be 1 or more");
  ArrayPlan plan;
  plan.runs = runs;
  plan.tasks = std::max<int64_t>(1, (runs + max_runs_per_task - 1) / max_runs_per_task);
  plan.runs_per_task = (runs + plan.tasks - 1) / plan.tasks;  // shard t % tasks: the largest holds this many
  return plan;
}

int64_t runs_per_task_for(double task_seconds, double run_seconds, int threads) {
  const int64_t per_round = std::max(1, threads);
  const double rounds = std::floor(task_seconds / run_seconds);
  if (!(rounds >= 1)) return per_round;
  // Past 2^40 runs the count is meaningless; capping keeps the conversion defined.
  return per_round * int64_t(std::min(rounds, 1099511627776.0));
}

std::string code_version() { return std::string(CARDSIM_VERSION) + " " + CARDSIM_GIT_COMMIT; }

std::string journal_path(const std::string& out) { return out + ".journal"; }

std::size_t SweepData::record_size() const {
  return std::size_t(kMetricCount) + series.size() * std::size_t(periods()) + 1;
}

void SweepData::store(int64_t task, const double* record) {
  for (int m = 0; m < kMetricCount; ++m) totals[std::size_t(m)][std::size_t(task)] = record[m];
  const double* series_rows = record + kMetricCount;
  const int64_t n = periods();
  for (std::size_t s = 0; s < series.size(); ++s)
    std::copy_n(series_rows + s * std::size_t(n), n, &daily[s][std::size_t(task * n)]);
  wall_seconds[std::size_t(task)] = record[record_size() - 1];
  done[std::size_t(task)] = 1;
}

std::vector<double> SweepData::record(int64_t task) const {
  std::vector<double> rec(record_size());
  for (int m = 0; m < kMetricCount; ++m) rec[std::size_t(m)] = totals[std::size_t(m)][std::size_t(task)];
  const int64_t n = periods();
  for (std::size_t s = 0; s < series.size(); ++s)
    std::copy_n(&daily[s][std::size_t(task * n)], n, &rec[kMetricCount + s * std::size_t(n)]);
  rec.back() = wall_seconds[std::size_t(task)];
  return rec;
}

SweepData make_sweep_data(const SweepSpec& spec, const Shard& shard, SeriesMode series) {
  SweepData d;
  d.spec_text = spec.text;
  d.spec_hash = sweep_hash(spec);
  d.code_version = code_version();
  d.base_name = spec.base.name;
  d.base_yaml = resolved_yaml(spec.base);
  d.base_hash = scenario_hash(spec.base);
  d.seed = spec.seed;
  d.replicates = spec.replicates;
  d.days = spec.base.params.days;
  d.design = spec.design;
  d.series_mode = series;
  if (series != SeriesMode::None) d.series = spec.series;
  d.shard = shard;
  d.clear_outputs();
  return d;
}

void SweepData::clear_outputs() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  totals.assign(kMetricCount, std::vector<double>(std::size_t(tasks()), nan));
  daily.assign(series.size(), std::vector<double>(std::size_t(tasks() * periods()), nan));
  done.assign(std::size_t(tasks()), 0);
  wall_seconds.assign(std::size_t(tasks()), nan);
}

std::vector<double> run_task(const SweepSpec& spec, const SweepData& data, int64_t task) {
  const int64_t point = task / spec.replicates;
  const uint64_t replicate = uint64_t(task % spec.replicates);
  // Same seed and replicate index at every point: common random numbers make
  // differences between points reflect the parameters, not the noise.
  const auto start = std::chrono::steady_clock::now();
  auto world = run_replicate(point_scenario(spec, point), spec.seed, replicate, RunOptions{});
  std::vector<double> rec(data.record_size());
  rec.back() = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int m = 0; m < kMetricCount; ++m) rec[std::size_t(m)] = world->recorder.total(m);
  const int64_t periods = data.periods();
  const auto& reg = metric_registry();
  for (std::size_t s = 0; s < data.series.size(); ++s)
    aggregate_series(world->recorder.series(data.series[s]), data.days, reg[std::size_t(data.series[s])].kind,
                     data.series_mode, &rec[kMetricCount + s * std::size_t(periods)]);
  return rec;
}

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& opt) {
  const MpiWorld world = mpi_start();
  SweepData data = make_sweep_data(spec, opt.shard, opt.series);
  SweepOutcome outcome;
  if (world.rank != 0) {  // workers: compute what rank 0 hands out, write nothing
    mpi_run_tasks(world, spec, data, {}, opt.threads, nullptr);
    mpi_stop(world);
    return outcome;
  }
  try {
    outcome.journal_syncs = run_on_rank0(spec, opt, world, data);
  } catch (const std::exception& e) {
    // Workers wait for rank 0's work; stop them all rather than hang.
    if (world.active) mpi_abort(world, e.what(), dynamic_cast<const InputError*>(&e) ? 2 : 1);
    mpi_stop(world);
    throw;
  }
  mpi_stop(world);
  outcome.wrote_file = true;
  return outcome;
}

namespace {

int64_t run_on_rank0(const SweepSpec& spec, const SweepOptions& opt, const MpiWorld& world, SweepData& data) {
  Journal journal(journal_path(opt.out), data, opt.resume, opt.fsync_interval);
  const std::vector<int64_t> pending = pending_tasks(data);
  Progress progress("sweep " + spec.path + (journal.resumed() ? " (resumed)" : ""), int64_t(pending.size()),
                    opt.progress);
  TaskDone done = [&](int64_t task, const std::vector<double>& rec) {
    data.store(task, rec.data());
    journal.append(task, rec);
    progress.step();
  };
  if (world.active)
    mpi_run_tasks(world, spec, data, pending, opt.threads, done);
  else
    run_tasks_local(spec, data, pending, opt.threads, done);
  progress.finish();
  write_sweep_file(opt.out, data);
  const int64_t syncs = journal.syncs();
  journal.remove();
  return syncs;
}

}  // namespace

}  // namespace cardsim
