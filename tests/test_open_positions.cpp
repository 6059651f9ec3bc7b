// OpenPositions (sim/core/open_positions.h): buyers asking sellers in turn
// visit only the sellers with stock, and find the same seller as asking
// every one in turn, also when two orders share sellers (record buyers who
// need a face photo ask the labor agencies only, the others every supplier).
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "core/open_positions.h"
#include "core/rng.h"

using namespace cardsim;

namespace {

/// The seller a buyer finds by asking every position of `order` in turn from
/// `start`, wrapping round once; order.size() when none has stock.
std::size_t asked_in_turn(const std::vector<std::size_t>& order, const std::vector<int>& stock, std::size_t start) {
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t at = (start + k) % order.size();
    if (stock[order[at]] > 0) return at;
  }
  return order.size();
}

}  // namespace

TEST_CASE("open positions: the first at or after a position, closed ones skipped", "[open_positions]") {
  OpenPositions open(6, [](std::size_t k) { return k % 2 == 1; });
  CHECK(open.size() == 6);
  CHECK(open.at_or_after(0) == 1);
  CHECK(open.at_or_after(2) == 3);
  open.close(3);
  CHECK(open.at_or_after(2) == 5);
  CHECK(open.at_or_after(1) == 1);
  open.close(5);
  CHECK(open.at_or_after(2) == 6);
  CHECK(open.first_from(4, [](std::size_t) { return true; }) == 1);
  CHECK(OpenPositions().size() == 0);
}

TEST_CASE("buyers of two orders over shared sellers find the seller of asking each in turn", "[open_positions]") {
  Stream draw(2026, 1, 1, Phase::Init, 7);
  for (int day = 0; day < 2000; ++day) {
    const std::size_t sellers = 1 + draw.below(14);
    std::vector<int> stock(sellers);
    for (int& s : stock) s = draw.below(3) == 0 ? int(draw.below(4)) : 0;
    // Order 0: every seller; order 1: the even ones, the last first.
    std::vector<std::size_t> order[2];
    for (std::size_t i = 0; i < sellers; ++i) order[0].push_back(i);
    for (std::size_t i = sellers; i-- > 0;)
      if (i % 2 == 0) order[1].push_back(i);
    OpenPositions open[2];
    for (int o = 0; o < 2; ++o)
      open[o] = OpenPositions(order[o].size(), [&, o](std::size_t k) { return stock[order[o][k]] > 0; });
    for (int buyer = 0; buyer < 20; ++buyer) {
      const auto o = std::size_t(draw.below(2));
      const std::size_t n = order[o].size();
      const std::size_t start = draw.below(n);
      const std::size_t expected = asked_in_turn(order[o], stock, start);
      const std::size_t found = open[o].first_from(start, [&](std::size_t k) { return stock[order[o][k]] > 0; });
      REQUIRE(found == expected);
      if (found < n) --stock[order[o][found]];
    }
  }
}
