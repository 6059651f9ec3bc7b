// The resume journal: an append-only file beside a sweep's output holding one
// checksummed record per finished task. Each record is written as soon as its
// task finishes, so a killed process loses none (the kernel holds them), and
// leaves at worst one torn record at the end, which the next --resume drops
// and redoes. Records reach the disk itself (fdatasync) at least every half
// second: a power cut or system crash loses at most that much finished work,
// while a sweep of short runs does not wait on the disk after every one.
#pragma once

#include <string>
#include <vector>

#include "experiments/sweep.h"

namespace cardsim {

class Journal {
 public:
  /// Opens the journal at `path` for `data`'s sweep. With `resume`, loads
  /// every intact record into `data` (marking those tasks done) and continues
  /// after them; without, starts a fresh journal. Throws InputError when the
  /// journal belongs to another spec, shard or build.
  Journal(std::string path, SweepData& data, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Appends one finished task (flushed to disk with the next sync, at most
  /// kSyncInterval later). Not thread-safe: callers serialise.
  void append(int64_t task, const std::vector<double>& record);

  /// Flushes every appended record to disk now.
  void sync();

  static constexpr double kSyncInterval = 0.5;  // seconds

  /// Tasks loaded from an earlier run.
  int64_t resumed() const { return resumed_; }

  /// Deletes the journal once the output file is safely in place.
  void remove();

 private:
  std::string header(const SweepData& data) const;
  void start_fresh(const SweepData& data);
  bool load(SweepData& data);

  std::string path_;
  int fd_ = -1;
  std::size_t record_values_ = 0;
  int64_t resumed_ = 0;
  double last_sync_ = 0;  // steady-clock seconds
  bool unsynced_ = false;
};

}  // namespace cardsim
