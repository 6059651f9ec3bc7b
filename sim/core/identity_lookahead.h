// Random identity holders drawn a few ahead of use, with their records
// prefetched: the honest events of a day are hundreds of random reads across
// a per-person array much larger than the caches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

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

/// Uniformly random identity holders from a stream of their own. Each holder
/// is drawn kAhead picks before it is used and its record is prefetched then,
/// so the cache misses of consecutive events overlap instead of queueing.
/// Holders come out in the stream's order whatever kAhead is: the lookahead
/// changes timing, never results. Needs at least one holder.
class IdentityLookahead {
 public:
  /// Holders of the whole population, or of one region only (region >= 0).
  IdentityLookahead(const World& w, Stream stream, int region = -1)
      : w_(w), stream_(stream), region_(region), windows_(w.p.velocity_enabled) {
    for (uint32_t& id : ring_) id = draw();
  }

  uint32_t next() {
    const uint32_t id = ring_[head_];
    ring_[head_] = draw();
    head_ = (head_ + 1) % kAhead;
    return id;
  }

 private:
  static constexpr unsigned kAhead = 16;

  uint32_t draw() {
    const uint32_t id = region_ < 0 ? w_.random_identity(stream_) : w_.random_identity_in(stream_, region_);
    __builtin_prefetch(&w_.citizens.person[id], 1);
    if (windows_) __builtin_prefetch(&w_.citizens.velocity[id], 1);
    return id;
  }

  const World& w_;
  Stream stream_;
  int region_;
  bool windows_;  // the velocity check will read the holder's window too
  std::array<uint32_t, kAhead> ring_{};
  unsigned head_ = 0;
};

}  // namespace cardsim
