// Police: cases (victim reports, leads from carrier monitoring) wait in a
// queue worked at a fixed capacity, in the order controls.police.priority
// names, and are dropped unworked once older than controls.police.max_age_days;
// each trace follows card -> identity -> (farmer | outlet -> insider ->
// organiser) -> merchant -> supplier of the card's record, and card -> its
// ring or SIM bank (docs/model.md, "Police").
#pragma once

#include "core/world.h"

namespace cardsim {

/// Queues a case about `card` from `source` for tracing, counted in its
/// source's metric. A victim's report also reports the number to its carrier
/// (controls.reported_shutdown, agents/carrier.cpp).
/// Two cards: `account` is the bank account that received the case's money
/// (kNoAccount when none), which a trace may follow (docs/model.md 19, "Police see both cards").
void report_case(World& w, uint32_t card, CaseSource source = CaseSource::VictimReport,
                 uint32_t account = kNoAccount);

/// The day's police work: drops cases older than the maximum age, then
/// traces as many waiting cases as today's capacity allows, in priority order.
void trace_cases(World& w);

/// Mean age of the waiting cases at the end of today, days since each was
/// queued (0 when none wait): O(sources), from the queue's running day sums.
double mean_case_age_days(const World& w);

// Arrests remove the agent, seize what it holds (cards, records), fine it
// (insiders and brokers also pay public-interest damages), and call the
// role's replacement; with controls.police.sentences_served the person is out
// for the sentence drawn and then returns with a record. Arrests of farmers
// and insiders raise the perceived risk of their peers.
void arrest_farmer(World& w, Stream& s, uint32_t identity);
void arrest_insider(World& w, Stream& s, int32_t insider);
void arrest_broker(World& w, Stream& s, int32_t broker);
void arrest_ring(World& w, Stream& s, int32_t ring);
/// Two cards: a holder who sold the account a case's money went to is fined
/// (sanctioned under sanctions.covers_bank_accounts; barred for the sentence
/// with controls.police.sentences_served); a kit collector is fined, pays
/// damages, and its kits are seized (agents/bank.cpp, replace_collector).
void arrest_account_seller(World& w, Stream& s, uint32_t person);
void arrest_collector(World& w, Stream& s, int32_t collector);
/// Raids a SIM bank (F24): every card in its rack is seized at once.
void raid_sim_bank(World& w, Stream& s, int32_t bank);

}  // namespace cardsim
