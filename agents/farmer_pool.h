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

/// A recruiter's contact with `person`: kNotReached, or the reservation band
/// of the willing seller reached (kFreshReservation when the pool is off:
/// every contact is a fresh holder who draws a reservation of their own).
/// The reach thins with the pool (willing / untapped size of the person's
/// region), a holder barred by a sanction cannot sell, and the one reached is
/// drawn among the region's willing, known or anonymous, each equally likely.
/// Draws two numbers when the pool is on, none when it is off.
constexpr int kNotReached = -1, kFreshReservation = -2;
/// Who a contact reached: their band (or kNotReached, kFreshReservation),
/// their identity (the contact's, or a known seller's: farmers back from a
/// visit are met again under their own identity, so their cards add up
/// towards the per-ID cap) and, for a known seller, their index in the
/// region's list (-1 otherwise).
struct Reached {
  int band;
  uint32_t person;
  int64_t known_index;
};
Reached reach_willing_seller(World& w, Stream& s, uint32_t person);

/// What the holder reached asks, in yuan: a pool member their band's
/// reservation price (a rising supply curve) raised by awareness and risk;
/// with the pool off, a fresh reservation is drawn (one normal draw).
double reached_ask_yuan(World& w, Stream& s, int band);

/// Whether the holder reached accepts `offer_yuan` (their ask, reached_ask_yuan,
/// is at most the offer); the ask is written to `ask_yuan` when given, for the
/// merchants' probe of their supply curve (core/market.h, OfferProbe). Counts
/// the reached and the refusals (farmer_pool.reached_today, refused_today).
bool accepts_offer(World& w, Stream& s, int band, double offer_yuan, double* ask_yuan = nullptr);

/// Reservation price of band `band`, in yuan (before awareness and risk).
double band_reservation_yuan(const Params& p, int band);

/// What one contact is expected to leave a recruiter whose card is worth
/// `value_yuan` to its merchant: the chance that the person reached would
/// sell times the mean of (value - ask) over the asks below the value, in
/// yuan per contact and per card. From the log-normal reservation prices
/// with the pool off, from the pool's bands with it on.
double expected_surplus_per_contact_yuan(const World& w, double value_yuan);

/// A reached person accepted: they leave the willing count (and their band;
/// a known seller the list too) while recruited.
void recruit_farmer(World& w, const Reached& seller);

/// After the recruited farmer's visit: one whose live cards reached the
/// per-ID cap can sell no more and leaves; the others return to their band.
void farmer_visit_done(World& w, uint32_t person, int band);

/// The pool's first state: each region's untapped size spread over the bands
/// by the reservation distribution (deterministic, no draw).
void init_farmer_pool(World& w);

/// A known farmer leaves the pool (arrest, sanction) from their own band;
/// `cause` counts it. One not listed (never sold, or left already) is not
/// removed.
void farmer_leaves_pool(World& w, uint32_t person, Metric cause);

/// A credit sanction of sanctions.duration_days for `person`, identified as
/// the seller of a card or (two cards, sanctions.covers_bank_accounts) of a
/// bank account frozen for fraud.
void sanction_holder(World& w, uint32_t person);

/// A farmer card shut for fraud: its holder may be sanctioned (sanctions.*).
void farmer_card_shut(World& w, uint32_t card);

/// An arrested farmer serving a sentence (controls.police.sentences_served):
/// listed with the sanctioned for the sentence, then, with sanctions.enabled,
/// for a credit sanction of sanctions.duration_days (the record), under the
/// bars of sanctions.bars_selling and sanctions.bars_new_cards; they return
/// to the willing pool when the bar ends, as a sanctioned holder does.
void farmer_serves_sentence(World& w, uint32_t person, int64_t sentence_days);

/// Median reservation price of all regions' willing holders, in yuan (the
/// middle of the median band; 0 with the pool off or empty). O(regions x bands).
double pool_median_reservation_yuan(const World& w);

/// Whether `identity` is under a credit sanction today.
bool under_sanction(const World& w, uint32_t identity);

}  // namespace cardsim
