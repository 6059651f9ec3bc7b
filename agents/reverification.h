// Re-verification of dormant cards (F25): a one-off drive, taken on the day a
// scenario's `actions:` entry names, asks the registered holders of dormant
// cards (and of honest sleeping cards) to confirm them in person; a card its
// holder does not confirm is shut. The pass rule depends on who the card's
// registered holder is, hence on the channel that made it (docs/model.md,
// "Re-verification of dormant cards").
#pragma once

#include <cstdint>

#include "core/world.h"

namespace cardsim {

/// Criminal cards dormant now: activated and not in use. In this model those
/// are the cards in stock for sale (merchants' cards, raised cards resold):
/// a ring's or SIM bank's every card works every day (attempts and codes are
/// drawn per card held), and cards being raised are kept looking used (F6).
int64_t dormant_cards(const World& w);

/// Days since a card in stock was last used: since its activation, or for a
/// raised card since its raising ended (its commission day).
int64_t days_without_use(const World& w, uint32_t card);

/// Whether `card` is a target of drive `a`: dormant, and for target idle
/// without use for at least `a.idle_days` days.
bool is_reverification_target(const World& w, uint32_t card, const ScheduledAction& a);

/// Whether the registered holder of `card` confirms it when asked: a farmer
/// card's holder is the farmer, who may (controls.reverification.farmer_confirm_share);
/// cards on harvested identities and white cards (raised ones too) are
/// registered on a real person who never asked for them, and never pass.
bool holder_confirms(const World& w, Stream& s, uint32_t card);

/// One drive: target cards reached with probability `a.coverage` are shut
/// unless their holder confirms; honest sleeping cards are reached at the same
/// coverage and lost when their holder misses the re-verification.
void run_reverification(World& w, Stream& s, const ScheduledAction& a);

/// Phase Actions: takes the scenario's actions of today, the k-th of the day
/// drawing from stream (Actions, k), so that an action changes nothing but
/// what it does (coverage 0: nothing at all).
void take_actions_of_the_day(World& w);

}  // namespace cardsim
