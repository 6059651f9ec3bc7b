// The black market's buyers: the cards in brokers' stock go to the buyers of
// every card use (core/card_uses.def) at one posted price, and monitoring
// watches each use's cards at that use's own detection hazard.
#pragma once

#include <cstdint>
#include <vector>

#include "core/world.h"

namespace cardsim {

/// Buyers of every use buy from brokers' stock (phase Market).
void buyers_buy_cards(World& w);

/// Monitoring detects each card in every use today with its use's and
/// channel's hazard (drawn by thinning: a draw per candidate, not per card),
/// and queues the detected ones for shutdown after the delay.
void detect_cards_in_use(World& w, Stream& s);

/// Days a card is expected to work within `horizon_days` when monitoring shuts
/// it with probability `daily_hazard` each day (the mean of a geometric life
/// cut at the horizon): the life every use prices a card over.
double expected_life_days(double daily_hazard, double horizon_days);

/// Cards a buyer wants today beyond the `held` it runs: it runs
/// `cards_per_margin` x (value / price - 1) cards, none when a card does not
/// pay its price. Every use's buyers follow this rule with their own value.
double demand_from_margin(double value_yuan, double price_yuan, double cards_per_margin, std::size_t held);

/// A ring's further demand when its callers keep `callers_cards` cards busy:
/// the fleet at which a marginal card's revenue meets the price, less `held`.
double demand_with_callers(double value_yuan, double price_yuan, double callers_cards, std::size_t held);

/// Cards' worth of work a fleet of `cards` does with `callers_cards` callers:
/// F / (1 + F / C): every card at full use while callers are idle, never more
/// than C as the fleet grows; nothing with no callers (C = 0).
double cards_at_work(double cards, double callers_cards);

/// Removes `card` from `list` (order not kept); false when it was not there.
bool erase_card(std::vector<uint32_t>& list, uint32_t card);

/// Takes a card that is InUse out of its buyer's list (it is being shut).
void leave_use(World& w, uint32_t card);

}  // namespace cardsim
