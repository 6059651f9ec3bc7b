// A provincial crackdown on card sellers (controls.regional_crackdown.*): a
// supply control that acts in one region only, so that the others can be
// seen to supply it by mail (docs/model.md, "Regions that trade").
#pragma once

#include "core/world.h"

namespace cardsim {

/// Phase regional_crackdown (after the police's traces): while
/// controls.regional_crackdown.region names a region, each present merchant
/// and raiser placed there is arrested with probability
/// controls.regional_crackdown.arrest_rate (arrest_broker: stock seized,
/// fined, niche empty). Each seller draws from its own stream.
void crack_down_in_region(World& w);

}  // namespace cardsim
