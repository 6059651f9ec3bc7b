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

}  // namespace cardsim
