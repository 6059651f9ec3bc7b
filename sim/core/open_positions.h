// Positions that only close during a phase, searched in order: the sellers
// with stock left when buyers ask sellers in turn. Once stock runs short most
// sellers hold none, and a buyer asking each in turn paid one step per empty
// seller: buyers times sellers a day at national scale.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace cardsim {

/// Positions 0..n-1, each open or closed, that can close but never reopen
/// while the object lives. `next_[k]` leads to the first open position at or
/// after k (n when none), the paths shortened as they are followed, so a
/// search costs about as many steps as the open positions it passes.
class OpenPositions {
 public:
  OpenPositions() = default;
  /// Position k is open when `is_open(k)`.
  template <class IsOpen>
  OpenPositions(std::size_t n, IsOpen is_open) : next_(n + 1) {
    for (std::size_t k = 0; k < n; ++k) next_[k] = is_open(k) ? k : k + 1;
    next_[n] = n;
  }

  std::size_t size() const { return next_.empty() ? 0 : next_.size() - 1; }

  /// The first open position at or after `k` (k <= size()); size() when none.
  std::size_t at_or_after(std::size_t k) {
    std::size_t found = k;
    while (next_[found] != found) found = next_[found];
    while (next_[k] != found) k = std::exchange(next_[k], found);
    return found;
  }

  void close(std::size_t k) { next_[k] = k + 1; }

  /// The first open position in start..size()-1, then in 0..start-1, where
  /// `has(k)` holds; size() when none. Open positions passed on the way,
  /// where it does not, are closed: for callers whose positions, once
  /// without, stay without (a seller sold out by buyers of another order).
  template <class Has>
  std::size_t first_from(std::size_t start, Has has) {
    const auto first_in = [&](std::size_t from, std::size_t end) {
      for (std::size_t k = at_or_after(from); k < end; k = at_or_after(k)) {
        if (has(k)) return k;
        close(k);
      }
      return size();
    };
    const std::size_t found = first_in(start, size());
    return found < size() ? found : first_in(0, start);
  }

 private:
  std::vector<std::size_t> next_;
};

}  // namespace cardsim
