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
  Count
};

enum class Role : uint8_t { Pool = 0, Carrier, Insider, Broker, Ring, SimBank, Count };

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
  uint32_t carrier0_ = 0, insider0_ = 0, broker0_ = 0, ring0_ = 0, sim_bank0_ = 0;

  template <class V, class L> static void visit(V& v, L& l) {
    v.array("ledger.balances", l.balance_, Extent::Other);
    v.scalar("ledger.moved", l.moved_);
  }
};
CARDSIM_FIELDS_LISTED(Ledger, 104);

}  // namespace cardsim
