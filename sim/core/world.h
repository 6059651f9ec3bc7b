// The World: all state of one replicate, as struct-of-arrays per entity kind.
// Agents' phase logic lives in agents/; this file only holds data and the
// small helpers every phase shares.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "core/channels.h"
#include "core/ledger.h"
#include "core/metrics.h"
#include "scenario/params.h"
#include "scenario/populations.h"
#include "core/rng.h"
#include "core/zero_vector.h"

namespace cardsim {

constexpr uint32_t kNone = 0xffffffffu;

/// Life of a criminal card. Every card is in exactly one state.
enum class CardState : uint8_t {
  Stock = 0,   // activated, held by a merchant or raiser for sale
  Raising,     // activated, kept looking used until the commission is paid
  FraudUse,    // held by a fraud ring
  ShutFraud,   // shut by carrier monitoring
  Seized,      // taken by police when its holder was arrested
  Expired,     // abandoned by its holder (raised card not resold)
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

  static constexpr uint8_t kLeakedId = 1, kLeakedFace = 2, kMisused = 4, kFarmer = 8;
};

/// Criminal cards (honest cards are only counted per identity).
struct Cards {
  std::vector<uint8_t> channel, state;
  std::vector<uint32_t> identity, outlet;
  std::vector<int32_t> broker;           // who produced it
  std::vector<int32_t> insider;          // whose white card or login was used, -1 none
  std::vector<int32_t> ring;             // who bought it, -1 before sale
  std::vector<int32_t> activation_day, commission_day;
  std::vector<uint32_t> commission_payee;  // ledger account, kNone when unpaid
  std::vector<float> commission_paid;

  uint32_t size() const { return uint32_t(state.size()); }
};

struct Outlets {
  std::vector<uint16_t> region, carrier;
  std::vector<int32_t> insider;            // -1 when honest
  std::vector<int32_t> cap_window_start, cap_count;
  std::vector<int32_t> burst_day, burst_count;
  std::vector<int64_t> region_first;       // outlets of region r: [first[r], first[r+1])
};

struct Insiders {
  std::vector<int32_t> outlet;
  std::vector<double> reservation;     // ask with no perceived risk, yuan per white card
  std::vector<uint8_t> shares_login;   // will share the login that edits location
  std::vector<int32_t> vacant_until;   // slot empty (arrested) until this day
  std::vector<int32_t> last_business_day;
  std::vector<int32_t> white_left_today;
  std::vector<int32_t> raiser;         // the raising team using this dealer, -1 none
};

enum class BrokerKind : uint8_t { Merchant = 0, LaborAgency, DataSeller, Raiser, Organiser };

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
};

struct Rings {
  std::vector<std::vector<uint32_t>> fleet;  // cards in fraud use
  std::vector<double> revenue_factor;        // ring's revenue per card relative to the average (skill, targets)
  std::vector<int32_t> absent_until;
  std::vector<int64_t> bought_from;          // [ring * merchants_total + broker] trade counts (network)
};

/// Emerging prices and the day's market tallies.
struct Market {
  double price_farmer, price_white, price_record, price_scammer;
  // Tallies for today's price updates.
  double farmer_ordered = 0, farmer_obtained = 0, farmer_contacts_used = 0, farmer_contacts_cap = 0;
  double white_ordered = 0, white_delivered = 0, white_capacity = 0;
  double record_ordered = 0, record_delivered = 0, record_stock = 0;
  double scammer_wanted = 0, scammer_bought = 0, scammer_offered = 0;
  void clear_tallies();
};

/// Perceived risk of criminal roles, raised by arrests they hear of.
struct Risk {
  double farmer = 0, insider = 0;
};

struct World {
  World(const Params& initial, uint64_t seed, uint64_t replicate);

  uint64_t seed, replicate;
  int64_t day = 0;
  Params p;  // parameters in force today (scheduled changes applied)
  CriminalCounts counts;  // agents of each criminal kind, fixed when the world is built

  Citizens citizens;
  Cards cards;
  Outlets outlets;
  Insiders insiders;
  Brokers brokers;
  Rings rings;
  Market market;
  Risk risk;
  Ledger ledger;
  Recorder recorder;

  // Live honest cards: the expected initial count plus tracked changes (the
  // rate basis of churn and false positives), and the changes themselves.
  int64_t legit_live = 0;
  int64_t legit_initial = 0, legit_activated = 0, legit_churned = 0, legit_shut = 0;
  std::vector<double> initial_cards_cdf;  // P(initial honest cards <= k), k < cap at day 0
  uint64_t initial_cards_key = 0;         // keys each holder's draw of initial cards
  std::vector<int64_t> cards_by_state;  // running count per CardState

  // Event lists by day: cost follows events, not population.
  std::vector<std::vector<uint32_t>> shutdown_due;     // detected cards
  std::vector<std::vector<uint32_t>> commission_due;   // criminal cards awaiting commission
  std::vector<int64_t> honest_commission_due;          // honest activations awaiting commission
  std::vector<uint32_t> police_queue;                  // reported cases' cards, FIFO
  std::size_t police_head = 0;
  double police_carry = 0;

  Stream stream(Phase phase, uint64_t entity) const { return Stream(seed, replicate, day, phase, entity); }

  // Derived facts about identity holders.
  int region_of(uint32_t identity) const {
    return int(uint64_t(identity) * uint64_t(p.regions) / uint64_t(citizens.count));
  }
  uint32_t random_identity(Stream& s) const { return uint32_t(s.below(uint64_t(citizens.count))); }

  /// Honest cards in the holder's name; an untouched holder has the count
  /// drawn for them from the seed when the world was made.
  int legit_cards(uint32_t identity) const {
    const int stored = citizens.person[identity].legit_stored();
    return stored ? stored - 1 : initial_legit_cards(identity);
  }
  void set_legit_cards(uint32_t identity, int n) { citizens.person[identity].set_legit_stored(n + 1); }
  int initial_legit_cards(uint32_t identity) const;
  uint32_t random_identity_in(Stream& s, int region) const;
  uint32_t random_outlet_in(Stream& s, int region) const;
  int64_t outlet_count() const { return int64_t(outlets.region.size()); }

  // Card life.
  /// A card made by channel `ch`, in stock; counts it in the channel's activation metric.
  uint32_t new_card(Channel ch, uint32_t identity, uint32_t outlet, int32_t broker, int32_t insider);
  void set_card_state(uint32_t card, CardState s);
  /// Ends a live card (shut, seized, expired): frees its slot under the per-ID cap.
  void end_card(uint32_t card, CardState s);

  bool insider_present(int32_t insider) const {
    return insider >= 0 && insiders.vacant_until[insider] <= day;
  }
  bool broker_present(int32_t b) const { return brokers.absent_until[b] <= day; }
  bool ring_present(int32_t r) const { return rings.absent_until[r] <= day; }

  std::size_t horizon() const { return shutdown_due.size(); }
};

}  // namespace cardsim
