// Card uses: the CardUse enum and one spec per use, generated from
// card_uses.def so that each use is declared exactly once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "core/metrics.h"

namespace cardsim {

/// What a card bought on the black market is used for.
enum class CardUse : uint8_t {
#define CARD_USE(id, ...) id,
#include "core/card_uses.def"
#undef CARD_USE
  Count
};
constexpr int kCardUseCount = int(CardUse::Count);

/// One row of card_uses.def (its functions are dispatched in agents/card_market.cpp).
struct CardUseSpec {
  CardUse use;
  const char* key;     // name of the use in scenario keys and results files
  const char* label;   // what the cards are used for
  const char* buyer;   // one buyer, for messages
  const char* buyers;  // who buys them
  const char* fleets;  // the World field holding each buyer's cards ("rings.fleet")
  Metric entered;      // cards entering the use per day
  Metric held;         // cards in the use at the end of the day
  Metric shut;         // cards in the use shut by monitoring per day
};

inline constexpr CardUseSpec kCardUses[] = {
#define CARD_USE(id, key, label, buyer, buyers, fleets, demand, takes, hazard, entered, entered_description, held, \
                 held_description, shut, shut_description)                                               \
  {CardUse::id, key, label, buyer, buyers, #fleets, Metric::entered, Metric::held, Metric::shut},
#include "core/card_uses.def"
#undef CARD_USE
};
static_assert(std::size(kCardUses) == std::size_t(kCardUseCount));

constexpr const CardUseSpec& card_use_spec(CardUse u) { return kCardUses[int(u)]; }

}  // namespace cardsim
