// SIM-bank operators: racks of cards that receive verification codes, so that
// clients can register and verify accounts in bulk (F24). An operator buys
// cards on the black market while what a card earns there (codes a day x fee
// per code, over the card's expected life under monitoring) beats the price.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Daily chance that monitoring detects a card in a SIM bank:
/// sim_banks.detection_hazard times controls.monitoring.strength, whatever
/// the channel (a SIM bank's cards receive codes and make few calls).
double sim_bank_hazard(const Params& p, Channel channel);

/// Days a card in a SIM bank is expected to work within sim_banks.horizon_days.
double sim_bank_card_life_days(const Params& p);

/// What a card is expected to bring an operator over its life, yuan.
double sim_bank_card_value_yuan(const Params& p);

/// Cards an operator wants to add today at today's price.
double sim_bank_demand(const World& w, int32_t bank);
/// Cards an operator wants to add today if a card cost it `price_yuan`.
double sim_bank_demand_at(const World& w, int32_t bank, double price_yuan);

// Life cycle: an operator's rack is empty when the world is built; after a
// raid (agents/police.cpp: raid_sim_bank seized every card) the niche stays
// empty for sim_banks.replacement_days, then a newcomer starts a new rack.
void replace_sim_bank(World& w, int32_t bank);

/// Served sentences (controls.police.sentences_served): the niche stays empty
/// for the longer of the sentence and sim_banks.replacement_days, then the
/// same operator returns with one more conviction on record: a smaller rack
/// (World::restraint).
void sim_bank_serves_sentence(World& w, int32_t bank, int64_t sentence_days);

/// An operator pays for a card it bought (agents/card_market.cpp sells it).
void sim_bank_takes_card(World& w, int32_t bank, int32_t seller, uint32_t card);

/// Cards in SIM banks receive codes; clients pay the fee per code (phase SimBanks).
void sim_banks_receive_codes(World& w);

}  // namespace cardsim
