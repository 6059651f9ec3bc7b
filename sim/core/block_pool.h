// Threads that run the blocks of one replicate's block phases (honest demand,
// one block per region; agents/citizen.cpp). They sleep on a condition
// variable between phases instead of spinning: a machine running more threads
// than cores (a loaded workstation, an oversubscribed node) must not lose a
// core to a thread that waits. OpenMP's default wait policy spins, which made
// a 10-million-holder year 7x slower on 2 threads of a loaded 2-core machine.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cardsim {

class BlockPool {
 public:
  /// `threads` >= 1 in all: threads - 1 workers, the caller of run() the last.
  explicit BlockPool(int threads);
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }

  /// Calls body(b) once for each b in [0, n), on the workers and the caller,
  /// and returns when every call has returned. Which thread runs which block
  /// is left to chance: the body must make the result independent of it. The
  /// first exception a call throws is rethrown here.
  void run(int n, const std::function<void(int)>& body);

 private:
  void work();
  void drain();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* body_ = nullptr;
  int blocks_ = 0;
  int next_ = 0;             // the next block to hand out (under mutex_)
  int busy_ = 0;             // workers not yet done with this generation
  uint64_t generation_ = 0;  // one per run()
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace cardsim
