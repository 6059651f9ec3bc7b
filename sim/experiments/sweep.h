// Running a sweep: every (design point, replicate) pair is one task, indexed
// task = point * replicates + replicate. A task's numbers depend only on the
// spec, its point and its replicate, so threads, MPI ranks, shards and resumed
// processes all produce the same file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/sweep_spec.h"
#include "results/series.h"

namespace cardsim {

/// Which slice of the tasks a process runs: task t belongs to shard t % count.
struct Shard {
  int64_t index = 0;
  int64_t count = 1;
  bool owns(int64_t task) const { return task % count == index; }
  bool whole() const { return count == 1; }
};

/// Parses "I/N" (0 <= I < N). Throws InputError.
Shard parse_shard(const std::string& text);

/// Everything a sweep (or shard) file holds. Tasks not yet run hold NaN.
struct SweepData {
  // identity and provenance
  std::string spec_text;
  uint64_t spec_hash = 0;
  std::string code_version;  // "version commit": shards of other builds never merge
  // The resolved base scenario as provenance (name, YAML, hash), kept as
  // text so that merge copies it exactly.
  std::string base_name, base_yaml;
  uint64_t base_hash = 0;
  uint64_t seed = 1;
  int64_t replicates = 1;
  int64_t days = 0;
  Design design;
  std::vector<int> series;  // metric ids (none kept when series_mode is None)
  SeriesMode series_mode = SeriesMode::Daily;
  Shard shard;
  // outputs
  std::vector<std::vector<double>> totals;  // [metric][task]
  std::vector<std::vector<double>> daily;   // [series slot][task * periods() + period]
  std::vector<uint8_t> done;                // [task]
  std::vector<double> wall_seconds;         // [task]: how long the run took (NaN until run); differs run to run

  int64_t tasks() const { return design.points * replicates; }
  /// Stored values per kept series and task: days, weeks or 0 (series_mode).
  int64_t periods() const { return period_count(days, series_mode); }
  /// Sets every output to pending (NaN, not done), sized for tasks() and periods().
  void clear_outputs();
  /// Stores one finished task's record (layout of record()).
  void store(int64_t task, const double* record);
  /// Values of one task flattened as the journal and MPI messages carry them:
  /// kMetricCount totals, then periods() values per kept series, then the run's
  /// wall time in seconds.
  std::size_t record_size() const;
  std::vector<double> record(int64_t task) const;
};

/// An empty result for a spec (all tasks pending) whose kept series are
/// stored as `series` says (none: the spec's series list is not kept).
SweepData make_sweep_data(const SweepSpec& spec, const Shard& shard, SeriesMode series = SeriesMode::Daily);

/// The current build's version string for shard checks.
std::string code_version();

/// Seconds a finished run may wait in the journal before it is flushed to
/// disk (fdatasync), unless --fsync-interval says otherwise.
constexpr double kDefaultFsyncInterval = 0.5;
constexpr double kMaxFsyncInterval = 86400;  // a day: longer means "never" in practice

/// Checks an --fsync-interval value (seconds, 0 to a day). Throws InputError.
double checked_fsync_interval(double seconds);

struct SweepOptions {
  std::string out;
  int threads = 0;  // 0: OpenMP's default
  Shard shard;
  bool resume = false;
  bool progress = false;
  double fsync_interval = kDefaultFsyncInterval;  // seconds; 0 flushes the journal after every run
  SeriesMode series = SeriesMode::Daily;          // how the spec's kept series are stored
};

struct SweepOutcome {
  bool wrote_file = false;    // false on MPI workers
  int64_t journal_syncs = 0;  // fdatasync calls on the journal, its header included
};

/// Runs the spec's tasks (this shard's, those not already in the journal when
/// resuming), writes the file atomically, then removes the journal. Under
/// mpirun with MPI built in, ranks share the tasks and rank 0 writes.
SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options);

// ---- sizing a Slurm job array (each array task runs one shard) ----

/// A sweep's runs split over `tasks` shards, none with more than
/// `runs_per_task` runs (shard sizes differ by at most one run).
struct ArrayPlan {
  int64_t runs = 0;
  int64_t tasks = 0;
  int64_t runs_per_task = 0;
};

/// The fewest shards that keep every shard at or under `max_runs_per_task`
/// (>= 1) runs. Throws InputError for a value below 1.
ArrayPlan plan_array(int64_t runs, int64_t max_runs_per_task);

/// Runs that fill about `task_seconds` of wall time on `threads` threads when
/// one run takes `run_seconds`: whole rounds of `threads` runs, at least one
/// round (a task cannot be shorter than its longest run).
int64_t runs_per_task_for(double task_seconds, double run_seconds, int threads);

/// Runs one task and returns its record (see SweepData::record_size).
std::vector<double> run_task(const SweepSpec& spec, const SweepData& data, int64_t task);

/// The journal beside an output file.
std::string journal_path(const std::string& out);

// ---- files (sweep_file.cpp) ----

/// Writes a finished sweep, or a shard when data.shard is not whole, atomically.
void write_sweep_file(const std::string& path, const SweepData& data);

/// Reads a sweep or shard file. Throws InputError naming the file when it is
/// missing, truncated, corrupt or not a cardsim sweep file.
SweepData read_sweep_file(const std::string& path);

/// Joins shard files into one sweep file. Throws InputError (exit 2) for a
/// missing, duplicate, foreign or incomplete shard, or shards whose series
/// settings (--series) differ.
void merge_shards(const std::vector<std::string>& shards, const std::string& out);

}  // namespace cardsim
