// The resume journal: an append-only file beside a sweep's output holding one
// checksummed record per finished task, each flushed to disk (fdatasync)
// before the next is written. A process killed at any moment leaves at worst
// one torn record at the end, which the next --resume drops and redoes.
#pragma once

#include <string>
#include <vector>

#include "sweep.h"

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

  /// Appends one finished task durably. Not thread-safe: callers serialise.
  void append(int64_t task, const std::vector<double>& record);

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
};

}  // namespace cardsim
