#include "agents/broker.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <iterator>

#include "agents/carrier.h"
#include "agents/citizen.h"
#include "agents/entry.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "core/market.h"
#include "core/identity_lookahead.h"
#include "core/open_positions.h"

namespace cardsim {
namespace {

constexpr double kMinWeight = 0.02;   // an enabled channel keeps some trial effort
constexpr double kProfitMemory = 0.1; // EMA weight of today's profit observation

bool is_supplier(BrokerKind k) { return k == BrokerKind::LaborAgency || k == BrokerKind::DataSeller; }

/// Brokers that can sell an identity record, in the order they are tried:
/// labor agencies alone when a face photo is needed, labor agencies then data
/// sellers otherwise (data sellers first when face records have their own
/// price, records.by_profit: an ID-only buyer goes to the cheaper ID-only
/// supply first). Found by kind, wherever the world put them.
class RecordSuppliers {
 public:
  RecordSuppliers(const Brokers& b, bool need_face, bool sellers_first)
      : first_(sellers_first && !need_face ? b.all(BrokerKind::DataSeller) : b.all(BrokerKind::LaborAgency)),
        second_(need_face ? none_ : sellers_first ? b.all(BrokerKind::LaborAgency) : b.all(BrokerKind::DataSeller)) {}
  std::size_t size() const { return first_.size() + second_.size(); }
  std::size_t first_size() const { return first_.size(); }
  std::size_t operator[](std::size_t k) const {
    return std::size_t(k < first_.size() ? first_[k] : second_[k - first_.size()]);
  }

 private:
  static inline const std::vector<int32_t> none_;
  const std::vector<int32_t>& first_;
  const std::vector<int32_t>& second_;
};

/// A bought identity record, the supplier who sold it and the price paid.
struct Record {
  uint32_t identity = kNone;
  int32_t supplier = -1;
  double price = 0;
};

/// What a record from supplier `i` costs today: with records.by_profit a
/// labor agency's record (ID and face) sells at the face-record price.
double record_price_of(const World& w, std::size_t i) {
  return w.p.records_by_profit && w.brokers.kind[i] == BrokerKind::LaborAgency ? w.market.price_face_record
                                                                               : w.market.price_record;
}

constexpr std::size_t kNoSupplier = ~std::size_t(0);

/// The suppliers with records to sell, by position in each RecordSuppliers
/// order ([need_face]), for one day's production. While production runs,
/// records leave a supplier's stock only through buy_record (suppliers
/// harvest earlier, in Phase::Records) and no supplier is arrested or enters
/// (police and entry come later), so a supplier once found without records
/// stays without until production ends.
using RecordSellersToday = OpenPositions[2];

/// What a merchant's or raiser's channel has ordered, obtained and spent today.
struct ChannelTally {
  double ordered = 0, obtained = 0, spend = 0;
  /// Where the activations on records this tally ordered count what they
  /// obtain, once decided: ProductionToday::tally_of; kNone for a raiser's,
  /// who learns from commissions paid instead.
  uint32_t id = kNone;
};

/// An activation on a bought record (a merchant's harvested or white card, a
/// raiser's raised card). Every broker buys its records, white cards and
/// outlets first; the checks come afterwards, by blocks of the records'
/// holders (decide_record_activations), and the cards are made after that,
/// in the order they were bought (make_record_cards). What a broker buys
/// never depends on whether an earlier activation was refused, so only the
/// order of the checks moves, and with it what a holder's record reads.
struct RecordActivation {
  uint32_t identity = kNone;
  uint32_t outlet = kNone;
  int32_t broker = -1;
  int32_t supplier = -1;   // who sold the record: a police trace can follow the card to them
  int32_t insider = -1;    // whose white card or location-editing login is used; -1: none
  uint32_t tally = kNone;  // ChannelTally::id of the channel that ordered it
  uint32_t nth = 0;        // the broker's nth activation on a record today: its checks' stream
  Channel channel = Channel::Harvested;
  bool insider_login = false;  // a white card, registered inside the dealer system
  bool location_edit = false;  // the login can rewrite the activation location (F3)
  bool accepted = false;       // no check refused it
  bool first_misuse = false;   // accepted, and the first card in its holder's name without them
};

/// A merchant's day between its purchases and its farmers: farmers are
/// recruited for their own share and for what the other channels fell short
/// of, known once the activations on records are decided.
struct MerchantDay {
  MerchantDay(std::size_t m, const Stream& s) : merchant(m), stream(s) {}
  std::size_t merchant;
  Stream stream;  // the merchant's production stream, where its purchases left it
  int64_t split[kProductionChannels] = {};
  ChannelTally tally[kProductionChannels];
};

/// One day's production, kept between days (no allocation per day).
struct ProductionToday {
  RecordSellersToday record_sellers;
  std::vector<RecordActivation> activations;  // in the order they were bought
  std::vector<MerchantDay> merchants;         // merchants with an order today, in broker order
  std::vector<uint32_t> holders;              // activations[k].identity, for the order of pages
  PageOrder pages;
  ChannelTally& tally_of(uint32_t id) { return merchants[id / kProductionChannels].tally[id % kProductionChannels]; }
};

/// Set by produce_cards while it runs on this thread, the only caller of
/// buy_record and of the channels' production functions: a replicate's
/// purchases run on one thread, and they are reached from each channel's
/// production function, whose signature is the channel table's.
thread_local ProductionToday* t_production = nullptr;

ProductionToday& production_today() {
  assert(t_production && "production runs only inside produce_cards");
  return *t_production;
}

/// Whether position `k` of `suppliers` is a present supplier with records.
bool has_records(const World& w, const RecordSuppliers& suppliers, std::size_t k) {
  const std::size_t i = suppliers[k];
  return !w.brokers.records[i].empty() && w.broker_present(int32_t(i));
}

/// A present supplier with records to sell, asked in turn from position
/// `start` of `suppliers` on (wrapping round once), or kNoSupplier. Once
/// records run short most suppliers hold none, and a buyer asking each in
/// turn made thousands of steps per purchase (national runs): only suppliers
/// with records are visited now, in the same order (RecordSellersToday).
std::size_t first_supplier_with_records(const World& w, const RecordSuppliers& suppliers, std::size_t start,
                                        bool need_face) {
  OpenPositions& open = production_today().record_sellers[need_face];
  const std::size_t k = open.first_from(start, [&](std::size_t at) { return has_records(w, suppliers, at); });
  return k < suppliers.size() ? suppliers[k] : kNoSupplier;
}

/// Buys one identity record from a supplier that has one; identity kNone when
/// none. Harvested activations need a face photo, so only labor agencies serve them.
Record buy_record(World& w, Stream& s, uint32_t buyer_account, bool need_face) {
  const bool own_face_market = w.p.records_by_profit;
  (own_face_market && need_face ? w.market.face_record_ordered : w.market.record_ordered) += 1;
  Brokers& b = w.brokers;
  const RecordSuppliers suppliers(b, need_face, own_face_market);
  const std::size_t count = suppliers.size();
  if (count == 0) return {};
  // By profit, an ID-only buyer starts at a random data seller (agencies after them).
  const bool from_first = own_face_market && !need_face && suppliers.first_size() > 0;
  const std::size_t start = s.below(from_first ? suppliers.first_size() : count);
  // Found out earlier today: nothing to buy (the draw above is kept, so that
  // knowing it changes no later draw).
  if (w.market.records_out > 0 || (need_face && w.market.face_records_out > 0)) return {};
  const std::size_t i = first_supplier_with_records(w, suppliers, start, need_face);
  if (i == kNoSupplier) {
    (need_face ? w.market.face_records_out : w.market.records_out) = 1;
    return {};
  }
  const uint32_t identity = b.records[i].back();
  b.records[i].pop_back();
  const double price = record_price_of(w, i);
  w.ledger.transfer(buyer_account, w.ledger.broker(int32_t(i)), price);
  w.market.record_delivered += 1;
  return {identity, int32_t(i), price};
}

/// A present insider linked to this broker with white cards left, or -1.
int32_t find_white_seller(World& w, Stream& s, std::size_t broker) {
  const auto& links = w.brokers.insiders[broker];
  if (links.empty()) return -1;
  const std::size_t start = s.below(links.size());
  for (std::size_t k = 0; k < links.size(); ++k) {
    const int32_t ins = links[(start + k) % links.size()];
    if (w.insider_present(ins) && w.insiders.white_left_today[std::size_t(ins)] > 0) return ins;
  }
  return -1;
}

/// A linked insider is present but asks more than today's white-card price.
bool linked_insider_priced_out(const World& w, std::size_t broker) {
  for (int32_t ins : w.brokers.insiders[broker])
    if (w.insider_present(ins) && insider_white_ask(w, ins) > w.market.price_white) return true;
  return false;
}

/// A linked insider whose login can edit the activation location (F3), or -1.
int32_t location_login(const World& w, std::size_t broker) {
  for (int32_t ins : w.brokers.insiders[broker])
    if (login_edits_location(w, ins)) return ins;
  return -1;
}

void add_to_stock(World& w, std::size_t broker, uint32_t card) {
  w.brokers.stock[broker].push_back(card);
  schedule_commission(w, card);
}

/// Orders an activation on a bought record, for the harvested, white and
/// raising paths; the checks decide it after every broker has bought
/// (RecordActivation). `insider` is the insider whose white card
/// (insider_login) or location-editing login is used, -1 for none.
void order_activation_on_record(World& w, std::size_t broker, const Record& record, uint32_t outlet,
                                Channel channel, bool insider_login, int32_t insider, const ChannelTally& t) {
  RecordActivation a;
  a.identity = record.identity;
  a.outlet = outlet;
  a.broker = int32_t(broker);
  a.supplier = record.supplier;
  a.insider = insider;
  a.tally = t.id;
  a.channel = channel;
  a.insider_login = insider_login;
  a.location_edit = insider >= 0 && login_edits_location(w, insider);
  // A broker's purchases are one run of the day's activations (brokers buy one after another).
  std::vector<RecordActivation>& activations = production_today().activations;
  if (!activations.empty() && activations.back().broker == a.broker) a.nth = activations.back().nth + 1;
  activations.push_back(a);
}

/// A recruiter's mean contacts today. With farmer.contact_cost_yuan 0 the
/// reach is fixed at farmer.contacts_per_recruiter (k0). Otherwise the k-th
/// contact of a day costs c k / k0 (ads and recruiters' time get dearer), and
/// the recruiter contacts people while a contact is expected to leave more
/// than it costs: k = k0 S / c, with S the expected surplus of one contact
/// (its cards times the value less the ask, when the person sells). Reach then
/// follows the merchants' margin instead of being fixed (docs/model.md 7).
double recruiter_mean_contacts(const World& w) {
  const double k0 = w.p.farmer_contacts_per_recruiter, c = w.p.farmer_contact_cost_yuan;
  if (c <= 0) return k0;
  // A contact's surplus counts only the cards the activation checks let
  // through, as recruiters have seen lately (Market::farmer_yield): paying
  // for contacts whose cards are refused would only raise the merchants' cost.
  const double surplus = double(w.p.farmer_cards_per_farmer) * w.market.farmer_yield *
                         expected_surplus_per_contact_yuan(w, w.market.farmer_value);
  return k0 * surplus / c;
}

/// What `contacts` contacts in a day cost a recruiter: c k^2 / (2 k0) yuan.
double recruiting_cost_yuan(const Params& p, int64_t contacts) {
  if (p.farmer_contact_cost_yuan <= 0 || p.farmer_contacts_per_recruiter <= 0) return 0.0;
  const double k = double(contacts);
  return p.farmer_contact_cost_yuan * k * k / (2.0 * p.farmer_contacts_per_recruiter);
}

void produce_farmer(World& w, Stream& s, std::size_t m, int64_t order, ChannelTally& t) {
  const uint32_t account = w.ledger.broker(int32_t(m));
  const int64_t contacts = s.poisson(recruiter_mean_contacts(w));
  // Each holder reached names an ask; the recruiter takes it when a card is
  // worth that much to the merchant, and the two split the surplus
  // (docs/model.md 7, step 2).
  const double value = w.market.farmer_value;
  w.market.farmer_ordered += double(order);
  w.market.farmer_contacts_cap += double(contacts);
  int64_t got = 0, used = 0;
  for (; used < contacts && got < order; ++used) {
    const Reached seller = reach_willing_seller(w, s, w.random_identity(s));
    if (seller.band == kNotReached) continue;
    const uint32_t person = seller.person;
    const int band = seller.band;
    double ask = 0;
    if (!accepts_offer(w, s, band, value, &ask)) continue;
    const double pay = farmer_pay_yuan(w.p, ask, value);
    recruit_farmer(w, seller);
    const int64_t want = std::min<int64_t>(w.p.farmer_cards_per_farmer, order - got);
    w.market.farmer_cards_tried += double(want);
    for (int64_t k = 0; k < want; ++k) {
      const uint32_t card = open_farmer_card(w, s, person, int32_t(m));
      if (card == kNone) break;
      w.ledger.transfer(account, w.ledger.pool(Pool::Farmers), pay);
      t.spend += pay;
      w.market.farmer_paid += pay;
      add_to_stock(w, m, card);
      ++got;
    }
    farmer_visit_done(w, person, band);
  }
  const double cost = recruiting_cost_yuan(w.p, used);
  if (cost > 0) {
    w.ledger.transfer(account, w.ledger.pool(Pool::Suppliers), cost);
    t.spend += cost;
  }
  w.market.farmer_contacts_used += double(used);
  w.market.farmer_obtained += double(got);
  t.obtained += double(got);
}

void produce_harvested(World& w, Stream& s, std::size_t m, int64_t order, ChannelTally& t) {
  const uint32_t account = w.ledger.broker(int32_t(m));
  const int32_t login = location_login(w, m);
  for (int64_t k = 0; k < order; ++k) {
    const Record record = buy_record(w, s, account, true);
    if (record.identity == kNone) break;
    t.spend += record.price;
    const uint32_t outlet = w.random_outlet_in(s, w.brokers.region[m]);
    order_activation_on_record(w, m, record, outlet, Channel::Harvested, false, login, t);
  }
}

/// One white card bought from `insider` and a record to register it on, its
/// activation ordered; nothing ordered when either could not be bought.
void buy_white_card_and_record(World& w, Stream& s, std::size_t broker, int32_t insider, Channel channel,
                               ChannelTally& t) {
  const uint32_t account = w.ledger.broker(int32_t(broker));
  if (!buy_white_card(w, insider, account)) {
    if (w.insider_present(insider) && insider_white_ask(w, insider) > w.market.price_white) w.market.white_ordered += 1;
    return;
  }
  w.market.white_ordered += 1;
  t.spend += w.market.price_white;
  const Record record = buy_record(w, s, account, false);
  if (record.identity == kNone) return;  // the white card waits unused; its cost is sunk
  t.spend += record.price;
  const auto outlet = uint32_t(w.insiders.outlet[std::size_t(insider)]);
  order_activation_on_record(w, broker, record, outlet, channel, true, insider, t);
}

void produce_white(World& w, Stream& s, std::size_t m, int64_t order, ChannelTally& t) {
  for (int64_t k = 0; k < order; ++k) {
    const int32_t insider = find_white_seller(w, s, m);
    if (insider < 0) {
      // Insiders who would sell at a higher price push the price up; those
      // who simply have no cards left today ration by quantity instead.
      if (linked_insider_priced_out(w, m)) w.market.white_ordered += 1;
      break;
    }
    buy_white_card_and_record(w, s, m, insider, Channel::White, t);
  }
}

/// Raised cards: white cards kept looking used until their commission is paid.
void produce_raised(World& w, Stream& s, std::size_t r, int64_t order, ChannelTally& t) {
  const int32_t insider = w.brokers.insiders[r][0];
  for (int64_t k = 0; k < order; ++k) buy_white_card_and_record(w, s, r, insider, Channel::Raised, t);
}

/// Each channel's production function, named by channels.def: a row without
/// its function does not compile.
using Production = void (*)(World&, Stream&, std::size_t broker, int64_t order, ChannelTally&);
constexpr Production kProduction[] = {
#define CHANNEL(id, key, label, enabled, maker, produce, ...) produce,
#include "core/channels.def"
#undef CHANNEL
};
static_assert(std::size(kProduction) == std::size_t(kChannelCount));
static_assert(count_channels_made_by(Maker::Raiser) == 1,
              "raisers make one channel (Raised); a second one needs its own order rule in run_raiser");

void produce(World& w, Stream& s, Channel c, std::size_t broker, int64_t order, ChannelTally& t) {
  kProduction[int(c)](w, s, broker, order, t);
}

/// Whether the channel in slot `c` of a merchant's weights is switched on.
bool merchant_uses(const World& w, int c) { return channel_enabled(w.p, kMerchantChannels[std::size_t(c)]); }

/// Splits an order across enabled channels by the merchant's weights.
void split_order(World& w, Stream& s, std::size_t m, int64_t order, int64_t out[kProductionChannels]) {
  double total = 0;
  double wt[kProductionChannels];
  for (int c = 0; c < kProductionChannels; ++c) {
    wt[c] = merchant_uses(w, c) ? w.brokers.weight[m * kProductionChannels + std::size_t(c)] : 0.0;
    total += wt[c];
    out[c] = 0;
  }
  if (total <= 0) return;
  for (int64_t k = 0; k < order; ++k) {
    double u = s.uniform() * total;
    int c = 0;
    while (c < kProductionChannels - 1 && (u -= wt[c]) > 0) ++c;
    while (wt[c] <= 0) --c;  // rounding at the top end
    out[c]++;
  }
}

void record_profit(World& w, std::size_t m, int c, const ChannelTally& t) {
  if (t.ordered <= 0) return;
  const double profit = (t.obtained * w.market.price_scammer - t.spend) / t.ordered;
  double& ema = w.brokers.profit_ema[m * kProductionChannels + std::size_t(c)];
  ema += kProfitMemory * (profit - ema);
}

/// Ready cards a merchant tries to hold: fewer for one back from a sentence
/// (controls.police.record_restraint per conviction on record).
int64_t target_stock(const World& w, std::size_t m) {
  const int32_t record = w.brokers.convictions[m];
  if (record == 0) return w.p.brokers_target_stock;
  return std::llround(double(w.p.brokers_target_stock) * w.restraint(record));
}

/// The farmers' slot among a merchant's channels.
constexpr int kFarmerSlot = 0;
static_assert(kMerchantChannels[kFarmerSlot] == Channel::Farmer);

/// A merchant's purchases: its order split across its channels, and every
/// channel but farmers run (their activations on records ordered). The rest
/// of its day waits in ProductionToday::merchants (recruit_farmers).
void buy_for_merchant(World& w, Stream& s, std::size_t m) {
  const int64_t order = std::max<int64_t>(0, target_stock(w, m) - int64_t(w.brokers.stock[m].size()));
  if (order == 0) return;
  ProductionToday& today = production_today();
  MerchantDay& d = today.merchants.emplace_back(m, s);
  split_order(w, d.stream, m, order, d.split);
  const auto first_tally = uint32_t((today.merchants.size() - 1) * kProductionChannels);
  for (int c = 0; c < kProductionChannels; ++c) {
    d.tally[c].ordered = double(d.split[c]);
    d.tally[c].id = first_tally + uint32_t(c);
  }
  for (int c = 0; c < kProductionChannels; ++c)
    if (c != kFarmerSlot && d.split[c] > 0) produce(w, d.stream, kMerchantChannels[std::size_t(c)], m, d.split[c], d.tally[c]);
}

/// The rest of a merchant's day, once its activations on records are
/// decided. Farmers are recruited last, for their own share and for whatever
/// the other channels fell short of today: insiders' white cards and
/// harvested records run out or are refused, people who would sell a card are
/// looked for (reach permitting) until the order is filled. Then the
/// merchant learns each channel's profit and its unit cost.
void recruit_farmers(World& w, MerchantDay& d) {
  const std::size_t m = d.merchant;
  int64_t shortfall = 0;
  for (int c = 0; c < kProductionChannels; ++c)
    if (c != kFarmerSlot && d.split[c] > 0) shortfall += d.split[c] - int64_t(d.tally[c].obtained);
  const int64_t farmer_order = d.split[kFarmerSlot] + (merchant_uses(w, kFarmerSlot) ? shortfall : 0);
  d.tally[kFarmerSlot].ordered = double(farmer_order);
  if (farmer_order > 0) produce(w, d.stream, Channel::Farmer, m, farmer_order, d.tally[kFarmerSlot]);
  double spend = 0, made = 0;
  for (int c = 0; c < kProductionChannels; ++c) {
    record_profit(w, m, c, d.tally[c]);
    spend += d.tally[c].spend;
    made += d.tally[c].obtained;
  }
  if (made > 0) w.brokers.unit_cost_ema[m] += kProfitMemory * (spend / made - w.brokers.unit_cost_ema[m]);
}

// ---- raised cards' fate follows the prices ----
/// Standard normal distribution function.
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// What a matured raised card is expected to bring its raiser at card price
/// `price`: E[max(0, price - C)], C = raising.resale_cost_yuan * exp(sigma Z),
/// the card resold when it fetches more than its resale cost, abandoned (0)
/// otherwise: price * Phi(a) - m * exp(sigma^2 / 2) * Phi(a - sigma),
/// a = ln(price / m) / sigma.
double expected_resale_value(const Params& p, double price) {
  const double m = p.raising_resale_cost_yuan, sigma = p.raising_resale_cost_sigma;
  if (price <= 0) return 0.0;
  if (m <= 0) return price;
  if (sigma <= 0) return std::max(0.0, price - m);
  const double a = std::log(price / m) / sigma;
  return price * normal_cdf(a) - m * std::exp(0.5 * sigma * sigma) * normal_cdf(a - sigma);
}
// ---- end raised cards' fate ----

/// Expected profit of raising one card at today's prices and rules.
double raising_margin(const World& w) {
  const double commission = w.p.commission_amount_yuan * (1.0 - w.p.raising_insider_share);
  const double cost = w.market.price_white + w.market.price_record +
                      w.p.raising_upkeep_yuan * double(w.p.commission_delay_days);
  return commission + expected_resale_value(w.p, w.market.price_scammer) - cost;
}

void run_raiser(World& w, Stream& s, std::size_t r) {
  const uint32_t account = w.ledger.broker(int32_t(r));
  auto& raising = w.brokers.raising[r];
  if (!raising.empty())
    w.ledger.transfer(account, w.ledger.pool(Pool::Suppliers), w.p.raising_upkeep_yuan * double(raising.size()));
  if (!channel_enabled(w.p, Channel::Raised) || w.brokers.insiders[r].empty()) return;
  const int64_t n = s.poisson(w.p.raising_cards_per_day * w.brokers.effort[r] * w.restraint(w.brokers.convictions[r]));
  ChannelTally tally;  // raisers learn from commissions paid, not from today's spend (id kNone)
  produce(w, s, Channel::Raised, r, n, tally);
}

/// Raising effort follows realised profit per card against its cost.
void update_raiser_effort(World& w, std::size_t r) {
  const double scale = std::max(1.0, w.market.price_white + w.market.price_record);
  const double x = w.p.brokers_profit_sensitivity * w.brokers.raising_profit_ema[r] / scale;
  const double target = 1.0 / (1.0 + std::exp(-x));
  w.brokers.effort[r] += w.p.brokers_adapt_rate * (target - w.brokers.effort[r]);
}

// ---- records supply curve: suppliers harvest by profit ----
/// Records a supplier harvests today when the day's n-th record costs
/// cost * (1 + n / rate): it harvests while the marginal record pays at
/// today's price, n* = rate * (price / cost - 1). The easy sources (walk-in
/// job seekers, records already at hand) come first; each further record
/// costs more, so supply rises with the price (docs/model.md 4.2).
double profitable_records(double rate, double cost, double price) {
  if (cost <= 0) return rate;
  return rate * std::max(0.0, price / cost - 1.0);
}

/// What harvesting n records costs on the rising marginal cost: the integral
/// of cost * (1 + k / rate) over k in [0, n].
double harvest_cost(double n, double rate, double cost, bool by_profit) {
  if (!by_profit || rate <= 0) return n * cost;
  return cost * (n + n * n / (2.0 * rate));
}
// ---- end records supply curve ----

/// Identities whose records were harvested today, to be marked as leaked
/// once every supplier has harvested: [0] ID only, [1] ID and face.
using Leaked = std::vector<uint32_t>[2];

void harvest_for(World& w, Stream& s, std::size_t i, Leaked& leaked) {
  const bool face = w.brokers.kind[i] == BrokerKind::LaborAgency;
  const double rate = (face ? w.p.records_harvest_per_agency : w.p.records_harvest_per_seller) *
                      (1.0 - w.p.data_protection_level) * w.restraint(w.brokers.convictions[i]);
  const double wanted = w.p.records_by_profit
                            ? profitable_records(rate, w.p.records_cost_yuan, record_price_of(w, i))
                            : rate;
  auto& stock = w.brokers.records[i];
  const int64_t room = std::max<int64_t>(0, w.p.records_stock_cap - int64_t(stock.size()));
  const int64_t n = std::min(room, s.poisson(wanted));
  for (int64_t k = 0; k < n; ++k) {
    const uint32_t identity = w.random_identity(s);
    stock.push_back(identity);
    leaked[face].push_back(identity);
  }
  if (n > 0) {
    w.market.records_out = w.market.face_records_out = 0;  // records to sell again
    w.ledger.transfer(w.ledger.broker(int32_t(i)), w.ledger.pool(Pool::Suppliers),
                      harvest_cost(double(n), rate, w.p.records_cost_yuan, w.p.records_by_profit));
    w.recorder.add(Metric::identity_records_leaked, double(n));
  }
}

/// Marks the day's harvested identities. A flag set is the same in any order,
/// and nothing reads the flags while suppliers harvest, so the records are
/// marked in the order of their pages, by blocks of holders on the world's
/// block threads (update_records_by_page): at national scale each would be a
/// cache and TLB miss, and on the first day the kernel clears every page of
/// the record array here.
void mark_leaked(World& w, const Leaked& leaked) {
  static thread_local std::vector<uint32_t> ids;
  static thread_local PageOrder scratch;
  ids.assign(leaked[0].begin(), leaked[0].end());
  ids.insert(ids.end(), leaked[1].begin(), leaked[1].end());
  const std::size_t id_only = leaked[0].size();
  const std::vector<uint32_t>& all = ids;
  update_records_by_page(w, all, scratch, [&w, &all, id_only](std::size_t k) {
    const unsigned flags = Citizens::kLeakedId | (k >= id_only ? Citizens::kLeakedFace : 0u);
    w.citizens.person[all[k]].set_flags(flags);
  });
}

}  // namespace

void harvest_records(World& w) {
  if (w.citizens.count == 0) return;
  Leaked leaked;
  for (std::size_t i = 0; i < w.brokers.kind.size(); ++i) {
    if (!is_supplier(w.brokers.kind[i]) || !w.broker_present(int32_t(i))) continue;
    Stream s = w.stream(Phase::Records, i);
    harvest_for(w, s, i, leaked);
  }
  mark_leaked(w, leaked);
}

namespace {

/// The checks of an activation on a record, from a stream of its own, keyed
/// by its broker and its place among the broker's activations today: the
/// order the checks run in moves no draw, and another broker's purchases
/// move none either (common random numbers between two settings). Accepted,
/// the card takes a slot of its holder's under the per-ID cap and marks them
/// misused: the holder's own record, which later checks on the same holder read.
void decide_record_activation(World& w, RecordActivation& a) {
  Stream s = w.stream(Phase::Production, record_check_entity(a.broker, a.nth));
  ActivationAttempt attempt;
  attempt.identity = a.identity;
  attempt.outlet = a.outlet;
  attempt.person_present = false;
  attempt.reused_photo = !a.insider_login;
  attempt.insider_login = a.insider_login;
  attempt.location_edit = a.location_edit;
  if (check_activation(w, s, attempt).refused()) return;
  a.accepted = true;
  w.take_slot(a.identity);
  a.first_misuse = mark_misused(w, a.identity);
}

/// Decides the day's activations on records. By blocks of holders: in the
/// order of the records' pages (a holder's activations in the order they were
/// bought), the blocks on the world's block threads; read in buying order,
/// each record cost a TLB and a cache miss at national scale (bench/README.md).
/// Otherwise (checks_read_no_outlet_counts false) one after another in buying
/// order, each counted at its outlet at once; with a cap that never binds both
/// ways give the same results (a test).
void decide_record_activations(World& w, ProductionToday& today) {
  std::vector<RecordActivation>& activations = today.activations;
  if (!checks_read_no_outlet_counts(w.p)) {
    for (std::size_t k = 0; k < activations.size(); ++k) {
      decide_record_activation(w, activations[k]);
      if (activations[k].accepted) count_activation(w, activations[k].identity, activations[k].outlet);
    }
    return;
  }
  today.holders.resize(activations.size());
  for (std::size_t k = 0; k < activations.size(); ++k) today.holders[k] = activations[k].identity;
  update_records_by_page(w, today.holders, today.pages,
                         [&w, &activations](std::size_t k) { decide_record_activation(w, activations[k]); });
  for (const RecordActivation& a : activations)
    if (a.accepted) count_activation(w, a.identity, a.outlet);
}

/// A decided activation's card goes to its maker: a merchant's into stock
/// (counted as obtained by the channel that ordered it), a raiser's into
/// raising until its commission is paid.
void hand_over(World& w, ProductionToday& today, const RecordActivation& a, uint32_t card) {
  const auto broker = std::size_t(a.broker);
  if (channel_spec(a.channel).maker == Maker::Raiser) {
    w.set_card_state(card, CardState::Raising);
    w.brokers.raising[broker].push_back(card);
    schedule_commission(w, card);
    return;
  }
  add_to_stock(w, broker, card);
  today.tally_of(a.tally).obtained += 1;
}

/// The cards of the accepted activations on records, made in the order they
/// were bought. A card remembers its record's supplier, whom a police trace
/// can follow it to.
void make_record_cards(World& w, ProductionToday& today) {
  for (const RecordActivation& a : today.activations) {
    if (!a.accepted) continue;
    if (a.first_misuse) w.recorder.add(Metric::identities_misused, 1);
    // A harvested card involves the insider only when their login edited its location.
    const bool remote = w.region_of(a.identity) != w.outlets.region[a.outlet];
    const bool edited = remote && a.location_edit && w.p.remote_mode != RemoteMode::allow;
    const int32_t involved = a.insider_login || edited ? a.insider : -1;
    const uint32_t card = w.new_card_in_taken_slot(a.channel, a.identity, a.outlet, a.broker, involved);
    w.cards.supplier[card] = a.supplier;
    hand_over(w, today, a, card);
  }
}

/// The day's production, kept between days (no allocation per day). The
/// blocks' threads see this thread's through the reference it is passed by.
ProductionToday& fresh_production_day(World& w) {
  static thread_local ProductionToday kept;
  kept.activations.clear();
  kept.merchants.clear();
  for (const bool need_face : {false, true}) {
    const RecordSuppliers suppliers(w.brokers, need_face, w.p.records_by_profit);
    kept.record_sellers[need_face] =
        OpenPositions(suppliers.size(), [&](std::size_t k) { return has_records(w, suppliers, k); });
  }
  return kept;
}

}  // namespace

/// Production in four steps: every broker buys, in broker order (records,
/// white cards, outlets; activations on records ordered); the activations are
/// decided by blocks of holders; their cards are made in buying order; each
/// merchant with an order recruits farmers for its shortfall, in broker order.
void produce_cards(World& w) {
  if (w.citizens.count == 0) return;
  update_farmer_pool(w);
  ProductionToday& today = fresh_production_day(w);
  t_production = &today;
  struct Unset {
    ~Unset() { t_production = nullptr; }
  } unset;
  for (std::size_t i = 0; i < w.brokers.kind.size(); ++i) {
    if (!w.broker_present(int32_t(i))) continue;
    Stream s = w.stream(Phase::Production, i);
    if (w.brokers.kind[i] == BrokerKind::Merchant) buy_for_merchant(w, s, i);
    if (w.brokers.kind[i] == BrokerKind::Raiser) run_raiser(w, s, i);
  }
  decide_record_activations(w, today);
  make_record_cards(w, today);
  for (MerchantDay& d : today.merchants) recruit_farmers(w, d);
}

void adapt_merchants(World& w) {
  Brokers& b = w.brokers;
  const double scale = std::max(1.0, w.market.price_scammer);
  for (std::size_t m = 0; m < b.kind.size(); ++m) {
    if (b.kind[m] == BrokerKind::Raiser) update_raiser_effort(w, m);
    if (b.kind[m] != BrokerKind::Merchant) continue;
    double target[kProductionChannels], total = 0;
    for (int c = 0; c < kProductionChannels; ++c) {
      const double x = w.p.brokers_profit_sensitivity * b.profit_ema[m * kProductionChannels + std::size_t(c)] / scale;
      target[c] = merchant_uses(w, c) ? std::exp(std::clamp(x, -50.0, 50.0)) : 0.0;
      total += target[c];
    }
    for (int c = 0; c < kProductionChannels; ++c) {
      double& wt = b.weight[m * kProductionChannels + std::size_t(c)];
      const double goal = total > 0 ? std::max(target[c] / total, merchant_uses(w, c) ? kMinWeight : 0.0) : 0.0;
      wt += w.p.brokers_adapt_rate * (goal - wt);
    }
  }
}

void raiser_commission_paid(World& w, uint32_t card, double share) {
  const auto r = std::size_t(w.cards.broker[card]);
  const double cost = w.market.price_white + w.market.price_record +
                      w.p.raising_upkeep_yuan * double(w.day - w.cards.activation_day[card]);
  double& ema = w.brokers.raising_profit_ema[r];
  ema += kProfitMemory * (share + expected_resale_value(w.p, w.market.price_scammer) - cost - ema);
}

void raiser_card_lost(World& w, int32_t raiser, double refund) {
  const double cost = w.market.price_white + w.market.price_record + refund;
  double& ema = w.brokers.raising_profit_ema[std::size_t(raiser)];
  ema += kProfitMemory * (-cost - ema);
}

void raised_card_matured(World& w, Stream& s, uint32_t card) {
  const auto r = std::size_t(w.cards.broker[card]);
  auto& raising = w.brokers.raising[r];
  auto it = std::find(raising.begin(), raising.end(), card);
  if (it != raising.end()) {
    *it = raising.back();
    raising.pop_back();
  }
  // The commission is paid and keeping the card longer only costs upkeep, so
  // the raiser resells it when it fetches more than this card's resale cost
  // (every use's buyers pay the one posted price), and abandons it otherwise.
  const double resale_cost = w.p.raising_resale_cost_yuan * std::exp(w.p.raising_resale_cost_sigma * s.normal());
  if (w.market.price_scammer > resale_cost) {
    w.set_card_state(card, CardState::Stock);
    w.brokers.stock[r].push_back(card);
    w.recorder.add(Metric::cards_raised_resold, 1);
  } else {
    w.end_card(card, CardState::Expired);
    w.recorder.add(Metric::cards_raised_abandoned, 1);
  }
}

void init_broker_expectations(World& w) {
  const double margin = raising_margin(w);
  for (std::size_t r = 0; r < w.brokers.kind.size(); ++r) {
    if (w.brokers.kind[r] == BrokerKind::Raiser) w.brokers.raising_profit_ema[r] = margin;
    // Brokers placed with the world entered, so they expected at least their kind's entry threshold.
    w.brokers.recent_profit[r] = broker_entry_rule(w.p, w.brokers.kind[r]).entry_threshold_yuan;
    w.brokers.worth_seen[r] = broker_worth_yuan(w, r);
  }
}

void broker_enters(World& w, std::size_t b) {
  Brokers& br = w.brokers;
  assert(br.stock[b].empty() && br.raising[b].empty());  // a predecessor's cards were seized
  br.records[b].clear();
  for (std::size_t c = 0; c < std::size_t(kProductionChannels); ++c) {
    br.weight[b * kProductionChannels + c] = 1.0 / kProductionChannels;
    br.profit_ema[b * kProductionChannels + c] = 0.0;
  }
  br.raising_profit_ema[b] = 0.0;
}

void replace_broker(World& w, int32_t broker) {
  const auto b = std::size_t(broker);
  w.brokers.absent_until[b] = int32_t(w.day + w.p.brokers_replacement_days);
  w.brokers.convictions[b] = 0;  // a newcomer, with no record
  broker_enters(w, b);
  // The fine and damages just paid are no part of the next holder's profit.
  w.brokers.worth_seen[b] = broker_worth_yuan(w, b);
  // Entry by profit: the newcomers (or the convict back from a sentence) are
  // only candidates; they take the place when entry pays.
  if (broker_entry_rule(w.p, w.brokers.kind[b]).enabled) w.brokers.vacant[b] = 1;
}

void broker_serves_sentence(World& w, int32_t broker, int64_t sentence_days) {
  const auto b = std::size_t(broker);
  const int32_t record = w.brokers.convictions[b];
  replace_broker(w, broker);
  return_after_sentence(w.day, sentence_days, record, w.brokers.absent_until[b], w.brokers.convictions[b]);
}

// ---- entry and exit by profit: merchants (brokers.entry.*; docs/model.md, "Entry and exit by profit") ----

double broker_worth_yuan(const World& w, std::size_t b) {
  const Brokers& br = w.brokers;
  // Stock at what it cost: records at records.cost_yuan, a merchant's cards at
  // its unit cost, cards being raised at today's white-card and record prices
  // (a raiser's resold cards are worth nothing to it: their commission is paid).
  double stock = double(br.records[b].size()) * w.p.records_cost_yuan +
                 double(br.raising[b].size()) * (w.market.price_white + w.market.price_record);
  if (br.kind[b] == BrokerKind::Merchant) stock += double(br.stock[b].size()) * br.unit_cost_ema[b];
  return w.ledger.balance(w.ledger.broker(int32_t(b))) + stock;
}

namespace {

PlaceProfit broker_place(World& w, std::size_t m) {
  return {w.brokers.recent_profit[m], w.brokers.low_profit_days[m]};
}

/// Today's profit of a working broker: the change in its worth since phase
/// Entry last ran (or since it took the place), which becomes the worth seen.
double worth_change_since_entry(World& w, std::size_t b) {
  const double worth = broker_worth_yuan(w, b);
  const double change = worth - w.brokers.worth_seen[b];
  w.brokers.worth_seen[b] = worth;
  return change;
}

}  // namespace

double expected_merchant_profit_yuan_per_day(const World& w, const EntryView& view, int32_t merchant) {
  // The candidate expects to sell what a taken place sells on average of
  // today's demand (the same at any population for the same densities: a
  // share 1 / (taken + 1) would make entry easier in a larger area); a record
  // restrains it as it restrains a working merchant's stock (World::restraint).
  const double sales = w.restraint(w.brokers.convictions[std::size_t(merchant)]) * view.cards_wanted /
                       std::max(1.0, view.places_taken);
  return sales * (w.market.price_scammer - view.unit_cost_yuan);
}

// ---- end entry and exit by profit: merchants ----

// ---- entry and exit by profit: raisers, record suppliers, organisers (raising.entry.*, records.entry.*, organisers.entry.*) ----

double expected_raiser_profit_yuan_per_day(const World& w, int32_t raiser) {
  // A team with no dealer insider cannot raise; one with a record raises less
  // (World::restraint), as a working team does.
  const auto r = std::size_t(raiser);
  if (!channel_enabled(w.p, Channel::Raised) || w.brokers.insiders[r].empty()) return 0.0;
  return w.p.raising_cards_per_day * w.restraint(w.brokers.convictions[r]) * std::max(0.0, raising_margin(w));
}

double supplier_places_taken(const World& w) {
  double taken = 0;
  for (auto kind : {BrokerKind::LaborAgency, BrokerKind::DataSeller})
    for (int32_t s : w.brokers.all(kind)) taken += w.brokers.vacant[std::size_t(s)] ? 0.0 : 1.0;
  return taken;
}

double expected_supplier_profit_yuan_per_day(const World& w, int32_t supplier, double places_taken) {
  // The candidate expects an equal share of today's record orders among the
  // supplier places taken, at its record's price less the harvesting cost.
  const double orders = w.market.record_ordered + w.market.face_record_ordered;
  const double margin = record_price_of(w, std::size_t(supplier)) - w.p.records_cost_yuan;
  return w.restraint(w.brokers.convictions[std::size_t(supplier)]) * orders / std::max(1.0, places_taken) * margin;
}

EntryView entry_view(const World& w, BrokerKind kind) {
  EntryView view;
  if (is_supplier(kind)) view.places_taken = supplier_places_taken(w);
  if (kind != BrokerKind::Merchant) return view;
  const auto& merchants = w.brokers.all(BrokerKind::Merchant);
  for (int32_t m : merchants) {
    view.places_taken += w.brokers.vacant[std::size_t(m)] ? 0.0 : 1.0;
    view.unit_cost_yuan += w.brokers.unit_cost_ema[std::size_t(m)] / double(merchants.size());
  }
  view.cards_wanted = w.market.scammer_wanted;
  return view;
}

double expected_broker_profit_yuan_per_day(const World& w, const EntryView& view, int32_t broker) {
  switch (w.brokers.kind[std::size_t(broker)]) {
    case BrokerKind::Merchant: return expected_merchant_profit_yuan_per_day(w, view, broker);
    case BrokerKind::Raiser: return expected_raiser_profit_yuan_per_day(w, broker);
    case BrokerKind::LaborAgency:
    case BrokerKind::DataSeller: return expected_supplier_profit_yuan_per_day(w, broker, view.places_taken);
    case BrokerKind::Organiser: return expected_organiser_cut_yuan_per_day(w, broker);
    case BrokerKind::Count: break;
  }
  assert(false && "a broker kind without an expected profit");
  return 0.0;
}

void broker_exits(World& w, int32_t broker, Metric exits) {
  const auto b = std::size_t(broker);
  // A raising team's cards being raised are abandoned with its stock; a
  // supplier's unsold records are lost when the place is taken again.
  for (uint32_t card : w.brokers.raising[b]) w.end_card(card, CardState::Expired);
  w.brokers.raising[b].clear();
  leave_place(w, w.brokers.stock[b], broker_place(w, b), w.brokers.vacant[b], exits);
}

namespace {

/// The broker kinds whose places the rule fills, and the metrics each group
/// counts in. A new kind is a row here, its rule in broker_entry_rule, its
/// expectation in expected_broker_profit_yuan_per_day (and what its
/// candidates read of the market in entry_view), and its parameters and
/// metrics. Merchants' row is first: phase merchant_entry runs it before the
/// insiders' entry (merchants_enter_and_exit), phase broker_entry the others
/// after it (brokers_enter_and_exit).
struct BrokerPlaces {
  BrokerKind kinds[2];
  Metric entries, exits, profit, active;
};
constexpr BrokerPlaces kBrokerPlaces[] = {
    {{BrokerKind::Merchant, BrokerKind::Count},
     Metric::merchant_entries, Metric::merchant_exits, Metric::merchant_profit_yuan, Metric::merchants_active},
    {{BrokerKind::Raiser, BrokerKind::Count},
     Metric::raiser_entries, Metric::raiser_exits, Metric::raiser_profit_yuan, Metric::raisers_active},
    {{BrokerKind::LaborAgency, BrokerKind::DataSeller},
     Metric::supplier_entries, Metric::supplier_exits, Metric::supplier_profit_yuan, Metric::suppliers_active},
    {{BrokerKind::Organiser, BrokerKind::Count},
     Metric::organiser_entries, Metric::organiser_exits, Metric::organiser_profit_yuan, Metric::organisers_active},
};

constexpr const BrokerPlaces& kMerchantPlaces = kBrokerPlaces[0];
static_assert(kMerchantPlaces.kinds[0] == BrokerKind::Merchant && kMerchantPlaces.kinds[1] == BrokerKind::Count,
              "merchants' row comes first, alone: phase merchant_entry runs it before the insiders");

/// Empty places of `kind` whose candidates are free (no sentence or
/// replacement delay left) are taken when they expect at least the entry
/// threshold, one after the other: the candidates read the market once
/// (entry_view), and each place taken counts in the next candidate's share
/// where the expectation has one (merchants', suppliers').
void fill_broker_places_that_pay(World& w, BrokerKind kind, const EntryRule& rule) {
  Brokers& b = w.brokers;
  EntryView view = entry_view(w, kind);
  for (int32_t broker : b.all(kind)) {
    const auto i = std::size_t(broker);
    if (!b.vacant[i] || b.absent_until[i] > w.day) continue;
    const double expected = expected_broker_profit_yuan_per_day(w, view, broker);
    if (!enters_by_profit(rule, expected)) continue;
    view.places_taken += 1;
    take_place(rule, w.day, expected, broker_place(w, i), b.absent_until[i], b.vacant[i]);
    broker_enters(w, i);
    b.worth_seen[i] = broker_worth_yuan(w, i);
  }
}

void kind_works_a_day(World& w, BrokerKind kind, const BrokerPlaces& row, PlaceTally& tally) {
  const EntryRule rule = broker_entry_rule(w.p, kind);
  if (rule.enabled) fill_broker_places_that_pay(w, kind, rule);
  for (int32_t broker : w.brokers.all(kind)) {
    const auto i = std::size_t(broker);
    if (!w.broker_present(broker)) continue;
    const double profit = worth_change_since_entry(w, i);
    holder_works_a_day(w, rule, broker_place(w, i), w.brokers.absent_until[i], profit, row.entries, tally,
                       [&] { broker_exits(w, broker, row.exits); });
  }
}

/// The day of every place of a row's kinds, then the row's metrics.
void places_work_a_day(World& w, const BrokerPlaces& row) {
  PlaceTally tally;
  for (BrokerKind kind : row.kinds)
    if (kind != BrokerKind::Count) kind_works_a_day(w, kind, row, tally);
  record_places(w, tally, row.profit, row.active);
}

}  // namespace

void merchants_enter_and_exit(World& w) { places_work_a_day(w, kMerchantPlaces); }

void brokers_enter_and_exit(World& w) {
  for (const BrokerPlaces& row : kBrokerPlaces)
    if (&row != &kMerchantPlaces) places_work_a_day(w, row);
}

// ---- end entry and exit by profit: raisers, record suppliers, organisers ----

}  // namespace cardsim
