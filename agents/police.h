// Police: reported cases wait in a queue worked at a fixed capacity; each
// trace follows card -> identity -> (farmer | outlet -> insider -> organiser)
// -> merchant -> supplier of the card's record, and card -> its ring or SIM
// bank (docs/model.md, "Police").
#pragma once

#include "core/world.h"

namespace cardsim {

/// Queues a reported fraud case for tracing.
void report_case(World& w, uint32_t card);

/// The day's traces.
void trace_cases(World& w);

// Arrests remove the agent, seize what it holds (cards, records), fine it
// (insiders and brokers also pay public-interest damages), and call the
// role's replacement; with controls.police.sentences_served the person is out
// for the sentence drawn and then returns with a record. Arrests of farmers
// and insiders raise the perceived risk of their peers.
void arrest_farmer(World& w, Stream& s, uint32_t identity);
void arrest_insider(World& w, Stream& s, int32_t insider);
void arrest_broker(World& w, Stream& s, int32_t broker);
void arrest_ring(World& w, Stream& s, int32_t ring);
/// Raids a SIM bank (F24): every card in its rack is seized at once.
void raid_sim_bank(World& w, Stream& s, int32_t bank);

}  // namespace cardsim
