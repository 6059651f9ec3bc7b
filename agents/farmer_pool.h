// The pool of identity holders willing to sell a card, and the credit
// sanction of F19 Art. 31 (sanctions.*). The pool is a count per region plus
// the individuals known to it (recruited farmers, the sanctioned), so a day
// costs O(regions + events), never O(population). docs/model.md, "Finite
// farmers", states the flows.
#pragma once

#include <cstdint>

#include "core/world.h"

namespace cardsim {

/// Daily inflow (holders who become willing) and outflow (who stop being
/// willing without selling) per region, and the return of holders whose
/// sanction ends today. Called once a day before merchants recruit.
void update_farmer_pool(World& w);

/// Whether a recruiter's contact with `person` reaches a willing seller: the
/// reach thins with the pool (willing / untapped size of the person's region),
/// and a holder barred by a sanction cannot sell. Draws one number when the
/// pool is on, none when it is off.
bool reaches_willing_seller(World& w, Stream& s, uint32_t person);

/// A reached person accepted: they leave the willing count while recruited.
void recruit_farmer(World& w, uint32_t person);

/// After the recruited farmer's visit: one whose live cards reached the
/// per-ID cap can sell no more and leaves; the others return to the pool.
void farmer_visit_done(World& w, uint32_t person);

/// A known farmer leaves the pool (arrest, sanction); `cause` counts it.
void farmer_leaves_pool(World& w, uint32_t person, Metric cause);

/// A farmer card shut for fraud: its holder may be sanctioned (sanctions.*).
void farmer_card_shut(World& w, uint32_t card);

/// An arrested farmer serving a sentence (controls.police.sentences_served):
/// listed with the sanctioned for the sentence, then, with sanctions.enabled,
/// for a credit sanction of sanctions.duration_days (the record), under the
/// bars of sanctions.bars_selling and sanctions.bars_new_cards; they return
/// to the willing pool when the bar ends, as a sanctioned holder does.
void farmer_serves_sentence(World& w, uint32_t person, int64_t sentence_days);

/// Whether `identity` is under a credit sanction today.
bool under_sanction(const World& w, uint32_t identity);

}  // namespace cardsim
