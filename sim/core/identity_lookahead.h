// Random identity holders drawn ahead of use, with their records read in
// batches in the order of the record array's pages: the honest events of a
// day are millions of random reads across a per-person array much larger than
// the caches (2.8 GB for 1.41 billion holders).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/block_pool.h"
#include "core/world.h"

namespace cardsim {

/// How many events ahead a loop over holders known in advance (lists of
/// customers, of cards) fetches the next holder's record.
constexpr std::size_t kRecordsAhead = 16;

/// Asks the memory system for `identity`'s record (and velocity window, while
/// that check is on) ahead of use: a hint that changes timing, never results.
inline void prefetch_identity(const World& w, uint32_t identity) {
  __builtin_prefetch(&w.citizens.person[identity], 1);
  if (w.p.velocity_enabled) __builtin_prefetch(&w.citizens.velocity[identity], 1);
}

/// Holders whose records warm_records reads at a time: their cache lines
/// (256 KB) stay in a core's own cache until the events that follow use them.
constexpr std::size_t kWarmBatch = 4096;

/// Whether the holders' records outgrow the caches (64 MB and more, 32 million
/// holders): below that, as in a region of a million holders, reading them in
/// page order first costs more than the misses it saves, and a loop prefetches
/// a few holders ahead instead.
inline bool records_outgrow_caches(const World& w) {
  constexpr int64_t kCachedHolders = int64_t(32) << 20;
  return w.citizens.count >= kCachedHolders;
}

/// Scratch space of warm_records, kept between calls.
struct RecordWarming {
  std::vector<uint32_t> by_page, page_start;
};

/// Reads the records of `ids` (and their velocity windows while that check is
/// on) once, in the order of the record array's 2 MB pages (a counting sort
/// by page), so that a loop over them in their own order that follows finds
/// them in the caches. Read in random order, each record cost a TLB miss and
/// a page walk as well as a cache miss (bench/README.md). A few thousand ids
/// at a time: their cache lines should stay in a core's own cache.
inline void warm_records(const World& w, const std::vector<uint32_t>& ids, RecordWarming& scratch) {
  if (!records_outgrow_caches(w)) {
    for (uint32_t id : ids) prefetch_identity(w, id);
    return;
  }
  constexpr int kPageShift = 20;  // 2^20 2-byte records: one 2 MB page
  auto& by_page = scratch.by_page;
  auto& page_start = scratch.page_start;
  const std::size_t pages = (std::size_t(w.citizens.count) >> kPageShift) + 2;
  page_start.assign(pages, 0);
  for (uint32_t id : ids) page_start[(id >> kPageShift) + 1]++;
  for (std::size_t p = 1; p < pages; ++p) page_start[p] += page_start[p - 1];
  by_page.resize(ids.size());
  for (uint32_t id : ids) by_page[page_start[id >> kPageShift]++] = id;
  const bool windows = w.p.velocity_enabled;
  unsigned sum = 0;
  for (std::size_t k = 0; k < by_page.size(); ++k) {
    if (k + kRecordsAhead < by_page.size()) prefetch_identity(w, by_page[k + kRecordsAhead]);
    sum += w.citizens.person[by_page[k]].bits;
    if (windows) sum += unsigned(w.citizens.velocity[by_page[k]].count);
  }
  asm volatile("" : : "r"(sum));  // the reads are what is wanted: keep them
}

/// Scratch space of update_records_by_page, kept between calls.
struct PageOrder {
  std::vector<uint32_t> order, page_start;
};

/// Holders' records a block of update_records_by_page covers, in pages of
/// 2^20 records (2 MB): 16 pages, 2^24 holders, so that a national world
/// makes about 80 blocks and a block's work is thousands of records. A
/// setting of the program, not of a scenario: results do not depend on it.
/// Tests make it one page, so that a world of a few million holders runs by
/// several blocks.
inline int& record_block_pages() {
  static int pages = 16;
  return pages;
}

/// Calls `update(k)` for every k in [0, ids.size()), in the order of the
/// pages of ids[k]'s record, by fixed blocks of record_block_pages() pages, the
/// blocks on the world's block threads where it has them. Only for updates
/// that touch nothing but the holder's own record and come out the same in
/// any order (setting a flag, counting a card down): blocks cover disjoint
/// holders, so they can run at once, and the result depends neither on the
/// order nor on the number of threads. Read in page order, records cost no
/// TLB miss each (warm_records); a record array touched for the first time
/// is also cleared by the kernel on the threads that touch it.
template <class Update>
void update_records_by_page(const World& w, const std::vector<uint32_t>& ids, PageOrder& scratch, Update update) {
  constexpr int kPageShift = 20;       // 2^20 2-byte records: one 2 MB page
  const auto block_pages = std::size_t(std::max(1, record_block_pages()));
  auto& order = scratch.order;
  auto& page_start = scratch.page_start;
  const std::size_t pages = (std::size_t(w.citizens.count) >> kPageShift) + 1;
  page_start.assign(pages + 1, 0);
  for (uint32_t id : ids) page_start[(id >> kPageShift) + 1]++;
  for (std::size_t p = 1; p <= pages; ++p) page_start[p] += page_start[p - 1];
  order.resize(ids.size());
  {
    std::vector<uint32_t> next(page_start.begin(), page_start.end() - 1);
    for (std::size_t k = 0; k < ids.size(); ++k) order[next[ids[k] >> kPageShift]++] = uint32_t(k);
  }
  const int blocks = int((pages + block_pages - 1) / block_pages);
  const auto run_block = [&](int b) {
    const std::size_t first = page_start[std::size_t(b) * block_pages];
    const std::size_t last = page_start[std::min(pages, std::size_t(b + 1) * block_pages)];
    for (std::size_t j = first; j < last; ++j) {
      // A few records a page at national scale: each is a cache miss, overlapped this way.
      if (j + kRecordsAhead < last) prefetch_identity(w, ids[order[j + kRecordsAhead]]);
      update(std::size_t(order[j]));
    }
  };
  if (w.block_pool)
    w.block_pool->run(blocks, run_block);
  else
    for (int b = 0; b < blocks; ++b) run_block(b);
}

/// Uniformly random identity holders from a stream of their own, drawn in
/// batches. Each batch's records are read once in the order of the record
/// array's 2 MB pages before the batch is handed out, so that the event loop
/// finds them in the caches: read in draw order, each record cost a TLB miss
/// and a page walk as well as a cache miss (bench/README.md). Holders come
/// out in the stream's order whatever the batch size: batching changes
/// timing, never results. Needs at least one holder.
class IdentityLookahead {
 public:
  /// Holders of the whole population, or of one region only (region >= 0).
  /// `expected`: how many the caller will draw at least (sizes the first
  /// batches; drawing more is allowed, drawing fewer only wastes reads).
  IdentityLookahead(const World& w, Stream stream, int region, int64_t expected)
      : w_(w), stream_(stream), region_(region), expected_(std::max<int64_t>(0, expected)),
        warmed_(records_outgrow_caches(w)) {}

  uint32_t next() {
    if (next_ == batch_.size()) refill();
    if (next_ + kRecordsAhead < batch_.size()) prefetch_identity(w_, batch_[next_ + kRecordsAhead]);
    return batch_[next_++];
  }

 private:
  static constexpr auto kBatch = int64_t(kWarmBatch);
  static constexpr int64_t kAfterExpected = 64;  // batch size once the expected draws are used up

  void refill() {
    const int64_t left = expected_ - drawn_;
    const auto size = std::size_t(left > 0 ? std::min(left, kBatch) : kAfterExpected);
    batch_.resize(size);
    for (uint32_t& id : batch_) id = region_ < 0 ? w_.random_identity(stream_) : w_.random_identity_in(stream_, region_);
    drawn_ += int64_t(size);
    next_ = 0;
    if (warmed_) warm_records(w_, batch_, warm_);
  }

  const World& w_;
  Stream stream_;
  int region_;
  int64_t expected_, drawn_ = 0;
  std::vector<uint32_t> batch_;                  // holders in draw order
  std::size_t next_ = 0;
  bool warmed_;  // batches are read in page order first (next() prefetches too: lines read early may have left L1 and L2)
  RecordWarming warm_;
};

}  // namespace cardsim
