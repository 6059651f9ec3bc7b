#include "experiments/sweep_journal.h"

#include "core/metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace cardsim {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kRecordMagic = 0x4452434552534331ull;  // marks the start of each record

uint64_t checksum(const void* data, std::size_t n) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void write_all(int fd, const void* data, std::size_t n, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw std::runtime_error(path + ": cannot write journal: " + std::strerror(errno));
    p += w;
    n -= std::size_t(w);
  }
}

void sync_or_throw(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) throw std::runtime_error(path + ": cannot flush journal to disk: " + std::strerror(errno));
}

/// Makes the journal's directory entry durable too, so a crash right after
/// creating it cannot lose the file itself.
void sync_parent_dir(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string read_file(int fd) {
  std::string out;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, std::size_t(n));
  return out;
}

}  // namespace

Journal::Journal(std::string path, SweepData& data, bool resume, double fsync_interval)
    : path_(std::move(path)), record_values_(data.record_size()), fsync_interval_(fsync_interval) {
  fs::path dir = fs::path(path_).parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  if (!(resume && fs::exists(path_) && load(data))) {
    if (!resume && fs::exists(path_))
      std::cerr << "cardsim: note: discarding the journal of an earlier, unfinished sweep (" << path_
                << "); use --resume to continue it instead\n";
    start_fresh(data);
  }
  // With 0 every append flushes itself: no thread needed.
  if (fsync_interval_ > 0) flusher_ = std::thread(&Journal::flush_loop, this);
}

Journal::~Journal() {
  stop_flusher();
  if (fd_ < 0) return;
  if (unsynced_) ::fdatasync(fd_);  // best effort: a failure here only costs a rerun of those tasks
  ::close(fd_);
}

std::string Journal::header(const SweepData& d) const {
  return "cardsim sweep journal 1\nspec_hash " + std::to_string(d.spec_hash) + "\ncode " + d.code_version +
         "\nshard " + std::to_string(d.shard.index) + "/" + std::to_string(d.shard.count) + "\ntasks " +
         std::to_string(d.tasks()) + "\nrecord " + std::to_string(record_values_) + "\n" +
         // Daily journals keep the header they always had, so older ones still resume.
         (d.series_mode == SeriesMode::Daily ? "" : "series " + std::string(series_mode_name(d.series_mode)) + "\n") +
         "\n";
}

void Journal::start_fresh(const SweepData& data) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_ + ": cannot create journal: " + std::strerror(errno));
  const std::string h = header(data);
  write_all(fd_, h.data(), h.size(), path_);
  flush_to_disk();
  sync_parent_dir(path_);
}

bool Journal::load(SweepData& data) {
  const int rfd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) throw std::runtime_error(path_ + ": cannot read journal: " + std::strerror(errno));
  const std::string text = read_file(rfd);
  ::close(rfd);
  const std::string h = header(data);
  // A journal shorter than this sweep's header was killed while writing it
  // (nothing finished) only if what is there starts that header; headers of
  // other sweeps can be shorter (their numbers have fewer digits).
  const std::size_t common = std::min(text.size(), h.size());
  if (text.compare(0, common, h, 0, common) != 0)
    throw InputError(path_ + ": this journal belongs to another sweep (spec, shard or cardsim build differ); "
                     "delete it, run without --resume, or give the --series it was started with");
  if (text.size() < h.size()) return false;
  const std::size_t rec_bytes = 2 * sizeof(uint64_t) + record_values_ * sizeof(double) + sizeof(uint64_t);
  std::size_t pos = h.size();
  for (; pos + rec_bytes <= text.size(); pos += rec_bytes) {
    uint64_t magic, sum;
    int64_t task;
    std::memcpy(&magic, &text[pos], 8);
    std::memcpy(&task, &text[pos + 8], 8);
    std::memcpy(&sum, &text[pos + rec_bytes - 8], 8);
    if (magic != kRecordMagic || sum != checksum(&text[pos + 8], rec_bytes - 16) || task < 0 ||
        task >= data.tasks() || !data.shard.owns(task))
      break;  // a torn or damaged tail: everything from here is redone
    std::vector<double> rec(record_values_);
    std::memcpy(rec.data(), &text[pos + 16], record_values_ * sizeof(double));
    if (!data.done[std::size_t(task)]) ++resumed_;
    data.store(task, rec.data());
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0 || ::ftruncate(fd_, off_t(pos)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0)
    throw std::runtime_error(path_ + ": cannot reopen journal: " + std::strerror(errno));
  flush_to_disk();
  return true;
}

void Journal::append(int64_t task, const std::vector<double>& record) {
  std::string buf(2 * sizeof(uint64_t) + record.size() * sizeof(double) + sizeof(uint64_t), '\0');
  std::memcpy(&buf[0], &kRecordMagic, 8);
  std::memcpy(&buf[8], &task, 8);
  std::memcpy(&buf[16], record.data(), record.size() * sizeof(double));
  const uint64_t sum = checksum(&buf[8], buf.size() - 16);
  std::memcpy(&buf[buf.size() - 8], &sum, 8);
  std::lock_guard<std::mutex> lock(mutex_);
  throw_if_flush_failed();
  write_all(fd_, buf.data(), buf.size(), path_);
  const bool was_synced = !unsynced_;
  unsynced_ = true;
  if (seconds_now() - last_sync_ >= fsync_interval_)
    flush_to_disk();
  else if (was_synced)
    wake_.notify_one();  // the flusher sleeps until a record waits
}

void Journal::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  throw_if_flush_failed();
  if (unsynced_) flush_to_disk();
}

int64_t Journal::syncs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return syncs_;
}

void Journal::throw_if_flush_failed() {
  if (flush_error_) std::rethrow_exception(flush_error_);
}

void Journal::flush_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (!unsynced_) {
      wake_.wait(lock);
      continue;
    }
    const double wait_s = last_sync_ + fsync_interval_ - seconds_now();
    if (wait_s > 0) {
      wake_.wait_for(lock, std::chrono::duration<double>(wait_s));
      continue;  // woken early, or the deadline: look again
    }
    try {
      flush_to_disk();
    } catch (...) {
      flush_error_ = std::current_exception();  // the next append or sync reports it
      return;
    }
  }
}

void Journal::stop_flusher() {
  if (!flusher_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  flusher_.join();
}

void Journal::flush_to_disk() {
  sync_or_throw(fd_, path_);
  ++syncs_;
  unsynced_ = false;
  last_sync_ = seconds_now();
}

void Journal::remove() {
  stop_flusher();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace cardsim
