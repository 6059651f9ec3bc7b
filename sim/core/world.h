// The World: all state of one replicate, as struct-of-arrays per entity kind.
// Agents' phase logic lives in agents/; this file only holds data and the
// small helpers every phase shares.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <vector>

#include "core/card_uses.h"
#include "core/channels.h"
#include "core/fields.h"
#include "core/ledger.h"
#include "core/metrics.h"
#include "scenario/params.h"
#include "scenario/populations.h"
#include "scenario/scenario.h"
#include "core/rng.h"
#include "core/zero_vector.h"

namespace cardsim {

constexpr uint32_t kNone = 0xffffffffu;

/// Random holders drawn in search of one with an honest card before the
/// search gives up (churn, false-positive shutdowns): few holders have none,
/// and a bound keeps a day's cost bounded when almost all have none.
constexpr int kHolderSearchDraws = 32;

/// Life of a criminal card. Every card is in exactly one state.
enum class CardState : uint8_t {
  Stock = 0,   // activated, held by a merchant or raiser for sale
  Raising,     // activated, kept looking used until the commission is paid
  InUse,       // held by a buyer of one card use (Cards::use says which)
  ShutFraud,   // shut by carrier monitoring
  Seized,      // taken by police when its holder was arrested
  Expired,     // abandoned by its holder (raised card not resold)
  // ---- re-verification of dormant cards (agents/reverification.cpp) ----
  ShutReverified,  // shut by a re-verification drive: its registered holder did not confirm it
  ShutReported,  // shut by its carrier because victims or police reported the number (controls.reported_shutdown)
  // ---- regions that trade (agents/card_market.cpp) ----
  InTransit,  // sold to a buyer in another region and in the post (Cards::use and ::buyer say to whom)
  // ---- outside market (market.outside.*) ----
  SoldOutside,  // sold to the national market outside the modelled area: it has left the model
  Count
};

/// One identity holder's state in 16 bits, so that a region of a million
/// holders keeps it in 2 MB: the honest events of a day are random reads
/// across this array, and two replicates side by side then still find it in
/// the last-level cache they share (bench/README.md). All zero until touched.
///   bits 0-5    honest cards + 1; 0: untouched (initial cards from the seed)
///   bits 6-11   live criminal cards in the holder's name
///   bits 12-15  Citizens::kLeakedId | kLeakedFace | kMisused | kFarmer
/// Card counts stay within kMaxCards: every activation is checked against
/// controls.per_id_cap.max_cards, whose range ends there (sim/scenario/params.def).
struct Identity {
  uint16_t bits;

  static constexpr int kMaxCards = 60;

  int legit_stored() const { return bits & kCountMask; }
  int criminal_cards() const { return (bits >> kCriminalShift) & kCountMask; }
  unsigned flags() const { return unsigned(bits) >> kFlagShift; }

  void set_legit_stored(int v) {
    assert(v >= 0 && v <= kMaxCards + 1);
    bits = uint16_t((bits & ~kCountMask) | unsigned(v));
  }
  void set_criminal_cards(int v) {
    assert(v >= 0 && v <= kMaxCards);
    bits = uint16_t((bits & ~(kCountMask << kCriminalShift)) | (unsigned(v) << kCriminalShift));
  }
  void set_flags(unsigned f) { bits = uint16_t(bits | (f << kFlagShift)); }
  void clear_flags(unsigned f) { bits = uint16_t(bits & ~(f << kFlagShift)); }

 private:
  static constexpr unsigned kCountMask = 63, kCriminalShift = 6, kFlagShift = 12;
  static_assert(kMaxCards + 1 <= int(kCountMask), "card counts must fit their 6 bits");
};
static_assert(sizeof(Identity) == 2, "keep an identity in 2 bytes");

/// A holder's velocity window (controls.velocity): apart from Identity because
/// only the velocity check reads it, and it is off by default.
struct VelocityWindow {
  int32_t start;  // day the window opened
  int32_t count;  // activations in the holder's name since then
};

/// Identity holders. Region is derived from the id; per-person state lives
/// on calloc'd zero pages (ZeroVector), so untouched people cost nothing.
struct Citizens {
  int64_t count = 0;
  ZeroVector<Identity> person;
  ZeroVector<VelocityWindow> velocity;  // touched only while controls.velocity is on
  // ---- known sellers (agents/farmer_pool.cpp): where each is listed ----
  // A known seller's index in their region's FarmerPool::known list, plus 1
  // (0: not listed), kept through the list's swap-removals, so that an arrest
  // or a sanction finds the person in O(1). Touched only while
  // farmer.pool.enabled is on.
  ZeroVector<uint32_t> known_seller_slot;
  // ---- end known sellers ----

  static constexpr uint8_t kLeakedId = 1, kLeakedFace = 2, kMisused = 4, kFarmer = 8;
};

template <class V, class C, IfPart<C, Citizens> = 0> void visit_fields(V& v, C& c) {
  v.scalar("citizens.count", c.count);
  v.array("citizens.person", c.person, Extent::PerMember);
  v.array("citizens.velocity", c.velocity, Extent::PerMember);
  v.array("citizens.known_seller_slot", c.known_seller_slot, Extent::PerMember);  // known sellers
}
CARDSIM_FIELDS_LISTED(Citizens, 80);

/// Criminal cards (honest cards are only counted per identity).
struct Cards {
  std::vector<uint8_t> channel, state;
  std::vector<uint32_t> identity, outlet;
  std::vector<int32_t> broker;           // who produced it
  std::vector<int32_t> insider;          // whose white card or login was used, -1 none
  std::vector<uint8_t> use;              // CardUse it was bought for; meaningful from its sale on
  std::vector<int32_t> buyer;            // who bought it, among its use's buyers; -1 before sale
  std::vector<int32_t> activation_day, commission_day;
  std::vector<uint32_t> commission_payee;  // ledger account, kNone when unpaid
  std::vector<float> commission_paid;
  // Enforcement along the chain (agents/police.cpp): the labour agency or data
  // seller whose record the card was made on, -1 none (farmer cards).
  std::vector<int32_t> supplier;

  uint32_t size() const { return uint32_t(state.size()); }
};

template <class V, class C, IfPart<C, Cards> = 0> void visit_fields(V& v, C& c) {
  v.array("cards.channel", c.channel, Extent::PerMember);
  v.array("cards.state", c.state, Extent::PerMember);
  v.array("cards.insider", c.insider, Extent::PerMember);
  v.array("cards.identity", c.identity, Extent::PerMember);
  v.array("cards.outlet", c.outlet, Extent::PerMember);
  v.array("cards.broker", c.broker, Extent::PerMember);
  v.array("cards.use", c.use, Extent::PerMember);
  v.array("cards.buyer", c.buyer, Extent::PerMember);
  v.array("cards.activation_day", c.activation_day, Extent::PerMember);
  v.array("cards.commission_day", c.commission_day, Extent::PerMember);
  v.array("cards.commission_payee", c.commission_payee, Extent::PerMember);
  v.array("cards.commission_paid", c.commission_paid, Extent::PerMember);
  v.array("cards.supplier", c.supplier, Extent::PerMember);
}
CARDSIM_FIELDS_LISTED(Cards, 312);

struct Outlets {
  std::vector<uint16_t> region, carrier;
  std::vector<int32_t> insider;            // -1 when honest
  std::vector<int32_t> cap_window_start, cap_count;
  std::vector<int32_t> burst_day, burst_count;
  std::vector<int64_t> region_first;       // outlets of region r: [first[r], first[r+1])
};

template <class V, class C, IfPart<C, Outlets> = 0> void visit_fields(V& v, C& o) {
  v.array("outlets.region", o.region, Extent::PerMember);
  v.array("outlets.carrier", o.carrier, Extent::PerMember);
  v.array("outlets.insider", o.insider, Extent::PerMember);
  v.array("outlets.cap_window_start", o.cap_window_start, Extent::PerMember);
  v.array("outlets.cap_count", o.cap_count, Extent::PerMember);
  v.array("outlets.burst_day", o.burst_day, Extent::PerMember);
  v.array("outlets.burst_count", o.burst_count, Extent::PerMember);
  v.array("outlets.region_first", o.region_first, Extent::Other);  // regions + 1
}
CARDSIM_FIELDS_LISTED(Outlets, 192);

struct Insiders {
  std::vector<int32_t> outlet;
  std::vector<double> reservation;     // ask with no perceived risk, yuan per white card
  std::vector<uint8_t> shares_login;   // will share the login that edits location
  std::vector<int32_t> vacant_until;   // slot empty (arrested) until this day
  std::vector<int32_t> last_business_day;
  std::vector<int32_t> white_left_today;
  std::vector<int32_t> raiser;         // the raising team using this dealer, -1 none
  std::vector<int32_t> convictions;    // served sentences of the person in post (controls.police.sentences_served)
  // ---- entry and exit by profit: insiders (agents/insider.cpp, insiders_enter_and_exit) ----
  std::vector<double> balance_seen;    // yuan: ledger balance when phase Entry last ran or the insider took the post
  std::vector<double> recent_profit;   // yuan per day: moving average over insiders.entry.profit_window_days
  std::vector<int32_t> low_profit_days;  // consecutive days with recent income below the exit threshold
  std::vector<uint8_t> vacant;         // 1: the outlet is honest; its staff waits until corruption pays
  // ---- end entry and exit by profit: insiders ----
};

template <class V, class C, IfPart<C, Insiders> = 0> void visit_fields(V& v, C& in) {
  v.array("insiders.outlet", in.outlet, Extent::PerMember);
  v.array("insiders.reservation", in.reservation, Extent::PerMember);
  v.array("insiders.shares_login", in.shares_login, Extent::PerMember);
  v.array("insiders.vacant_until", in.vacant_until, Extent::PerMember);
  v.array("insiders.last_business_day", in.last_business_day, Extent::PerMember);
  v.array("insiders.white_left_today", in.white_left_today, Extent::PerMember);
  v.array("insiders.raiser", in.raiser, Extent::PerMember);
  v.array("insiders.convictions", in.convictions, Extent::PerMember);
  // ---- entry and exit by profit: insiders ----
  v.array("insiders.balance_seen", in.balance_seen, Extent::PerMember);
  v.array("insiders.recent_profit", in.recent_profit, Extent::PerMember);
  v.array("insiders.low_profit_days", in.low_profit_days, Extent::PerMember);
  v.array("insiders.vacant", in.vacant, Extent::PerMember);
}
CARDSIM_FIELDS_LISTED(Insiders, 288);

enum class BrokerKind : uint8_t { Merchant = 0, LaborAgency, DataSeller, Raiser, Organiser, Count };

struct Brokers {
  std::vector<BrokerKind> kind;
  std::vector<uint16_t> region;
  std::vector<int32_t> absent_until;           // arrested: niche empty until this day
  std::vector<std::vector<int32_t>> insiders;  // broker -> insider links (network)
  std::vector<std::vector<uint32_t>> stock;    // cards ready for sale
  std::vector<std::vector<uint32_t>> records;  // identity records held (suppliers)
  std::vector<std::vector<uint32_t>> raising;  // cards being raised (raisers)
  // Merchants' channel choice: weights and recent profit per ordered card.
  std::vector<double> weight;                  // [broker * kProductionChannels + c]
  std::vector<double> profit_ema;              // same layout
  std::vector<double> unit_cost_ema;           // average cost of a card produced
  std::vector<double> effort;                  // raisers: share of full activity
  std::vector<double> raising_profit_ema;      // raisers: recent profit per raised card, yuan
  std::vector<int32_t> convictions;            // served sentences of the person in the niche
  // ---- entry and exit by profit: merchants (agents/broker.cpp, merchants_enter_and_exit) ----
  std::vector<double> worth_seen;              // yuan: the broker's worth (broker_worth_yuan) when phase Entry last ran or the holder took the place
  std::vector<double> recent_profit;           // yuan per day: moving average over brokers.entry.profit_window_days
  std::vector<int32_t> low_profit_days;        // consecutive days with recent profit below the exit threshold
  std::vector<uint8_t> vacant;                 // 1: nobody works the place; it waits for an entrant expecting a profit
  // ---- end entry and exit by profit: merchants ----
  /// Brokers of each kind in index order, found from `kind` (index_kinds), so
  /// that no role depends on the order in which the world lays brokers out.
  std::vector<int32_t> of_kind[std::size_t(BrokerKind::Count)];

  const std::vector<int32_t>& all(BrokerKind k) const { return of_kind[std::size_t(k)]; }
  /// Rebuilds `of_kind` from `kind`; called whenever `kind` is set.
  void index_kinds();
};

template <class V, class C, IfPart<C, Brokers> = 0> void visit_fields(V& v, C& b) {
  v.array("brokers.kind", b.kind, Extent::PerMember);
  v.array("brokers.region", b.region, Extent::PerMember);
  v.array("brokers.absent_until", b.absent_until, Extent::PerMember);
  v.nested("brokers.insiders", b.insiders);
  v.nested("brokers.stock", b.stock);
  v.nested("brokers.records", b.records);
  v.nested("brokers.raising", b.raising);
  v.array("brokers.weight", b.weight, Extent::Other);  // per broker and production channel
  v.array("brokers.profit_ema", b.profit_ema, Extent::Other);
  v.array("brokers.unit_cost_ema", b.unit_cost_ema, Extent::PerMember);
  v.array("brokers.effort", b.effort, Extent::PerMember);
  v.array("brokers.raising_profit_ema", b.raising_profit_ema, Extent::PerMember);
  v.array("brokers.convictions", b.convictions, Extent::PerMember);
  // ---- entry and exit by profit: merchants ----
  v.array("brokers.worth_seen", b.worth_seen, Extent::PerMember);
  v.array("brokers.recent_profit", b.recent_profit, Extent::PerMember);
  v.array("brokers.low_profit_days", b.low_profit_days, Extent::PerMember);
  v.array("brokers.vacant", b.vacant, Extent::PerMember);
  // of_kind is derived from kind and not listed: a restored world keeps the
  // index it was built with, and its kinds must equal the built ones.
}
CARDSIM_FIELDS_LISTED(Brokers, 528);

struct Rings {
  std::vector<std::vector<uint32_t>> fleet;  // cards in fraud use
  std::vector<double> revenue_factor;        // ring's revenue per card relative to the average (skill, targets)
  std::vector<int32_t> absent_until;
  std::vector<int32_t> convictions;          // served sentences of the ring in the place
  // ---- entry and exit by profit (agents/scammer.cpp, rings_enter_and_exit) ----
  std::vector<double> profit_today;          // yuan: cash-out revenue minus card purchases so far today
  std::vector<double> recent_profit;         // yuan per day: moving average over scammers.entry.profit_window_days
  std::vector<int32_t> low_profit_days;      // consecutive days with recent profit below the exit threshold
  std::vector<uint8_t> vacant;               // 1: nobody works the place; it waits for an entrant expecting a profit
  // ---- end entry and exit by profit ----
  // ---- callers (scammers.callers_cards): attempts saturate in a ring's cards ----
  std::vector<int32_t> cards_in_use;         // cards each ring holds in fraud use (its fleet, kept by World::put_in_use)
  double attempts_per_day = 0;               // attempts all rings make a day, sum of ring_attempts_per_day, kept as fleets change
  // ---- end callers ----
};

template <class V, class C, IfPart<C, Rings> = 0> void visit_fields(V& v, C& r) {
  v.nested("rings.fleet", r.fleet);
  v.array("rings.revenue_factor", r.revenue_factor, Extent::PerMember);
  v.array("rings.absent_until", r.absent_until, Extent::PerMember);
  v.array("rings.convictions", r.convictions, Extent::PerMember);
  // ---- entry and exit by profit ----
  v.array("rings.profit_today", r.profit_today, Extent::PerMember);
  v.array("rings.recent_profit", r.recent_profit, Extent::PerMember);
  v.array("rings.low_profit_days", r.low_profit_days, Extent::PerMember);
  v.array("rings.vacant", r.vacant, Extent::PerMember);
  // ---- callers ----
  v.array("rings.cards_in_use", r.cards_in_use, Extent::PerMember);
  v.scalar("rings.attempts_per_day", r.attempts_per_day);
}
CARDSIM_FIELDS_LISTED(Rings, 224);

/// SIM-bank operators (a card use, agents/sim_bank.cpp).
struct SimBanks {
  std::vector<std::vector<uint32_t>> fleet;  // cards receiving codes
  std::vector<int32_t> absent_until;         // raided: niche empty until this day
  std::vector<int32_t> convictions;          // served sentences of the operator
};

template <class V, class C, IfPart<C, SimBanks> = 0> void visit_fields(V& v, C& b) {
  v.nested("sim_banks.fleet", b.fleet);
  v.array("sim_banks.absent_until", b.absent_until, Extent::PerMember);
  v.array("sim_banks.convictions", b.convictions, Extent::PerMember);
}
CARDSIM_FIELDS_LISTED(SimBanks, 72);

/// Emerging prices and the day's market tallies.
struct Market {
  double price_farmer, price_white, price_record, price_scammer;
  // Tallies for today's price updates.
  double farmer_ordered = 0, farmer_obtained = 0, farmer_contacts_used = 0, farmer_contacts_cap = 0;
  double white_ordered = 0, white_delivered = 0, white_capacity = 0;
  double record_ordered = 0, record_delivered = 0, record_stock = 0;
  double scammer_wanted = 0, scammer_bought = 0, scammer_offered = 0;
  // 1 once today's record buyers have found no supplier with a record (any
  // supplier; a labor agency, for a face): records only run out between two
  // harvests, so later buyers need not ask each of thousands of suppliers again.
  double records_out = 0, face_records_out = 0;
  // ---- merchants' willingness to pay farmers (docs/model.md 7, step 2) ----
  double merchant_sold = 0;  // tally: cards merchants sold today (any use, mailed included)
  // Cards a present merchant sells a day, an exponential moving average of
  // the daily figure (0 until the first day with a present merchant): the
  // volume over which a merchant spreads what an arrest would cost it.
  double merchant_sales_per_day = 0;
  // ---- farmers' pay by bargain (docs/model.md 7, step 2) ----
  double farmer_paid = 0;   // tally: yuan paid to farmers today for the farmer cards obtained
  // The merchants' willingness to pay for a farmer card (merchant_farmer_ceiling_yuan
  // at the end of the previous day): recruiters buy from holders asking at most this.
  double farmer_value = 0;
  double farmer_cards_tried = 0;  // tally: cards the farmers who accepted set out to open today
  // Share of the cards farmers set out to open that the activation checks let
  // through, an exponential moving average over days with a try (1 before the
  // first): recruiters weigh a contact's surplus by it (docs/model.md 4.1).
  double farmer_yield = 1;
  // ---- records supply curve: face records clear in their own market ----
  // With records.by_profit, ID+face records (labor agencies only, F2) have
  // their own price, orders and stock: a face is a different good from an
  // ID number, and ID-only stock cannot meet a face order.
  double price_face_record = 0;
  double face_record_ordered = 0, face_record_stock = 0;
  // ---- end records supply curve ----
  void clear_tallies();
};

template <class V, class C, IfPart<C, Market> = 0> void visit_fields(V& v, C& m) {
  v.scalar("market.price_farmer", m.price_farmer);
  v.scalar("market.price_white", m.price_white);
  v.scalar("market.price_record", m.price_record);
  v.scalar("market.price_scammer", m.price_scammer);
  // The day's tallies are cleared at the start of every day; listed anyway so
  // that a restored world equals the saved one field for field.
  v.scalar("market.farmer_ordered", m.farmer_ordered);
  v.scalar("market.farmer_obtained", m.farmer_obtained);
  v.scalar("market.farmer_contacts_used", m.farmer_contacts_used);
  v.scalar("market.farmer_contacts_cap", m.farmer_contacts_cap);
  v.scalar("market.white_ordered", m.white_ordered);
  v.scalar("market.white_delivered", m.white_delivered);
  v.scalar("market.white_capacity", m.white_capacity);
  v.scalar("market.record_ordered", m.record_ordered);
  v.scalar("market.record_delivered", m.record_delivered);
  v.scalar("market.record_stock", m.record_stock);
  v.scalar("market.scammer_wanted", m.scammer_wanted);
  v.scalar("market.scammer_bought", m.scammer_bought);
  v.scalar("market.scammer_offered", m.scammer_offered);
  v.scalar("market.records_out", m.records_out);
  v.scalar("market.face_records_out", m.face_records_out);
  v.scalar("market.merchant_sold", m.merchant_sold);
  v.scalar("market.merchant_sales_per_day", m.merchant_sales_per_day);
  v.scalar("market.farmer_paid", m.farmer_paid);
  v.scalar("market.farmer_value", m.farmer_value);
  v.scalar("market.farmer_cards_tried", m.farmer_cards_tried);
  v.scalar("market.farmer_yield", m.farmer_yield);
  v.scalar("market.price_face_record", m.price_face_record);
  v.scalar("market.face_record_ordered", m.face_record_ordered);
  v.scalar("market.face_record_stock", m.face_record_stock);
}
CARDSIM_FIELDS_LISTED(Market, 224);

/// Identity holders willing to sell a card (agents/farmer_pool.h): a count per
/// region, so that its cost follows recruitments and sanctions, not population;
/// the sanctioned are listed by identity because a sanction bars a person.
struct FarmerPool {
  std::vector<int64_t> willing;          // per region: persons willing to sell today
  std::vector<int64_t> untapped;         // per region: its size with no recruiting (the reach reference)
  std::vector<uint32_t> sanctioned;      // identities under credit sanction, ascending
  std::vector<int32_t> sanctioned_until; // day each of those sanctions ends
  // ---- rising supply curve (agents/farmer_pool.cpp): the willing by reservation price ----
  static constexpr int kBands = 32;      // reservation bands, log-spaced over +-3 spreads of the median
  std::vector<int64_t> by_band;          // [region * kBands + band]: willing persons; sums to willing[region]
  double reached_today = 0;              // holders reached by recruiters today (with the pool off too)
  double refused_today = 0;              // of them, those whose asking price was above the offer
  // ---- end rising supply curve ----
  // ---- known sellers (agents/farmer_pool.cpp): willing holders the pool knows by identity ----
  // Farmers back from a visit and holders whose sanction ended; a contact
  // that reaches one of them reaches that identity again, so their cards
  // add up towards the per-ID cap. They are counted in willing and by_band too.
  std::vector<std::vector<uint32_t>> known;     // [region] their identities (flag Citizens::kFarmer; index in Citizens::known_seller_slot)
  std::vector<std::vector<int32_t>> known_band; // [region] each one's reservation band
  std::vector<int64_t> known_by_band;           // [region * kBands + band]: of by_band, the known
  // ---- end known sellers ----
};

template <class V, class C, IfPart<C, FarmerPool> = 0> void visit_fields(V& v, C& f) {
  v.array("farmer_pool.willing", f.willing, Extent::Other);  // per region
  v.array("farmer_pool.untapped", f.untapped, Extent::Other);
  v.array("farmer_pool.sanctioned", f.sanctioned, Extent::Other);  // the sanctioned, as many as there are
  v.array("farmer_pool.sanctioned_until", f.sanctioned_until, Extent::Other);
  v.array("farmer_pool.by_band", f.by_band, Extent::Other);  // per region and band
  v.scalar("farmer_pool.reached_today", f.reached_today);
  v.scalar("farmer_pool.refused_today", f.refused_today);
  v.nested("farmer_pool.known", f.known);  // known sellers
  v.nested("farmer_pool.known_band", f.known_band);
  v.array("farmer_pool.known_by_band", f.known_by_band, Extent::Other);
}
CARDSIM_FIELDS_LISTED(FarmerPool, 208);

// ---- regions that trade (agents/card_market.cpp, docs/model.md "Regions that trade") ----
/// Where each buyer of cards lives and the cards in the post between regions.
/// Home regions are drawn when the world is built, from their own stream, so
/// that existing draws keep their order; the lists are empty of cards while
/// market.regional.enabled is off.
struct Trade {
  std::vector<std::vector<int32_t>> home;      // [use][buyer] the buyer's home region
  std::vector<std::vector<int32_t>> incoming;  // [use][buyer] cards mailed to the buyer and not yet arrived
  std::vector<std::vector<uint32_t>> arriving; // [day] cards in the post that reach their buyer that day
};

template <class V, class C, IfPart<C, Trade> = 0> void visit_fields(V& v, C& t) {
  v.nested("trade.home", t.home);
  v.nested("trade.incoming", t.incoming);
  v.nested("trade.arriving", t.arriving);
}
CARDSIM_FIELDS_LISTED(Trade, 72);
// ---- end regions that trade ----

// ---- two cards: bank accounts, account kits and cash-out (agents/bank.cpp) ----
/// Life of a criminal bank account. Every account is in exactly one state.
/// Honest accounts are not members: like honest cards, they are only counted
/// (bank_accounts_frozen_honest).
enum class AccountState : uint8_t {
  InKit = 0,    // bought from its holder, in a kit at a collector (Bank::holder: the collector)
  InUse,        // bought by a ring, receiving victims' money (Bank::holder: the ring)
  FrozenFraud,  // frozen by its bank: monitoring or a victim's report
  Closed,       // closed when its ring left its place or was arrested
  Seized,       // in a kit seized when its collector was arrested (police traces)
  Count
};

/// The second card's market: criminal accounts as struct-of-arrays, the
/// collectors' kits, the rings' accounts in use, the two prices and the day's
/// tallies. Empty while bank.enabled is off.
struct Bank {
  std::vector<uint8_t> state;           // AccountState
  std::vector<uint32_t> seller;         // identity holder who opened and sold it
  std::vector<int32_t> holder;          // collector (InKit) or ring (InUse and after)
  std::vector<double> funds;            // yuan received today and not yet cashed out or frozen
  std::vector<int32_t> receipts_today;  // fraud transfers received today
  std::vector<int32_t> reports_today;   // of those, transfers whose victim reported the case
  std::vector<int32_t> collector;       // collector who assembled its kit (police traces: seller -> collector)
  std::vector<std::vector<uint32_t>> kits;          // [collector] accounts in kits for sale
  std::vector<std::vector<uint32_t>> ring_accounts;  // [ring] accounts in use, oldest first
  std::vector<int64_t> by_state;        // running count per AccountState
  double price_seller = 0, price_kit = 0;  // yuan per account, yuan per kit
  // Today's tallies for the price updates (cleared when the bank's market opens).
  double seller_ordered = 0, seller_obtained = 0, seller_reached = 0, seller_refused = 0;
  double contacts_used = 0, contacts_cap = 0;
  double kits_wanted = 0, kits_offered = 0;
  // What rings have seen of accounts (moving averages over bank.learning_days,
  // started at what the parameters imply): the share of the money paid into
  // accounts that was cashed out, not frozen, and the accounts frozen per receipt.
  double yield_seen = 0, frozen_per_receipt_seen = 0;
  // Police traces (docs/model.md 19, "Police see both cards"): each collector's niche is empty
  // until this day after an arrest; what collectors and sellers have seen of
  // arrests (moving averages over bank.learning_days of the day's counts):
  // collectors arrested and kits sold, sellers arrested and accounts sold.
  std::vector<int32_t> collector_absent_until;  // [collector] day
  double collector_arrests_seen = 0, kits_sold_seen = 0, seller_arrests_seen = 0, accounts_sold_seen = 0;

  uint32_t size() const { return uint32_t(state.size()); }
};

template <class V, class C, IfPart<C, Bank> = 0> void visit_fields(V& v, C& b) {
  v.array("bank.state", b.state, Extent::PerMember);
  v.array("bank.seller", b.seller, Extent::PerMember);
  v.array("bank.holder", b.holder, Extent::PerMember);
  v.array("bank.funds", b.funds, Extent::PerMember);
  v.array("bank.receipts_today", b.receipts_today, Extent::PerMember);
  v.array("bank.reports_today", b.reports_today, Extent::PerMember);
  v.array("bank.collector", b.collector, Extent::PerMember);
  v.nested("bank.kits", b.kits);
  v.nested("bank.ring_accounts", b.ring_accounts);
  v.array("bank.by_state", b.by_state, Extent::Other);
  v.scalar("bank.price_seller", b.price_seller);
  v.scalar("bank.price_kit", b.price_kit);
  v.scalar("bank.seller_ordered", b.seller_ordered);
  v.scalar("bank.seller_obtained", b.seller_obtained);
  v.scalar("bank.seller_reached", b.seller_reached);
  v.scalar("bank.seller_refused", b.seller_refused);
  v.scalar("bank.contacts_used", b.contacts_used);
  v.scalar("bank.contacts_cap", b.contacts_cap);
  v.scalar("bank.kits_wanted", b.kits_wanted);
  v.scalar("bank.kits_offered", b.kits_offered);
  v.scalar("bank.yield_seen", b.yield_seen);
  v.scalar("bank.frozen_per_receipt_seen", b.frozen_per_receipt_seen);
  v.array("bank.collector_absent_until", b.collector_absent_until, Extent::Other);  // per collector
  v.scalar("bank.collector_arrests_seen", b.collector_arrests_seen);
  v.scalar("bank.kits_sold_seen", b.kits_sold_seen);
  v.scalar("bank.seller_arrests_seen", b.seller_arrests_seen);
  v.scalar("bank.accounts_sold_seen", b.accounts_sold_seen);
}
CARDSIM_FIELDS_LISTED(Bank, 392);
// ---- end two cards ----

/// Perceived risk of criminal roles, raised by arrests they hear of.
struct Risk {
  double farmer = 0, insider = 0;
  double merchant = 0;  // read as merchants' perceived chance of arrest within a year (docs/model.md 10.3)
};

template <class V, class C, IfPart<C, Risk> = 0> void visit_fields(V& v, C& r) {
  v.scalar("risk.farmer", r.farmer);
  v.scalar("risk.insider", r.insider);
  v.scalar("risk.merchant", r.merchant);
}
CARDSIM_FIELDS_LISTED(Risk, 24);

/// Regions' sizes (parameter region_sizes), derived from the parameters when
/// the world is built, like the criminal counts, and so not saved. Holders are
/// laid out region by region: region r holds identities
/// [first_holder[r], first_holder[r + 1]). For uneven sizes, weight_end[r] is
/// the sum of the weights of regions 0..r (persons at the source's date); it is
/// empty for even sizes, whose arithmetic needs no table.
struct RegionLayout {
  std::vector<uint64_t> first_holder;
  std::vector<uint64_t> weight_end;
};

// ---- police cases: queue by source, priority rule, maximum age (agents/police.cpp) ----
/// Where a police case came from; each case keeps it (the list it waits in).
/// Values are stored in snapshots: new sources are appended.
enum class CaseSource : uint8_t {
  VictimReport = 0,  // a fraud victim reported the case (controls.police.report_prob)
  MonitoringLead,    // carrier monitoring shut the card and passed it on (controls.police.lead_prob)
  BankLead,          // reserved: an account frozen by a bank, once bank accounts exist
  Count
};
constexpr std::size_t kCaseSources = std::size_t(CaseSource::Count);
/// PoliceCases::account of a case whose money went to no account of a ring.
constexpr uint32_t kNoAccount = UINT32_MAX;

/// Cases waiting for a trace: one first-in-first-out list per source, each
/// case with the day it was queued and its arrival number over all sources
/// (which orders cases across sources under the fifo rule). Entries from
/// `head[source]` on wait; worked and dropped ones are cut off the front now
/// and then, so that every case costs amortised O(1) and no day scans the queue.
struct PoliceCases {
  std::vector<std::vector<uint32_t>> card;   // [source][i] the case's card
  // [source][i] the account that received the case's money, or kNoAccount;
  // two cards only: with bank.enabled off every list stays empty.
  std::vector<std::vector<uint32_t>> account;
  std::vector<std::vector<int32_t>> day;     // [source][i] day it was queued
  std::vector<std::vector<uint64_t>> order;  // [source][i] arrival number
  std::vector<uint64_t> head;                // [source] first waiting case
  std::vector<int64_t> day_sum;              // [source] sum of `day` over waiting cases: the mean age in O(1)
  uint64_t arrivals = 0;                     // cases ever queued: the next arrival number

  PoliceCases();
  /// Cases waiting from `source`, and from all sources.
  uint64_t waiting(CaseSource source) const { return card[std::size_t(source)].size() - head[std::size_t(source)]; }
  uint64_t waiting() const;
};

template <class V, class C, IfPart<C, PoliceCases> = 0> void visit_police_cases(V& v, C& q) {
  v.nested("world.police_cases.card", q.card);
  v.nested("world.police_cases.account", q.account);
  v.nested("world.police_cases.day", q.day);
  v.nested("world.police_cases.order", q.order);
  v.array("world.police_cases.head", q.head, Extent::Other);  // per source
  v.array("world.police_cases.day_sum", q.day_sum, Extent::Other);
  v.scalar("world.police_cases.arrivals", q.arrivals);
}
CARDSIM_FIELDS_LISTED(PoliceCases, 152);
// ---- end police cases ----

/// A niche's arrested holder served a sentence: replace_<role> has just reset
/// the niche to a newcomer (absent for its replacement delay, no record); the
/// same person returns instead, after the longer of that delay and the
/// sentence, with one more conviction than `record`, the count before arrest.
inline void return_after_sentence(int64_t today, int64_t sentence_days, int32_t record, int32_t& absent_until,
                                  int32_t& convictions) {
  absent_until = std::max(absent_until, int32_t(today + sentence_days));
  convictions = record + 1;
}

class BlockPool;  // core/block_pool.h

struct World {
  World(const Params& initial, uint64_t seed, uint64_t replicate);

  uint64_t seed, replicate;
  int64_t day = 0;
  Params p;  // parameters in force today (scheduled changes applied)
  /// The scenario's one-off actions (re-verification drives), set by
  /// run_days like `p`; null when the world runs without a scenario.
  const std::vector<ScheduledAction>* actions = nullptr;
  /// Threads for the phases that run by blocks of holders (honest demand),
  /// set by run_days from RunOptions like `p`; null: one thread. Results do
  /// not depend on it.
  BlockPool* block_pool = nullptr;
  CriminalCounts counts;  // agents of each criminal kind, fixed when the world is built
  RegionLayout layout;    // regions' sizes, fixed when the world is built

  Citizens citizens;
  Cards cards;
  Outlets outlets;
  Insiders insiders;
  Brokers brokers;
  Rings rings;
  SimBanks sim_banks;
  Market market;
  Risk risk;
  FarmerPool farmer_pool;
  Trade trade;  // regions that trade: buyers' home regions, cards in the post
  Bank bank;    // two cards: bank accounts and kits (agents/bank.cpp)
  Ledger ledger;
  Recorder recorder;

  // Live honest cards: the expected initial count plus tracked changes (the
  // rate basis of churn and false positives), and the changes themselves.
  int64_t legit_live = 0;
  int64_t legit_initial = 0, legit_activated = 0, legit_churned = 0, legit_shut = 0;
  std::vector<double> initial_cards_cdf;  // P(initial honest cards <= k), k < cap at day 0
  uint64_t initial_cards_key = 0;         // keys each holder's draw of initial cards
  std::vector<int64_t> cards_by_state;  // running count per CardState
  std::vector<int64_t> cards_by_use;    // running count of cards InUse per CardUse

  // Event lists by day: cost follows events, not population.
  std::vector<std::vector<uint32_t>> shutdown_due;     // detected cards
  std::vector<std::vector<uint32_t>> commission_due;   // criminal cards awaiting commission
  std::vector<int64_t> honest_commission_due;          // honest activations awaiting commission
  std::vector<std::vector<uint64_t>> honest_retry_due;  // refused honest customers' next tries (agents/citizen.cpp)
  std::vector<std::vector<uint32_t>> reported_shutdown_due;  // reported numbers to shut (controls.reported_shutdown)
  PoliceCases police_cases;                            // cases waiting for a trace, by source
  double police_carry = 0;

  Stream stream(Phase phase, uint64_t entity) const { return Stream(seed, replicate, day, phase, entity); }

  // Derived facts about identity holders.
  int region_of(uint32_t identity) const {
    if (layout.weight_end.empty()) return int(uint64_t(identity) * uint64_t(p.regions) / uint64_t(citizens.count));
    return region_of_uneven(identity);
  }
  int region_of_uneven(uint32_t identity) const;
  /// Home region of `buyer` of `use` (regions that trade, Trade::home).
  int buyer_home(CardUse use, int32_t buyer) const;
  /// Cards mailed to `buyer` of `use` and still in the post: they count as
  /// held when the buyer decides how many more to buy.
  std::size_t cards_coming(CardUse use, int32_t buyer) const;
  /// A region drawn in proportion to its size (one draw from `s`).
  int random_region(Stream& s) const;
  /// A region other than `home`, in proportion to its size (one draw from `s`).
  int random_other_region(Stream& s, int home) const;
  uint32_t random_identity(Stream& s) const { return uint32_t(s.below(uint64_t(citizens.count))); }

  /// Honest cards in the holder's name; an untouched holder has the count
  /// drawn for them from the seed when the world was made.
  int legit_cards(uint32_t identity) const {
    const int stored = citizens.person[identity].legit_stored();
    return stored ? stored - 1 : initial_legit_cards(identity);
  }
  void set_legit_cards(uint32_t identity, int n) { citizens.person[identity].set_legit_stored(n + 1); }
  /// The least k with u <= cdf[k] (cap when none), u the holder's draw.
  /// Read for every untouched holder an event meets: the first four
  /// comparisons are counted without branches (the cdf never decreases, so
  /// the count of cdf values below u is that k), most holders have fewer cards.
  int initial_legit_cards(uint32_t identity) const {
    const double u = splitmix_uniform(initial_cards_key, identity);
    const double* cdf = initial_cards_cdf.data();
    const int n = int(initial_cards_cdf.size());
    int k = 0;
    if (n >= 4) {
      k = int(u > cdf[0]) + int(u > cdf[1]) + int(u > cdf[2]) + int(u > cdf[3]);
      if (k < 4) return k;
    }
    while (k < n && u > cdf[k]) ++k;
    return k;
  }
  uint32_t random_identity_in(Stream& s, int region) const;
  /// Identity holders of `region` (the ids random_identity_in draws from).
  int64_t holders_in(int region) const;
  uint32_t random_outlet_in(Stream& s, int region) const;
  int64_t outlet_count() const { return int64_t(outlets.region.size()); }

  // Card life.
  /// Room for `n` cards in every card array (capacity only: no card is made).
  void reserve_cards(std::size_t n);
  /// A card made by channel `ch`, in stock; counts it in the channel's activation metric.
  uint32_t new_card(Channel ch, uint32_t identity, uint32_t outlet, int32_t broker, int32_t insider) {
    take_slot(identity);
    return new_card_in_taken_slot(ch, identity, outlet, broker, insider);
  }
  /// new_card in two steps, for a caller that takes many holders' slots at
  /// once, in the order of their records' pages (production's activations on
  /// records): the holder's slot under the per-ID cap is taken, then the card made.
  void take_slot(uint32_t identity) {
    Identity& holder = citizens.person[identity];
    holder.set_criminal_cards(holder.criminal_cards() + 1);
  }
  uint32_t new_card_in_taken_slot(Channel ch, uint32_t identity, uint32_t outlet, int32_t broker, int32_t insider);
  /// Sells a card in stock to `buyer` of `use`: it goes InUse, counted in the use's entry metric.
  void put_in_use(uint32_t card, CardUse use, int32_t buyer);
  /// A ring's cards in fraud use changed by `delta`: keeps Rings::cards_in_use
  /// and the rings' attempts a day (scammers.callers_cards) up to date.
  void ring_fleet_changed(int32_t ring, int delta);
  /// Moves a card between states other than InUse's entry (put_in_use does that).
  void set_card_state(uint32_t card, CardState s);
  /// Ends a live card (shut, seized, expired): frees its slot under the per-ID cap.
  void end_card(uint32_t card, CardState s) {
    end_card_keeping_slot(card, s);
    free_slot(cards.identity[card]);
  }
  /// end_card in two steps, for a caller that frees many holders' slots at
  /// once, in the order of their records' pages (monitoring's shutdowns):
  /// the card ends, and its slot stays taken until free_slot.
  void end_card_keeping_slot(uint32_t card, CardState s) { set_card_state(card, s); }
  /// Frees one slot of `identity`'s under the per-ID cap (a live criminal card fewer).
  void free_slot(uint32_t identity) {
    Identity& holder = citizens.person[identity];
    holder.set_criminal_cards(holder.criminal_cards() - 1);
  }

  bool insider_present(int32_t insider) const {
    return insider >= 0 && insiders.vacant_until[insider] <= day && !insiders.vacant[std::size_t(insider)];
  }
  /// A broker works its place: not out after an arrest, and (entry by profit)
  /// not a place left empty until an entrant expects a profit.
  bool broker_present(int32_t b) const {
    return brokers.absent_until[b] <= day && !brokers.vacant[std::size_t(b)];
  }
  /// A ring works its place: not out after an arrest, and (entry by profit)
  /// not a place left empty until an entrant expects a profit.
  bool ring_present(int32_t r) const { return rings.absent_until[r] <= day && !rings.vacant[std::size_t(r)]; }
  bool sim_bank_present(int32_t b) const { return sim_banks.absent_until[std::size_t(b)] <= day; }
  /// Share of their usual activity kept by a person back from `convictions`
  /// served sentences: (1 - controls.police.record_restraint)^convictions,
  /// exactly 1 with no record.
  double restraint(int32_t convictions) const {
    return convictions == 0 ? 1.0 : std::pow(1.0 - p.police_record_restraint, double(convictions));
  }

  std::size_t horizon() const { return shutdown_due.size(); }
};

/// World's own fields: honest-card counts and the event lists by day.
template <class V, class W, IfPart<W, World> = 0> void visit_event_fields(V& v, W& w) {
  v.scalar("world.legit_live", w.legit_live);
  v.scalar("world.legit_initial", w.legit_initial);
  v.array("world.initial_cards_cdf", w.initial_cards_cdf, Extent::Other);
  v.scalar("world.initial_cards_key", w.initial_cards_key);
  v.scalar("world.legit_activated", w.legit_activated);
  v.scalar("world.legit_churned", w.legit_churned);
  v.scalar("world.legit_shut", w.legit_shut);
  v.array("world.cards_by_state", w.cards_by_state, Extent::Other);
  v.array("world.cards_by_use", w.cards_by_use, Extent::Other);
  v.nested("world.shutdown_due", w.shutdown_due);
  v.nested("world.commission_due", w.commission_due);
  v.array("world.honest_commission_due", w.honest_commission_due, Extent::Other);
  v.nested("world.honest_retry_due", w.honest_retry_due);
  v.nested("world.reported_shutdown_due", w.reported_shutdown_due);
  visit_police_cases(v, w.police_cases);
  v.scalar("world.police_carry", w.police_carry);
}

/// Every field of World. `p` (today's parameters), `actions` and `block_pool` are not
/// listed: run_days sets them from the scenario at the start of every day; nor
/// are the criminal counts and the region layout, which the world computes
/// from the parameters when it is built.
template <class V, class W, IfPart<W, World> = 0> void visit_fields(V& v, W& w) {
  v.scalar("world.seed", w.seed);
  v.scalar("world.replicate", w.replicate);
  v.scalar("world.day", w.day);
  visit_fields(v, w.citizens);
  visit_fields(v, w.cards);
  visit_fields(v, w.outlets);
  visit_fields(v, w.insiders);
  visit_fields(v, w.brokers);
  visit_fields(v, w.rings);
  visit_fields(v, w.sim_banks);
  visit_fields(v, w.market);
  visit_fields(v, w.risk);
  visit_fields(v, w.farmer_pool);
  visit_fields(v, w.trade);  // regions that trade
  visit_fields(v, w.bank);   // two cards
  w.ledger.visit_fields(v);
  w.recorder.visit_fields(v);
  visit_event_fields(v, w);
}
/// Each buyer's cards in use `u`, one list per buyer (the row's `fleets`);
/// W is World or const World.
template <class W> auto& use_fleets(W& w, CardUse u) {
  using Fleets = decltype((w.rings.fleet));
  using Get = Fleets (*)(W&);
  static constexpr Get get[] = {
#define CARD_USE(id, key, label, buyer, buyers, fleets, ...) [](W& x) -> Fleets { return x.fleets; },
#include "core/card_uses.def"
#undef CARD_USE
  };
  static_assert(std::size(get) == std::size_t(kCardUseCount));
  return get[int(u)](w);
}

#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(World) - sizeof(Params) - sizeof(CriminalCounts) - sizeof(RegionLayout) == 6184,
              "World changed: list the new field in visit_fields(World) or visit_event_fields, then update the size");
#endif

}  // namespace cardsim
