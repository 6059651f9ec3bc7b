// Insiders: dealer or outlet staff who sell white cards, share the login
// that edits activation location, and harvest customers' codes (拉新).
#pragma once

#include "core/world.h"

namespace cardsim {

/// Today's ask of an insider for a white card: pay weighed against risk.
double insider_ask(const World& w, int32_t insider);

/// Decides who deals today and does the code harvesting.
void insiders_act(World& w);

/// Buys one white card from an insider at today's price; false when the
/// insider is absent, out of capacity, asks more, or the outlet is capped.
bool buy_white_card(World& w, int32_t insider, uint32_t buyer_account);

/// The insider's login can edit the activation location today.
bool login_edits_location(const World& w, int32_t insider);

}  // namespace cardsim
