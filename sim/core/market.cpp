#include "core/market.h"

#include <algorithm>
#include <cmath>

namespace cardsim {
namespace {

/// Mean unit cost of the merchants' recent production, weighted by stock.
double merchants_unit_cost(const World& w) {
  double cost = 0, weight = 0;
  for (std::size_t b = 0; b < w.brokers.kind.size(); ++b) {
    if (w.brokers.kind[b] != BrokerKind::Merchant) continue;
    const double wt = 1.0 + double(w.brokers.stock[b].size());
    cost += wt * w.brokers.unit_cost_ema[b];
    weight += wt;
  }
  return weight > 0 ? cost / weight : 0.0;
}

// ---- rising supply curve: the offer to a finite pool of farmers ----
/// With a finite pool, a short merchant raises the offer only as far as it
/// buys sellers: (refused - accepted) / reached among the willing holders its
/// recruiters reached today, in (-1, 1); 0 when none was reached (a higher
/// offer would not have found anyone). While orders go unfilled the offer
/// settles where half the willing holders reached would sell: the median
/// asking price of the pool as it stands, which rises as selling removes the
/// cheapest.
double offer_refusal_balance(const FarmerPool& f) { return refusal_balance(f.reached_today, f.refused_today); }
// ---- end rising supply curve ----

}  // namespace

double moved(double price, double speed, double pressure, double floor, double ceiling) {
  return std::clamp(price * std::exp(speed * pressure), floor, std::max(floor, ceiling));
}

double refusal_balance(double reached, double refused) {
  if (reached <= 0) return 0.0;
  return (2.0 * refused - reached) / reached;
}

double offer_pressure(const OfferTallies& t, double buys_sellers) {
  const double shortfall = t.ordered > 0 ? (t.ordered - t.obtained) / t.ordered : 0.0;
  const double slack = t.contacts_cap > 0 ? (t.contacts_cap - t.contacts_used) / t.contacts_cap : 0.0;
  return shortfall * buys_sellers - slack;
}

double excess_demand(double wanted, double available) {
  // One unit of damping: a sliver of demand against an empty shelf is not a
  // reason for the price to run away.
  return (wanted - available) / (wanted + available + 1.0);
}

void update_prices(World& w) {
  Market& m = w.market;
  const double speed = w.p.market_price_speed;
  const double markup = 1.0 + w.p.market_min_markup;

  // Scammer cards: rings' wanted cards against the stock offered; merchants
  // never sell below their unit cost plus the minimum markup.
  const double floor_s = std::max(1.0, merchants_unit_cost(w) * markup);
  m.price_scammer = moved(m.price_scammer, speed, excess_demand(m.scammer_wanted, m.scammer_offered), floor_s, 1e9);

  // Farmer offers: unfilled orders push up, unused recruiting reach pulls down.
  if (m.farmer_ordered > 0 || m.farmer_contacts_cap > 0) {
    const OfferTallies t{m.farmer_ordered, m.farmer_obtained, m.farmer_contacts_cap, m.farmer_contacts_used};
    const double buys_sellers = w.p.farmer_pool_enabled ? offer_refusal_balance(w.farmer_pool) : 1.0;
    m.price_farmer = moved(m.price_farmer, speed, offer_pressure(t, buys_sellers), 1.0,
                           w.p.market_farmer_price_cap_share * m.price_scammer);
  }

  // White cards: orders against the capacity of insiders willing at this
  // price; openers pay at most what a finished card fetches, less its record.
  const double white_ceiling = (m.price_scammer - m.price_record) / markup;
  if (m.white_ordered > 0 || m.white_capacity > 0)
    m.price_white = moved(m.price_white, speed, excess_demand(m.white_ordered, m.white_capacity), 1.0, white_ceiling);

  // Records: orders against suppliers' stock; floor at the harvesting cost.
  // By profit (records.by_profit), face records (labor agencies' stock, face
  // orders) clear apart from ID-only records (data sellers' stock, ID orders).
  double stock = 0, face_stock = 0;
  for (std::size_t b = 0; b < w.brokers.records.size(); ++b) {
    stock += double(w.brokers.records[b].size());
    if (w.brokers.kind[b] == BrokerKind::LaborAgency) face_stock += double(w.brokers.records[b].size());
  }
  m.record_stock = stock;
  m.face_record_stock = face_stock;
  const double record_floor = std::max(0.01, w.p.records_cost_yuan * markup);
  if (!w.p.records_by_profit) {
    m.price_record = moved(m.price_record, speed, excess_demand(m.record_ordered, stock), record_floor, 1e9);
    return;
  }
  m.price_record = moved(m.price_record, speed, excess_demand(m.record_ordered, stock - face_stock), record_floor, 1e9);
  m.price_face_record = moved(m.price_face_record, speed, excess_demand(m.face_record_ordered, face_stock),
                              record_floor, 1e9);
}

}  // namespace cardsim
