// Money: every payment moves yuan from one account to another, so the sum of
// all balances is zero at all times (checked by the invariants).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/fields.h"

namespace cardsim {

/// Accounts outside the criminal network, one each.
enum class Pool : uint32_t {
  Victims = 0,   // identity holders who lost money
  Farmers,       // card farmers, together
  State,         // fines
  Platforms,     // apps paying new-user bounties
  Suppliers,     // costs paid outside the model (harvesting, upkeep)
  Dealers,       // honest dealers' commissions
  CodeClients,   // clients paying SIM banks for codes received (bulk account registration)
  // ---- two cards (agents/bank.cpp) ----
  AccountSellers,  // holders who sold their bank account, together
  Collectors,      // account-kit collectors, together
  Banks,           // funds banks froze in criminal accounts
  // ---- end two cards ----
  Count
};

enum class Role : uint8_t { Pool = 0, Carrier, Insider, Broker, Ring, SimBank, Count };

// ---- income by role: money by payer and payee (docs/model.md, "Income by role") ----
/// The parties whose income is read: every account belongs to one. The pools
/// come first, in Pool's order; brokers are split by kind (the world assigns
/// them after layout, default Merchants).
enum class Party : uint8_t {
  Victims = 0, Farmers, State, Platforms, Suppliers, Dealers, CodeClients,  // the pools
  AccountSellers, Collectors, Banks,  // the pools of the two cards (agents/bank.cpp)
  Carriers, Insiders, Merchants, RecordSellers, Raisers, Organisers, Rings, SimBanks, Count
};
constexpr int kPartyCount = int(Party::Count);
const char* party_name(Party p);
// ---- end income by role ----

class Ledger {
 public:
  void layout(int carriers, int insiders, int brokers, int rings, int sim_banks);

  uint32_t pool(Pool p) const { return uint32_t(p); }
  uint32_t carrier(int c) const { return carrier0_ + uint32_t(c); }
  uint32_t insider(int i) const { return insider0_ + uint32_t(i); }
  uint32_t broker(int b) const { return broker0_ + uint32_t(b); }
  uint32_t ring(int r) const { return ring0_ + uint32_t(r); }
  uint32_t sim_bank(int b) const { return sim_bank0_ + uint32_t(b); }
  Role role_of(uint32_t account) const;
  /// "broker 3", "pool 0": the agent behind an account, for messages.
  std::string name_of(uint32_t account) const;
  uint32_t accounts() const { return uint32_t(balance_.size()); }

  /// Moves `amount` yuan; returns it for chaining into metrics.
  double transfer(uint32_t from, uint32_t to, double amount);

  double balance(uint32_t account) const { return balance_[account]; }
  /// Sum of all balances (zero up to rounding) and the scale of money moved.
  double sum() const;
  double moved() const { return moved_; }
  /// Receipts credited to a role since the last call (for income metrics).
  double take_receipts(Role role);

  // ---- income by role: today's money by payer party and payee party ----
  void set_party(uint32_t account, Party p) { party_[account] = uint8_t(p); }
  Party party_of(uint32_t account) const { return Party(party_[account]); }
  /// Yuan paid today by accounts of `from` to accounts of `to`.
  double flow_today(Party from, Party to) const { return flow_[int(from)][int(to)]; }
  /// Today's receipts less today's payments of a party (transfers inside it cancel).
  double net_today(Party p) const;
  /// The party's balance: the sum of its accounts' balances.
  double party_balance(Party p) const;
  /// Start of a day: remembers each party's balance (checked against today's
  /// flows by the invariants) and clears today's flows. O(accounts).
  void open_day();
  /// Each party's balance when the day opened.
  double balance_at_open(Party p) const { return at_open_[int(p)]; }
  /// Whether a day has opened in this process (false in a world just restored
  /// from a snapshot: its flows start with the next day).
  bool day_opened() const { return day_opened_; }
  // ---- end income by role ----

  /// Balances by account, for tests that damage or compare them.
  std::vector<double>& raw_balances() { return balance_; }
  const std::vector<double>& raw_balances() const { return balance_; }

  /// The ledger's state (see core/fields.h). Receipts are not listed:
  /// record_day takes every role's receipts at the end of each day, so they
  /// are zero between days; the accounts' first numbers follow from the
  /// parameters when the world is built.
  template <class V> void visit_fields(V& v) { visit(v, *this); }
  template <class V> void visit_fields(V& v) const { visit(v, *this); }

 private:
  std::vector<double> balance_;
  double receipts_[int(Role::Count)] = {};
  double moved_ = 0;
  // Income by role: derived from the layout and today's transfers, never saved
  // (open_day rebuilds them from the balances at the start of every day).
  std::vector<uint8_t> party_;
  double flow_[kPartyCount][kPartyCount] = {};
  double at_open_[kPartyCount] = {};
  bool day_opened_ = false;
  uint32_t carrier0_ = 0, insider0_ = 0, broker0_ = 0, ring0_ = 0, sim_bank0_ = 0;

  template <class V, class L> static void visit(V& v, L& l) {
    v.array("ledger.balances", l.balance_, Extent::Other);
    v.scalar("ledger.moved", l.moved_);
  }
};
// Income by role's fields (party_, flow_, at_open_, day_opened_) are not listed: they are
// rebuilt from the layout and the balances (see their comment).
CARDSIM_FIELDS_LISTED(Ledger, 2864);

}  // namespace cardsim
