// Market prices: each price moves every day with excess demand in its own
// market (tatonnement), bounded below by the sellers' costs. No price is fixed.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Excess demand in (-1, 1): (wanted - available) / (wanted + available + 1).
double excess_demand(double wanted, double available);

/// Updates the four prices from today's tallies (phase Adaptation).
void update_prices(World& w);

}  // namespace cardsim
