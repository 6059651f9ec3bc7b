// Scammer rings: buy cards from brokers at the market price (fewer when cards
// are dear: they have other fraud channels, F9), and use them for fraud.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Cards a ring wants today at today's price.
double ring_demand(const World& w, int32_t ring);

/// Rings buy from brokers' stock (phase Market).
void rings_buy_cards(World& w);

/// Cards in use make attempts; successes are cases with heavy-tailed losses,
/// some reported to the police (phase Fraud).
void rings_commit_fraud(World& w);

}  // namespace cardsim
