// Runs all replicates of a scenario, in parallel with OpenMP. Each replicate
// is independent and keyed by its index, so the thread count never changes
// the numbers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <functional>

#include "results/results.h"
#include "core/simulation.h"

namespace cardsim {

struct RunRequest {
  Scenario scenario;
  uint64_t seed = 1;
  int64_t replicates = 1;
  int threads = 0;  // 0: OpenMP's default
  RunOptions options;
  bool progress = false;  // print progress and ETA on stderr
  std::string from_snapshot;  // continue the worlds saved in this snapshot file ("" = start at day 0)
  bool encode_series = false;  // compress the daily series for write_run_file as replicates finish
  bool time_phases = false;    // fill RunResult::phase_times (cardsim run --phase-times)
  // Work done by the replicates' threads beside them, before the first
  // replicate on its thread (e.g. RunFileWriter::lay_out): on one thread it
  // runs first; on more it overlaps the replicates.
  std::function<void()> alongside;
};

RunResult run_scenario(const RunRequest& request);

/// The shape of the run file run_scenario(request)'s result will have.
RunFileShape planned_run_file(const RunRequest& request);

/// Copies one finished replicate's metrics into a result.
void store_replicate(RunResult& result, int64_t replicate, const Recorder& recorder);

class Progress;

/// Runs body(0..n-1) on `threads` OpenMP threads (0: all cores), dynamically
/// scheduled, stepping `progress` after each job. The first exception any
/// job throws is rethrown once all jobs are done. Results must be written to
/// per-job slots, so the order in which jobs finish never matters.
void parallel_jobs(int64_t n, int threads, Progress& progress, const std::function<void(int64_t)>& body);
/// The same, with `first` run as one more job ahead of the others, not
/// counted in the progress.
void parallel_jobs(int64_t n, int threads, Progress& progress, const std::function<void()>& first,
                   const std::function<void(int64_t)>& body);

/// How long work reports itself on stderr, set once by the command line:
/// a live line on a terminal, else a log line every `interval_s` seconds (so
/// batch logs show it); nothing when quiet.
struct ProgressStyle {
  bool quiet = false;
  double interval_s = 10.0;
};
void set_progress_style(const ProgressStyle& style);

/// Runs done, rate and ETA of a batch of runs, on stderr (see ProgressStyle).
class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void step();  // thread-safe
  void finish();

 private:
  std::string line() const;
  void log_every_interval();

  std::string label_;
  int64_t total_;
  std::atomic<int64_t> done_{0};
  bool live_ = false;
  double start_;
  std::thread logger_;  // log mode only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace cardsim
