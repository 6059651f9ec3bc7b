#include "experiments/runner.h"

#include "core/activation_checks.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>

#include "core/activation_checks.h"
#include "results/snapshot.h"

namespace cardsim {
namespace {

/// The replicate's world at the start of the run: freshly built, or read back
/// from a snapshot (HDF5 reads are serialised: the library is not thread-safe).
std::unique_ptr<World> starting_world(const RunRequest& req, int64_t rep) {
  if (req.from_snapshot.empty()) return build_world(req.scenario, req.seed, uint64_t(rep));
  std::unique_ptr<World> w;
  std::exception_ptr failed;  // rethrown outside: an exception may not leave a critical section
#pragma omp critical(cardsim_hdf5)
  try {
    w = read_snapshot_world(req.from_snapshot, req.scenario, rep);
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed) std::rethrow_exception(failed);
  return w;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace {
ProgressStyle g_progress_style;
}  // namespace

void set_progress_style(const ProgressStyle& style) { g_progress_style = style; }

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), start_(now_seconds()) {
  if (!enabled || g_progress_style.quiet) return;
  live_ = isatty(STDERR_FILENO);
  if (!live_) logger_ = std::thread([this] { log_every_interval(); });
}

Progress::~Progress() { finish(); }

std::string Progress::line() const {
  const int64_t done = done_.load();
  const double elapsed = now_seconds() - start_;
  const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
  char buf[256];
  if (done > 0)
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld runs done, %.2f runs/s, %.1f s elapsed, ETA %.1f s", label_.c_str(),
                  (long long)done, (long long)total_, rate, elapsed, double(total_ - done) / rate);
  else
    std::snprintf(buf, sizeof buf, "%s: 0/%lld runs done, %.1f s elapsed, ETA unknown", label_.c_str(),
                  (long long)total_, elapsed);
  return buf;
}

void Progress::log_every_interval() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto interval = std::chrono::duration<double>(std::max(0.01, g_progress_style.interval_s));
  while (!wake_.wait_for(lock, interval, [this] { return stop_; }))
    std::fprintf(stderr, "%s\n", line().c_str());
}

void Progress::step() {
  ++done_;
  if (!live_) return;
#pragma omp critical(cardsim_progress)
  {
    std::fprintf(stderr, "\r%s   ", line().c_str());
    std::fflush(stderr);
  }
}

void Progress::finish() {
  if (logger_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    logger_.join();
  }
  if (live_) std::fprintf(stderr, "\n");
  live_ = false;
}

void store_replicate(RunResult& result, int64_t replicate, const Recorder& rec) {
  auto& daily = result.daily[std::size_t(replicate)];
  daily.resize(std::size_t(kMetricCount) * std::size_t(result.days));
  for (int m = 0; m < kMetricCount; ++m) {
    std::copy_n(rec.series(m), result.days, &daily[std::size_t(m) * std::size_t(result.days)]);
    result.totals[std::size_t(m)][std::size_t(replicate)] = rec.total(m);
  }
  if (std::size_t(replicate) < result.refused_by_check.size())
    result.refused_by_check[std::size_t(replicate)] = rec.refused_by_check();
  if (std::size_t(replicate) < result.by_region.size()) {  // regions that trade
    // The recorder keeps each day's series together; the file keeps each
    // series' days together.
    const std::vector<double>& by_day = rec.by_region();
    const auto regions = std::size_t(result.regions), days = std::size_t(result.days);
    const auto series = std::size_t(kRegionSeriesCount);
    std::vector<double>& by_series = result.by_region[std::size_t(replicate)];
    by_series.assign(by_day.size(), 0.0);
    if (by_day.size() == days * series * regions)
      for (std::size_t day = 0; day < days; ++day)
        for (std::size_t k = 0; k < series; ++k)
          std::copy_n(&by_day[(day * series + k) * regions], regions, &by_series[(k * days + day) * regions]);
    result.mailed_between[std::size_t(replicate)] = rec.mailed_between();
  }
}

void parallel_jobs(int64_t n, int threads, Progress& progress, const std::function<void(int64_t)>& body) {
  parallel_jobs(n, threads, progress, nullptr, body);
}

void parallel_jobs(int64_t n, int threads, Progress& progress, const std::function<void()>& first,
                   const std::function<void(int64_t)>& body) {
  std::exception_ptr error;
  const int64_t extra = first ? 1 : 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (int64_t job = 0; job < n + extra; ++job) {
    try {
      if (job < extra)
        first();
      else
        body(job - extra);
    } catch (...) {
#pragma omp critical(cardsim_error)
      if (!error) error = std::current_exception();
    }
    if (job >= extra) progress.step();
  }
  progress.finish();
  if (error) std::rethrow_exception(error);
}

RunFileShape planned_run_file(const RunRequest& req) {
  RunFileShape s;
  s.scenario = req.scenario;
  s.seed = req.seed;
  s.replicates = req.replicates;
  s.days = req.scenario.params.days;
  s.regions = req.scenario.params.regions;
  for (const auto& check : activation_checks()) s.check_names.push_back(check.name);
  s.region_series = s.regions > 0;
  return s;
}

RunResult run_scenario(const RunRequest& req) {
  // The result has the shape its file was planned with (planned_run_file).
  const RunFileShape plan = planned_run_file(req);
  RunResult result;
  result.scenario = plan.scenario;
  result.seed = plan.seed;
  result.replicates = plan.replicates;
  result.days = plan.days;
  // Each replicate's series are allocated by the thread that stores them:
  // zeroing them all here (47 MB for 64 baseline replicates) took longer
  // than a replicate, on one thread, before the others could start.
  result.daily.assign(std::size_t(req.replicates), {});
  result.totals.assign(kMetricCount, std::vector<double>(std::size_t(req.replicates), 0.0));
  result.check_names = plan.check_names;
  result.refused_by_check.assign(std::size_t(req.replicates), {});
  result.regions = plan.regions;  // regions that trade
  result.by_region.assign(std::size_t(req.replicates), {});
  result.mailed_between.assign(std::size_t(req.replicates), {});
  if (req.time_phases) result.phase_times.assign(std::size_t(req.replicates), {});
  Progress progress("run " + req.scenario.name, req.replicates, req.progress);
  // Replicates still to finish per chunk of the file's daily series: the
  // thread that stores a chunk's last replicate compresses the chunk, while
  // the other threads go on with later replicates.
  const int64_t chunks = (req.replicates + kReplicatesPerChunk - 1) / kReplicatesPerChunk;
  std::vector<std::atomic<int64_t>> unfinished(req.encode_series ? std::size_t(chunks) : 0);
  for (int64_t c = 0; c < int64_t(unfinished.size()); ++c)
    unfinished[std::size_t(c)] = std::min(kReplicatesPerChunk, req.replicates - c * kReplicatesPerChunk);
  if (req.encode_series) prepare_encoded_series(result);
  // Fewer replicates than threads: the spare threads work inside each
  // replicate, on its phases that run by blocks of holders.
  const int threads = req.threads > 0 ? req.threads : omp_get_max_threads();
  const int at_once = int(std::max<int64_t>(1, std::min<int64_t>(threads, req.replicates)));
  RunOptions options = req.options;
  options.threads_inside = std::max(1, threads / at_once);
  parallel_jobs(req.replicates, at_once, progress, req.alongside, [&](int64_t rep) {
    auto world = starting_world(req, rep);
    RunOptions mine = options;
    if (req.time_phases) mine.phase_times = &result.phase_times[std::size_t(rep)];
    run_days(*world, req.scenario, req.scenario.params.days, mine);
    store_replicate(result, rep, world->recorder);
    world.reset();  // free the world before compressing
    if (req.encode_series && --unfinished[std::size_t(rep / kReplicatesPerChunk)] == 0)
      encode_series_chunk(result, rep / kReplicatesPerChunk);
  });
  return result;
}

}  // namespace cardsim
