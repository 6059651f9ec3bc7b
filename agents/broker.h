// Brokers: labor agencies and data sellers harvest identity records; card
// merchants make cards through the farmer, harvested-identity and white-card
// channels and shift effort toward the most profitable; raising teams keep
// cards alive for dealer commissions; organisers run code-harvesting groups.
#pragma once

#include "core/world.h"

namespace cardsim {

// Life cycle: a broker's niche is filled when the world is built and refilled
// after an arrest; the newcomer keeps the niche's unit cost and raising effort.

/// A broker enters its niche with no records, even channel weights and no
/// profit memory. Used when the world is built and by replace_broker; the
/// predecessor's cards (stock, cards being raised) must be gone already.
void broker_enters(World& w, std::size_t broker);

/// After an arrest the niche stays empty for brokers.replacement_days; the
/// successor enters as broker_enters says.
void replace_broker(World& w, int32_t broker);

/// Served sentences (controls.police.sentences_served): the niche stays empty
/// for the longer of the sentence and brokers.replacement_days, then the same
/// person returns, as broker_enters says, with one more conviction on record
/// (World::restraint scales their activity down).
void broker_serves_sentence(World& w, int32_t broker, int64_t sentence_days);

/// Sets raising teams' expected profit from day-0 prices and rules.
void init_broker_expectations(World& w);

/// Labor agencies and data sellers gather records (phase Records).
void harvest_records(World& w);

/// Merchants and raising teams make cards (phase Production).
void produce_cards(World& w);

/// Merchants move effort between channels by recent profit (phase Adaptation).
void adapt_merchants(World& w);

// Raising-team bookkeeping, called by the carrier.
void raiser_commission_paid(World& w, uint32_t card, double share);
void raiser_card_lost(World& w, int32_t raiser, double refund);
/// A raised card's commission came in: resell it or let it lapse.
void raised_card_matured(World& w, Stream& s, uint32_t card);

// ---- entry and exit by profit: merchants (brokers.entry.*; docs/model.md, "Entry and exit by profit") ----

/// What the candidates for the empty places of one broker kind see of its
/// market, read once a day when the kind's places are filled (entry_view):
/// each place taken then counts in the next candidate's share.
struct EntryView {
  double places_taken = 0;    // places sharing the kind's demand, worked or about to be (not vacant):
                              // merchants', or both supplier kinds'; 0 for raisers and organisers
  double unit_cost_yuan = 0;  // merchants: their mean cost of a card made (their unit_cost_ema)
  double cards_wanted = 0;    // merchants: cards the buyers of every use wanted today (market.scammer_wanted)
};
EntryView entry_view(const World& w, BrokerKind kind);

/// Trading profit candidates for the empty place `merchant` expect a day,
/// yuan: today's demand per place taken (restrained by their record) times the
/// resale price less the merchants' mean unit cost (`view`: entry_view of merchants).
double expected_merchant_profit_yuan_per_day(const World& w, const EntryView& view, int32_t merchant);

/// A broker's worth: its ledger balance plus its stock at what it cost (records,
/// a merchant's cards, cards being raised). Its change is the profit that the
/// entry rule reads, so that buying stock is not counted as a loss the day it
/// is bought (a data seller filling its record stock, a raising team waiting
/// commission.delay_days for its first commission).
double broker_worth_yuan(const World& w, std::size_t broker);

/// Phase Entry, every day, after the rings: the merchants' row of the broker
/// kinds' rule (brokers_enter_and_exit runs the others after the insiders).
/// Empty places whose candidates expect at least the entry threshold are
/// taken, each working merchant's day of trading profit (the change in its
/// worth) enters its moving average (and merchant_profit_yuan), and merchants
/// whose recent profit stayed below the exit threshold for
/// brokers.entry.exit_days days leave, their unsold stock abandoned (Expired)
/// and their place empty. Counts merchants_active, merchant_entries and
/// merchant_exits. With brokers.entry.enabled off only the bookkeeping and the
/// metrics run.
void merchants_enter_and_exit(World& w);

// ---- end entry and exit by profit: merchants ----

// ---- entry and exit by profit: raisers, record suppliers, organisers ----
// The merchants' rule for the other broker kinds (raising.entry.*,
// records.entry.*, organisers.entry.*; docs/model.md 7.3), each off by default.

/// What candidates for an empty raiser place expect a day: raising.cards_per_day
/// (less for a record) at today's margin per raised card, 0 without a dealer insider.
double expected_raiser_profit_yuan_per_day(const World& w, int32_t raiser);

/// Labour-agency and data-seller places worked or about to be (not empty).
double supplier_places_taken(const World& w);

/// What candidates for an empty labour-agency or data-seller place expect a
/// day: an equal share of today's record orders among the `places_taken`
/// supplier places, at their record's price less records.cost_yuan.
double expected_supplier_profit_yuan_per_day(const World& w, int32_t supplier, double places_taken);

/// The expectation of candidates for an empty place of the broker's kind,
/// from `view`, the entry_view of that kind.
double expected_broker_profit_yuan_per_day(const World& w, const EntryView& view, int32_t broker);

/// A broker leaves its place: its stock and cards being raised are abandoned
/// (Expired), the place is empty and the exit is counted in `exits`.
void broker_exits(World& w, int32_t broker, Metric exits);

/// Phase Entry, after the merchants: the day of every working raiser, labour
/// agency, data seller and organiser (its profit is the change in its ledger
/// balance), exits by profit and empty places taken, for each kind whose rule
/// is on; raisers_active, suppliers_active, organisers_active and their
/// entries, exits and profit are counted either way.
void brokers_enter_and_exit(World& w);

// ---- end entry and exit by profit: raisers, record suppliers, organisers ----

}  // namespace cardsim
