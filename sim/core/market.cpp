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

// ---- merchants' willingness to pay farmers ----
/// EMA weight of a day's sales per present merchant (the same memory as the
/// merchants' profit and unit cost, agents/broker.cpp).
constexpr double kSalesMemory = 0.1;
/// EMA weight of a day's share of farmers' cards that the activation checks let
/// through (Market::farmer_yield): recruiters learn it at the merchants' pace.
constexpr double kFarmerYieldMemory = kSalesMemory;

void update_merchant_sales(World& w) {
  int64_t present = 0;
  for (int32_t b : w.brokers.of_kind[std::size_t(BrokerKind::Merchant)]) present += w.broker_present(b) ? 1 : 0;
  if (present == 0) return;  // no merchant at work: nothing learned about volume
  Market& m = w.market;
  const double today = m.merchant_sold / double(present);
  m.merchant_sales_per_day = m.merchant_sales_per_day > 0 ? m.merchant_sales_per_day + kSalesMemory * (today - m.merchant_sales_per_day)
                                                           : today;
}
// ---- end merchants' willingness to pay farmers ----

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

double farmer_pay_yuan(const Params& p, double ask_yuan, double value_yuan) {
  return ask_yuan + p.market_farmer_bargaining_share * std::max(0.0, value_yuan - ask_yuan);
}

double mean_sentence_days(const Params& p) {
  return 0.5 * double(p.police_sentence_min_days + p.police_sentence_max_days);
}

double mean_fine_yuan(const Params& p) { return 0.5 * (p.police_fine_min_yuan + p.police_fine_max_yuan); }

double merchant_risk_cost_yuan(const World& w) {
  const double risk = w.risk.merchant;
  if (risk <= 0) return 0.0;
  const double per_year = 365.0 * w.market.merchant_sales_per_day;
  if (per_year <= 0) return 1e9;  // a risk with no sales to spread it over: no card is worth it
  const Params& p = w.p;
  const double unit_cost = merchants_unit_cost(w);
  // What an arrest costs a merchant: fine, damages, the stock seized, and the
  // margin it would have earned over the sentence.
  const double fine = mean_fine_yuan(p);
  const double stock = double(p.brokers_target_stock) * unit_cost;
  const double lost_income = mean_sentence_days(p) / 365.0 * per_year * std::max(0.0, w.market.price_scammer - unit_cost);
  return risk * (fine + p.police_damages_yuan + stock + lost_income) / per_year;
}

double merchant_farmer_ceiling_yuan(const World& w) {
  const double markup = 1.0 + w.p.market_min_markup;
  return std::max(1.0, w.market.price_scammer / markup - merchant_risk_cost_yuan(w));
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

  update_merchant_sales(w);

  // Farmers are paid by the bargain struck with each seller (farmer_pay_yuan):
  // the reported price is today's mean pay per card, kept on a day without a
  // sale. Tomorrow's recruiters buy from holders asking at most what a card
  // is worth to the merchants at today's ring price and risk.
  if (m.farmer_obtained > 0) m.price_farmer = m.farmer_paid / m.farmer_obtained;
  if (m.farmer_cards_tried > 0)
    m.farmer_yield += kFarmerYieldMemory * (m.farmer_obtained / m.farmer_cards_tried - m.farmer_yield);
  m.farmer_value = merchant_farmer_ceiling_yuan(w);

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
