// Market prices: each price moves every day with excess demand in its own
// market (tatonnement), bounded below by the sellers' costs. No price is fixed.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Excess demand in (-1, 1): (wanted - available) / (wanted + available + 1).
double excess_demand(double wanted, double available);

/// Mean of the sentences a court hands down (controls.police.sentence_min_days
/// to sentence_max_days), days.
double mean_sentence_days(const Params& p);

/// Mean of the fines a court imposes (controls.police.fine_min_yuan to
/// fine_max_yuan), yuan.
double mean_fine_yuan(const Params& p);

/// Merchants' risk cost of one card, yuan: their perceived chance of arrest
/// within a year (risk.merchant) times what an arrest costs a merchant, spread
/// over the cards a merchant sells in a year (docs/model.md 7, step 2).
double merchant_risk_cost_yuan(const World& w);

/// The most a merchant pays a farmer for a card: what the card resells for,
/// at the merchants' minimum markup over their cost, less their risk cost per
/// card; at least 1 yuan (docs/model.md 7, step 2). Recruiters buy from a
/// holder whose ask is at most this (Market::farmer_value, set each day).
double merchant_farmer_ceiling_yuan(const World& w);

/// What a farmer is paid for a card whose holder asked `ask_yuan`, when the
/// merchants' willingness to pay is `value_yuan` (>= ask): the ask plus
/// market.farmer_bargaining_share of the surplus between them (docs/model.md 7, step 2).
double farmer_pay_yuan(const Params& p, double ask_yuan, double value_yuan);

/// price x exp(speed x pressure), kept within [floor, max(floor, ceiling)]:
/// how every price of the model moves in a day.
double moved(double price, double speed, double pressure, double floor, double ceiling);

/// A day's recruiting for an offer to sellers (farmers' cards, bank accounts).
struct OfferTallies {
  double ordered = 0, obtained = 0;         // units wanted and bought
  double contacts_cap = 0, contacts_used = 0;  // people the recruiters could reach and did
};

/// (refused - accepted) / reached among the willing people reached, in
/// (-1, 1); 0 when none was reached.
double refusal_balance(double reached, double refused);

/// How far a day's recruiting moves an offer: unfilled orders push it up,
/// scaled by `buys_sellers` (1 when a higher offer buys every seller it
/// reaches; the refusal balance when it buys only those who refused on
/// price), and unused reach pulls it down.
double offer_pressure(const OfferTallies& t, double buys_sellers);

/// Updates the four prices from today's tallies (phase Adaptation).
void update_prices(World& w);

}  // namespace cardsim
