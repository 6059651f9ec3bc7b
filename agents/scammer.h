// Scammer rings: buy cards from brokers while a card's expected revenue (its
// use, its targets' susceptibility, its life before shutdown, the cash-out
// share) beats its price, and use them for fraud. Targets saturate: the more
// attempts per holder, the less each one deceives.
#pragma once

#include "core/world.h"

namespace cardsim {

// Life cycle: a ring works a place (its targets and cash-out network, hence
// its revenue factor, and its trade links with merchants) that is drawn when
// the world is built and outlives arrests.

/// Founds ring `ring`'s place when the world is built: its revenue factor is
/// drawn from `s`, then a ring enters it as ring_enters says.
void found_ring(World& w, Stream& s, int32_t ring);

/// A ring enters its place with no cards in fraud use. Used by found_ring and
/// replace_ring; the predecessor's cards must be gone already (seized).
void ring_enters(World& w, int32_t ring);

/// After an arrest the place stays empty for scammers.replacement_days; the
/// successor enters as ring_enters says and keeps the place's revenue factor.
/// With entry by profit (scammers.entry.enabled) the place is then empty and
/// taken only when an entrant expects a profit (rings_enter_and_exit).
void replace_ring(World& w, int32_t ring);

/// Served sentences (controls.police.sentences_served): the place stays empty
/// for the longer of the sentence and scammers.replacement_days, then the same
/// ring returns, as ring_enters says, with one more conviction on record: it
/// runs fewer cards (World::restraint).
void ring_serves_sentence(World& w, int32_t ring, int64_t sentence_days);

// ---- entry and exit by profit (scammers.entry.*; docs/model.md, "Entry and exit by profit") ----

/// Profit a ring in place `ring` expects a day, yuan: the cards it would run at
/// today's margin (from an empty fleet, its record's restraint applied) times a
/// card's revenue less its price, spread over a card's expected life.
double expected_ring_profit_yuan_per_day(const World& w, int32_t ring);

/// A ring stops work: its cards in fraud use are abandoned (Expired) and its
/// place is left empty, waiting for an entrant (the same people, record kept,
/// or newcomers once an arrest has emptied it).
void ring_exits(World& w, int32_t ring);

/// An empty place is taken: a ring decided today to enter and starts work
/// scammers.entry.delay_days later, with its expected profit as its first
/// view of its recent profit.
void ring_decides_to_enter(World& w, int32_t ring);

/// Phase Entry, every day: each working ring's day of profit enters its
/// moving average (and ring_profit_yuan), rings whose recent profit stayed
/// below the exit threshold for scammers.entry.exit_days days leave, and empty
/// places whose entrant expects at least the entry threshold are taken. Counts
/// rings_active, ring_entries and ring_exits. With scammers.entry.enabled off
/// only the bookkeeping and the metrics run.
void rings_enter_and_exit(World& w);

/// At world building: every founded ring's recent profit starts at what it expects.
void init_ring_expectations(World& w);

// ---- end entry and exit by profit ----

/// Callers a ring has: scammers.callers_cards, fewer for a ring back from a
/// sentence (World::restraint). A ring's record changes only while its fleet
/// is empty (ring_enters), so the attempts total kept as fleets change stays exact.
double ring_callers_cards(const World& w, int32_t ring);

/// Attempts a day of `ring` holding `cards` cards in fraud use:
/// scammers.attempts_per_card x cards_at_work(cards, its callers), or x cards
/// with scammers.callers_cards = 0.
double ring_attempts_per_day(const World& w, int32_t ring, std::size_t cards);

/// Share of an attempt's chance of deceiving left at today's attempts per
/// holder: 1 / (1 + attempts / (scammers.saturation_attempts * population)).
double target_saturation(const World& w);

/// Days a card in fraud use is expected to work within the ring's horizon,
/// given monitoring's daily hazard.
double expected_card_life_days(const Params& p);

/// What a card is expected to bring the ring over its life, yuan.
double card_revenue_yuan(const World& w, int32_t ring);
/// Fraud cases a card in fraud use is expected to make today: attempts per
/// card x the deceived share of those reached x target saturation.
double expected_cases_per_card_day(const World& w);
/// Fraud cases ring `ring` is expected to make today with the cards it holds:
/// its attempts (ring_attempts_per_day, which saturate in its callers) x the
/// deceived share of those reached x target saturation.
double ring_expected_cases_per_day(const World& w, int32_t ring);

/// Cards a ring wants to add today at today's price.
double ring_demand(const World& w, int32_t ring);
/// Cards a ring wants to add today if a card cost it `price_yuan` (a card
/// mailed from another region costs the price plus transport).
double ring_demand_at(const World& w, int32_t ring, double price_yuan);

/// A ring pays for a card it bought (agents/card_market.cpp sells it) and
/// counts the trade in its network and the supply shares.
void ring_takes_card(World& w, int32_t ring, int32_t seller, uint32_t card);

/// Cards in use make attempts; successes are cases with heavy-tailed losses,
/// some reported to the police (phase Fraud).
void rings_commit_fraud(World& w);

}  // namespace cardsim
