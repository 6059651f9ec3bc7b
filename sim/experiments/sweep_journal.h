// The resume journal: an append-only file beside a sweep's output holding one
// checksummed record per finished task. Each record is written as soon as its
// task finishes, so a killed process loses none (the kernel holds them), and
// leaves at worst one torn record at the end, which the next --resume drops
// and redoes. Each record reaches the disk itself (fdatasync) at most
// `fsync_interval` seconds after it was appended (--fsync-interval, default
// half a second; a background thread flushes when no further run finishes in
// time): a power cut or a crash of the machine loses at most the runs finished
// in that window, while a sweep of short runs does not wait on the disk after
// every one. On shared file systems each flush is a round trip to the storage
// servers, hence the option (docs/sweeps.md weighs the two).
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "experiments/sweep.h"

namespace cardsim {

class Journal {
 public:
  /// Opens the journal at `path` for `data`'s sweep. With `resume`, loads
  /// every intact record into `data` (marking those tasks done) and continues
  /// after them; without, starts a fresh journal. Throws InputError when the
  /// journal belongs to another spec, shard or build. Appended records are
  /// flushed to disk at most `fsync_interval` seconds apart (0: after each).
  Journal(std::string path, SweepData& data, bool resume, double fsync_interval = kDefaultFsyncInterval);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Appends one finished task; it is flushed to disk at most the fsync
  /// interval later. Throws when writing, or an earlier background flush, failed.
  void append(int64_t task, const std::vector<double>& record);

  /// Flushes every appended record to disk now.
  void sync();

  /// How many times the journal was flushed to disk (its header included).
  int64_t syncs() const;

  /// Tasks loaded from an earlier run.
  int64_t resumed() const { return resumed_; }

  /// Deletes the journal once the output file is safely in place.
  void remove();

 private:
  std::string header(const SweepData& data) const;
  void start_fresh(const SweepData& data);
  bool load(SweepData& data);
  void flush_to_disk();  // fdatasync, counted; the interval restarts; caller holds mutex_
  void flush_loop();      // the background flusher's body
  void stop_flusher();
  void throw_if_flush_failed();

  std::string path_;
  int fd_ = -1;
  std::size_t record_values_ = 0;
  int64_t resumed_ = 0;
  double fsync_interval_;  // seconds
  double last_sync_ = 0;   // steady-clock seconds
  int64_t syncs_ = 0;
  bool unsynced_ = false;
  // The background flusher: it sleeps until a record waits unsynced, then
  // until that record's deadline. mutex_ guards the file and the fields above.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::exception_ptr flush_error_;
  std::thread flusher_;
};

}  // namespace cardsim
