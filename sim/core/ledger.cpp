#include "core/ledger.h"

#include <cmath>
#include <iterator>

namespace cardsim {

void Ledger::layout(int carriers, int insiders, int brokers, int rings, int sim_banks) {
  carrier0_ = uint32_t(Pool::Count);
  insider0_ = carrier0_ + uint32_t(carriers);
  broker0_ = insider0_ + uint32_t(insiders);
  ring0_ = broker0_ + uint32_t(brokers);
  sim_bank0_ = ring0_ + uint32_t(rings);
  balance_.assign(sim_bank0_ + uint32_t(sim_banks), 0.0);
}

Role Ledger::role_of(uint32_t a) const {
  if (a >= sim_bank0_) return Role::SimBank;
  if (a >= ring0_) return Role::Ring;
  if (a >= broker0_) return Role::Broker;
  if (a >= insider0_) return Role::Insider;
  if (a >= carrier0_) return Role::Carrier;
  return Role::Pool;
}

std::string Ledger::name_of(uint32_t a) const {
  static const char* kRoles[] = {"pool", "carrier", "insider", "broker", "ring", "SIM bank"};
  const uint32_t first[] = {0, carrier0_, insider0_, broker0_, ring0_, sim_bank0_};
  static_assert(std::size(kRoles) == std::size_t(Role::Count));
  const int role = int(role_of(a));
  return std::string(kRoles[role]) + " " + std::to_string(a - first[role]);
}

double Ledger::transfer(uint32_t from, uint32_t to, double amount) {
  balance_[from] -= amount;
  balance_[to] += amount;
  receipts_[int(role_of(to))] += amount;
  moved_ += std::fabs(amount);
  return amount;
}

double Ledger::sum() const {
  double s = 0;
  for (double b : balance_) s += b;
  return s;
}

double Ledger::take_receipts(Role role) {
  const double r = receipts_[int(role)];
  receipts_[int(role)] = 0;
  return r;
}

}  // namespace cardsim
