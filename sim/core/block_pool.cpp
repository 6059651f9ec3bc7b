#include "core/block_pool.h"

namespace cardsim {

BlockPool::BlockPool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { work(); });
}

BlockPool::~BlockPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void BlockPool::run(int n, const std::function<void(int)>& body) {
  if (workers_.empty() || n <= 1) {
    for (int b = 0; b < n; ++b) body(b);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    blocks_ = n;
    next_ = 0;
    busy_ = int(workers_.size());
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  drain();
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return busy_ == 0; });
  body_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

// Blocks are handed out one at a time under the mutex: a block is thousands
// of events, so the lock is taken rarely.
void BlockPool::drain() {
  for (;;) {
    int b;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_ >= blocks_) return;
      b = next_++;
    }
    try {
      (*body_)(b);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void BlockPool::work() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    drain();
    std::lock_guard<std::mutex> lock(mutex_);
    if (--busy_ == 0) done_.notify_one();
  }
}

}  // namespace cardsim
